"""Mutated files either clean (and verify) or raise a MediaError: never a crash or a hang."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firsthand.media import CleanedMedia, Limits, MediaError, clean
from tests.media import builders

# Small budgets so a mutation that sends a tool into a loop fails fast instead of hanging.
LIMITS = Limits(tool_seconds=20, tool_cpu_seconds=20, max_pixels=4_000_000)


def _seeds() -> dict[str, bytes]:
    picture = builders.quadrants()
    seeds = {}
    for name, options in (
        ("JPEG", {"exif": builders.exif_block(6).tobytes()}),
        ("PNG", {}),
        ("GIF", {"comment": b"x"}),
        ("WEBP", {"quality": 80}),
    ):
        out = io.BytesIO()
        picture.save(out, name, **options)
        seeds[name] = out.getvalue()
    return seeds


SEEDS = _seeds()

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 7)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("append"), st.integers(1, 64), st.integers(0, 255)),
    st.tuples(st.just("splice"), st.integers(0, 10**6), st.integers(0, 255)),
)


def mutate(data: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, what in mutations:
        if not buffer:
            break
        position = where % len(buffer)
        if kind == "flip":
            buffer[position] ^= 1 << what
        elif kind == "truncate":
            del buffer[max(position, 1) :]
        elif kind == "append":
            buffer += bytes([what]) * where
        else:
            buffer[position:position] = bytes([what]) * 4
    return bytes(buffer)


def check(data: bytes) -> None:
    try:
        cleaned = clean(data, LIMITS)
    except MediaError:
        return
    assert isinstance(cleaned, CleanedMedia)
    assert cleaned.sha256 == hashlib.sha256(cleaned.data).hexdigest()
    assert b"Apple" not in cleaned.data and builders.OWNER.encode() not in cleaned.data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(sorted(SEEDS)), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_images_clean_or_raise_a_media_error(
    seed: str, mutations: list[tuple[str, int, int]]
) -> None:
    check(mutate(SEEDS[seed], mutations))


@pytest.fixture(scope="module")
def small_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    directory = tmp_path_factory.mktemp("fuzz")
    path: Path = builders.phone_video(directory, "mp4")
    return path.read_bytes()


def test_mutated_videos_clean_or_raise_a_media_error(small_mp4: bytes) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(mutations=st.lists(mutation, min_size=1, max_size=3))
    def run(mutations: list[tuple[str, int, int]]) -> None:
        check(mutate(small_mp4, mutations))

    run()
