"""The box walker: structure passes, anything that can carry words or numbers of a device
is flagged, and hostile sizes never crash it (boxes.py)."""

from __future__ import annotations

import contextlib
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.media import boxes
from tests.media import builders, isobmff
from tests.media.isobmff import box, full


@pytest.fixture(scope="module")
def moov_last(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain H.264 + AAC MP4 as our remux writes it (+bitexact), moov at the end."""
    directory = tmp_path_factory.mktemp("boxes")
    encoded, path = directory / "encoded.mp4", directory / "plain.mp4"
    builders.run(
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:duration=0.2",
        "-f", "lavfi", "-i", "sine=duration=0.2", "-c:v", "libx264", "-preset", "ultrafast",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mp4", encoded,
    )  # fmt: skip
    builders.run(
        "ffmpeg", "-v", "error", "-y", "-i", encoded, "-map", "0", "-c", "copy",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1", "-map_metadata:s", "-1", "-f", "mp4", path,
    )  # fmt: skip
    return path


def test_a_plain_ffmpeg_output_is_all_structure(moov_last: Path) -> None:
    assert boxes.judge(moov_last) == []


XMP = "<x:xmpmeta>Jane Doe</x:xmpmeta>"
CARRIERS = {
    "udta with a location": dict(moov_boxes=[box(b"udta", box(b"\xa9xyz", b"+48.85+002.29/"))]),
    "meta keys": dict(moov_boxes=[full(b"meta", box(b"keys", b"\0" * 8))]),
    "an XMP uuid at the top": dict(top_boxes=[isobmff.xmp_uuid(XMP)]),
    "an XMP uuid in moov": dict(moov_boxes=[isobmff.xmp_uuid(XMP)]),
    "an ICC profile": dict(video_entry_boxes=[isobmff.icc_colr(b"\0" * 128)]),
    "free space holding text": dict(moov_boxes=[box(b"free", b"meet at the old mill")]),
    "an unknown box": dict(moov_boxes=[box(b"Xyz1", b"")]),
    "a timed metadata track": dict(samples_tracks=["mebx"], iso6709="+48.85+002.29/"),
    "a telemetry track": dict(samples_tracks=["gpmd"], gpmf=b"DEVC\0\0\0\0"),
}


@pytest.mark.parametrize("case", list(CARRIERS))
def test_each_carrier_is_flagged(case: str, moov_last: Path, tmp_path: Path) -> None:
    dirty = isobmff.rewrite(moov_last, tmp_path / "dirty.mp4", **CARRIERS[case])  # type: ignore[arg-type]
    found = boxes.judge(dirty)
    assert found, case


def _leaf(kind: str, payload: bytes) -> str | None:
    return boxes.LEAVES[kind](payload)


def test_dates_must_be_zero() -> None:
    assert _leaf("mvhd", b"\0" * 100) is None
    assert _leaf("mvhd", b"\0" * 4 + struct.pack(">I", 3_800_000_000) + b"\0" * 92)
    assert _leaf("tkhd", b"\1\0\0\0" + b"\0" * 8 + struct.pack(">Q", 1) + b"\0" * 80)


def test_handler_names_are_only_the_fixed_ones() -> None:
    def hdlr(name: bytes) -> bytes:
        return b"\0" * 4 + b"\0\0\0\0vide" + b"\0" * 12 + name

    assert _leaf("hdlr", hdlr(b"VideoHandler\0")) is None
    assert _leaf("hdlr", hdlr(b"\x0cSoundHandler")) is None
    assert _leaf("hdlr", hdlr(b"Core Media Video\0"))
    assert _leaf("hdlr", hdlr(b"\tGoPro AVC  "))


def test_colour_boxes_pass_with_numbers_and_fail_with_a_profile() -> None:
    assert _leaf("colr", b"nclx" + b"\0\1\0\1\0\1\0") is None
    assert _leaf("colr", b"nclc" + b"\0\1\0\1\0\1") is None
    assert "ICC" in str(_leaf("colr", b"prof" + b"\0" * 200))
    assert _leaf("colr", b"nclx" + b"\0" * 20)  # numbers, then room for more


def _hvcc(*units: tuple[int, bytes]) -> bytes:
    arrays = b""
    for nal_type, unit in units:
        arrays += bytes([0x80 | nal_type]) + struct.pack(">HH", 1, len(unit)) + unit
    return b"\x01" + b"\0" * 21 + bytes([len(units)]) + arrays


def test_codec_configuration_may_hold_parameter_sets_only() -> None:
    vps, sps, pps = (bytes([t << 1, 1]) + b"\x0c" * 4 for t in (32, 33, 34))
    assert _leaf("hvcC", _hvcc((32, vps), (33, sps), (34, pps))) is None
    text = b"x265 (build 199) - options: ..."
    sei = bytes([39 << 1, 1, 5, len(text)]) + text + b"\x80"  # user data unregistered
    assert "SEI message of type 5" in str(_leaf("hvcC", _hvcc((32, vps), (39, sei))))
    # An HDR recording's mastering display (137) and light level (144): numbers only.
    hdr = bytes([39 << 1, 1, 137, 24]) + b"\x01" * 24 + bytes([144, 4]) + b"\x02" * 4 + b"\x80"
    assert _leaf("hvcC", _hvcc((32, vps), (33, sps), (34, pps), (39, hdr))) is None
    timecode = bytes([39 << 1, 1, 136, 3]) + b"\x10\x11\x12" + b"\x80"
    assert "type 136" in str(_leaf("hvcC", _hvcc((32, vps), (39, timecode))))
    assert _leaf("hvcC", _hvcc((32, vps)) + b"hidden")
    sps_avc, pps_avc = b"\x67\x64\x00\x1f", b"\x68\xee\x3c\x80"
    avcc = b"\x01\x42\x00\x1e\xff\xe1" + struct.pack(">H", 4) + sps_avc
    avcc += b"\x01" + struct.pack(">H", 4) + pps_avc
    assert _leaf("avcC", avcc) is None
    assert _leaf("avcC", avcc + b"trailing")
    sei_avc = b"\x06\x05\x0f" + b"x264 - core 164" + b"\x80"
    bad = b"\x01\x42\x00\x1e\xff\xe2" + struct.pack(">H", 4) + sps_avc
    bad += struct.pack(">H", len(sei_avc)) + sei_avc + b"\x01" + struct.pack(">H", 4) + pps_avc
    assert _leaf("avcC", bad)


def test_an_hevc_configuration_is_rebuilt_without_its_text_sei_keeping_the_rest() -> None:
    vps, sps, pps = (bytes([t << 1, 1]) + b"\x0c" * 4 for t in (32, 33, 34))
    text = b"\x2c" * 16 + b"x265 (build 199) - options: numa-pools=/home/janedoe/Videos"
    settings_sei = bytes([39 << 1, 1, 5, len(text)]) + text + b"\x80"
    hdr = bytes([39 << 1, 1, 137, 24]) + b"\x01" * 24 + b"\x80"
    arrays = _hvcc((32, vps), (33, sps), (34, pps))[23:]
    # One prefix-SEI array holding the settings and the HDR levels, as x265 writes them.
    sei_array = bytes([0x80 | 39]) + struct.pack(">H", 2)
    sei_array += struct.pack(">H", len(settings_sei)) + settings_sei
    sei_array += struct.pack(">H", len(hdr)) + hdr
    record = b"\x01" + b"\x07" * 21 + bytes([4]) + arrays + sei_array
    assert "type 5" in str(boxes.codec_config.hevc_config(record))

    rebuilt = boxes.codec_config.hevc_config_without_text(record)
    assert rebuilt is not None and boxes.codec_config.hevc_config(rebuilt) is None
    assert b"janedoe" not in rebuilt and b"x265" not in rebuilt
    assert rebuilt[:22] == record[:22] and rebuilt[22] == 4  # the header as it was
    assert vps in rebuilt and sps in rebuilt and pps in rebuilt and hdr in rebuilt
    # Settings alone: the array goes with them.
    alone = _hvcc((32, vps), (33, sps), (34, pps), (39, settings_sei))
    assert boxes.codec_config.hevc_config_without_text(alone) == _hvcc(
        (32, vps), (33, sps), (34, pps)
    )
    # Nothing to take out, or something else wrong: not rebuilt (judge refuses the latter).
    assert boxes.codec_config.hevc_config_without_text(_hvcc((32, vps), (33, sps))) is None
    slice_unit = bytes([1 << 1, 1]) + b"janedoe"
    with_data = _hvcc((32, vps), (39, settings_sei), (1, slice_unit))
    assert boxes.codec_config.hevc_config_without_text(with_data) is None
    assert boxes.codec_config.hevc_config_without_text(alone + b"hidden") is None


def _sei(kind: int, payload: bytes) -> bytes:
    return bytes([kind, len(payload)]) + payload


_units = st.lists(
    st.one_of(
        # parameter sets, and now and then a slice (data: the record is refused as it is)
        st.tuples(st.sampled_from([32, 33, 34, 32, 33, 34, 1]), st.binary(min_size=1, max_size=8)),
        st.tuples(
            st.sampled_from([39, 40]),
            st.lists(
                st.tuples(st.sampled_from([0, 1, 4, 5, 136, 137, 144]), st.binary(max_size=20)),
                min_size=1,
                max_size=3,
            ).map(lambda messages: b"".join(_sei(k, p) for k, p in messages) + b"\x80"),
        ),
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(_units, st.sampled_from([b"", b"", b"", b"hidden"]))
def test_a_rebuilt_hevc_configuration_is_always_structure_and_keeps_what_was(
    units: list[tuple[int, bytes]], tail: bytes
) -> None:
    record = _hvcc(*((t, bytes([t << 1, 1]) + body) for t, body in units)) + tail
    rebuilt = boxes.codec_config.hevc_config_without_text(record)
    if rebuilt is None:  # nothing to take out, or refused as it stands
        return
    assert boxes.codec_config.hevc_config(rebuilt) is None
    assert len(rebuilt) < len(record)
    for nal_type, body in units:
        if nal_type in (32, 33, 34):
            assert bytes([nal_type << 1, 1]) + body in rebuilt  # parameter sets all kept


def test_a_reference_to_another_file_is_flagged() -> None:
    local = struct.pack(">I", 1) + full(b"url ", b"", flags=1)
    assert _leaf("dref", b"\0" * 4 + local) is None
    remote = struct.pack(">I", 1) + full(b"url ", b"file:///home/jane/a.mov\0")
    assert _leaf("dref", b"\0" * 4 + remote)


@pytest.mark.parametrize(
    "data",
    [
        box(b"moov", struct.pack(">I4s", 0xFFFFFF00, b"trak")),  # a child past its parent
        box(b"moov", struct.pack(">I4sQ", 1, b"trak", 2**63)),  # a 64-bit size past the end
        box(b"moov", struct.pack(">I4s", 4, b"trak")),  # smaller than its own header
        box(b"moov", b"\0\0\0"),  # stray bytes
    ],
)
def test_hostile_sizes_are_an_error_not_a_crash(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(box(b"ftyp", b"isom\0\0\0\0isom") + data)
    with pytest.raises(boxes.BoxError):
        boxes.judge(path)


def test_nesting_is_capped(tmp_path: Path) -> None:
    nested = box(b"stbl", b"")
    for _ in range(40):
        nested = box(b"trak", nested)
    path = tmp_path / "deep.mp4"
    path.write_bytes(box(b"moov", nested))
    with pytest.raises(boxes.BoxError, match="deep"):
        boxes.judge(path)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_judged_or_refused_never_crash(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(box(b"moov", data))
        handle.flush()
        with contextlib.suppress(boxes.BoxError):
            boxes.judge(Path(handle.name))
