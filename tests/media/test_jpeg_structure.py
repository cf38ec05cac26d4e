"""The in-process proof that a JPEG we wrote is pixels only: an adversary who could slip
a segment or a trailer into our output (a bug in an encoder, a tampered library) must be
caught by it, since exiftool is no longer asked about our JPEGs."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from firsthand.media import MetadataSurvived, clean, exiftool, summary
from firsthand.media.images import decode
from firsthand.media.jpeg_structure import JFIF_APP0, is_plain, prove_plain
from firsthand.media.kinds import sniff
from firsthand.media.limits import DEFAULT_LIMITS
from tests.media import builders


def _ours(width: int = 40, height: int = 24, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    builders.quadrants(width, height).convert(mode).save(out, "JPEG", quality=92)
    return out.getvalue()


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _after_header(data: bytes, extra: bytes) -> bytes:
    cut = 2 + len(JFIF_APP0)
    return data[:cut] + extra + data[cut:]


def _before_eoi(data: bytes, extra: bytes) -> bytes:
    return data[:-2] + extra + data[-2:]


@settings(max_examples=25, deadline=None)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    mode=st.sampled_from(["RGB", "L"]),
    progressive=st.booleans(),
)
def test_what_pillow_writes_for_us_is_proven_plain(
    width: int, height: int, mode: str, progressive: bool
) -> None:
    out = io.BytesIO()
    image = builders.quadrants(width, height).convert(mode)
    image.save(out, "JPEG", quality=92, progressive=progressive)
    prove_plain(out.getvalue(), width, height)


HIDDEN = {
    "EXIF with GPS (APP1)": lambda d: _after_header(
        d, _segment(0xE1, builders.exif_block().tobytes())
    ),
    "XMP (APP1)": lambda d: _after_header(d, _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00")),
    "ICC profile (APP2)": lambda d: _after_header(d, _segment(0xE2, b"ICC_PROFILE\x00\x01\x01")),
    "IPTC (APP13)": lambda d: _after_header(d, _segment(0xED, b"Photoshop 3.0\x00")),
    "Adobe (APP14)": lambda d: _after_header(d, _segment(0xEE, b"Adobe\x00")),
    "a comment (COM)": lambda d: _after_header(d, _segment(0xFE, b"owner: Jane")),
    "a second JFIF (JFXX thumbnail)": lambda d: _after_header(
        d, _segment(0xE0, b"JFXX\x00\x10" + bytes(30))
    ),
    "a comment just before EOI": lambda d: _before_eoi(d, _segment(0xFE, b"serial 1234")),
    "a ZIP after EOI": lambda d: d + b"PK\x03\x04secret",
    "one byte after EOI": lambda d: d + b"\x00",
    "fill bytes before a marker": lambda d: _after_header(d, b"\xff"),
    "an unknown marker": lambda d: _after_header(d, _segment(0xF7, b"x")),
    "a segment cut short": lambda d: d[:-2] + b"\xff\xfe\x00\x20ab",
    "no end of image": lambda d: d[:-2],
}


@pytest.mark.parametrize("hiding_place", list(HIDDEN))
def test_anything_added_to_our_jpeg_is_refused(hiding_place: str) -> None:
    with pytest.raises(MetadataSurvived, match="structure was not only picture data"):
        prove_plain(HIDDEN[hiding_place](_ours()), 40, 24)


def test_a_jfif_header_that_carries_a_thumbnail_or_numbers_is_refused() -> None:
    data = _ours()
    with_thumbnail = data[:18] + b"\x01\x01" + data[20:]  # thumbnail 1x1 claimed
    other_density = data[:14] + b"\x01\x00\x48\x00\x48" + data[19:]
    for changed in (with_thumbnail, other_density):
        with pytest.raises(MetadataSurvived):
            prove_plain(changed, 40, 24)


def test_a_marker_hidden_in_the_entropy_coded_data_is_refused() -> None:
    data = _ours()
    scan = data.index(b"\xff\xda")
    middle = scan + (len(data) - scan) // 2
    hidden = data[:middle] + _segment(0xFE, b"location 48.85 2.29") + data[middle:]
    with pytest.raises(MetadataSurvived):
        prove_plain(hidden, 40, 24)


def test_a_frame_of_another_size_is_refused() -> None:
    with pytest.raises(MetadataSurvived, match="40x24, not 41x24"):
        prove_plain(_ours(), 41, 24)


def test_a_cleaned_phone_photo_is_proven_plain_and_upright(tmp_path: Path) -> None:
    source = builders.jpeg_with_everything(tmp_path, orientation=6)
    data = source.read_bytes()
    cleaned = clean(data)
    prove_plain(cleaned.data, cleaned.width, cleaned.height)
    with Image.open(source) as original:
        assert (cleaned.width, cleaned.height) == (original.height, original.width)


def test_each_frame_of_an_animation_keeps_its_own_pixels() -> None:
    """Frames share no pixel memory: the next frame's seek must not repaint the last."""
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (16, 16), colour) for colour in colours]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50)
    data = out.getvalue()
    picture = decode(data, sniff(data[:64]), DEFAULT_LIMITS)
    assert [frame.convert("RGB").getpixel((8, 8)) for frame in picture.frames] == colours


def test_a_photo_already_cleaned_on_the_device_is_not_listed_but_still_cleaned() -> None:
    """A canvas JPEG has nothing to report; one with EXIF still has its fields listed."""
    plain = _ours(64, 48)
    assert is_plain(plain)
    before = sum(worker.requests for worker in exiftool._idle)
    cleaned = clean(plain)
    assert cleaned.removed == () and cleaned.data != plain
    assert sum(worker.requests for worker in exiftool._idle) == before
    with_exif = _after_header(plain, _segment(0xE1, builders.exif_block().tobytes()))
    assert not is_plain(with_exif) and not is_plain(plain + b"PK\x03\x04")
    assert "GPS location" in summary(clean(with_exif).removed)
