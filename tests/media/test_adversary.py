"""A hostile organisation's tries: a location hidden where a cleaner may not look, a
picture that decodes to gigabytes, a video cut short, a tool made to hang."""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from firsthand.media import (
    DEFAULT_LIMITS,
    Limits,
    MediaError,
    ToolFailed,
    TooManyPixels,
    clean,
    clean_file,
    summary,
)
from firsthand.media import exiftool as exiftool_worker
from tests.media import builders, isobmff, phone_videos
from tests.media.conftest import exiftool_read, ffprobe_read

LOCATION = builders.ISO6709.encode()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _gps_exif() -> bytes:
    return builders.exif_block().tobytes()


def _no_gps(data: bytes, directory: Path, suffix: str) -> None:
    path = directory / f"out{suffix}"
    path.write_bytes(data)
    assert [key for key in exiftool_read(path) if "GPS" in key] == []
    assert builders.MODEL.encode() not in data and builders.OWNER.encode() not in data


def test_gps_in_a_png_exif_chunk_after_the_pixels_is_removed(tmp_path: Path) -> None:
    """exiftool -all= leaves this one (exiftool#102)."""
    plain = io.BytesIO()
    builders.quadrants().save(plain, "PNG")
    png = plain.getvalue()
    end = png.rindex(b"IEND") - 4
    tiff = _gps_exif().removeprefix(b"Exif\0\0")  # eXIf holds the TIFF structure alone
    dirty = png[:end] + _chunk(b"eXIf", tiff) + png[end:]
    source = tmp_path / "late-exif.png"
    source.write_bytes(dirty)
    assert any("GPS" in key for key in exiftool_read(source))
    _no_gps(clean(dirty).data, tmp_path, ".png")


def test_gps_in_a_webp_exif_chunk_after_the_image_is_removed(tmp_path: Path) -> None:
    plain = io.BytesIO()
    builders.quadrants().save(plain, "WEBP", lossless=True)
    webp = plain.getvalue()
    body = webp[12:] + _riff_chunk(b"EXIF", _gps_exif())
    dirty = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
    _no_gps(clean(dirty).data, tmp_path, ".webp")


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def test_gps_on_the_second_page_of_a_tiff_is_not_published(tmp_path: Path) -> None:
    source = tmp_path / "two-pages.tif"
    first, second = builders.quadrants(), builders.quadrants(32, 24)
    first.save(source, "TIFF", save_all=True, append_images=[second], exif=_gps_exif())
    cleaned = clean_file(source)
    assert cleaned.media_type == "image/png"
    _no_gps(cleaned.data, tmp_path, ".png")


def test_bytes_hidden_in_media_data_no_track_points_at_do_not_survive(tmp_path: Path) -> None:
    source = phone_videos.android_mp4(tmp_path)
    data = source.read_bytes()
    top = isobmff.boxes(data)
    out = b""
    for kind, whole in top:  # moov comes after mdat here, so no offset moves
        if kind == b"mdat":
            whole = isobmff.box(b"mdat", whole[8:] + b"HIDDEN " + LOCATION)
        out += whole
    hidden = tmp_path / "hidden.mp4"
    hidden.write_bytes(out)
    cleaned = clean_file(hidden)
    assert b"HIDDEN" not in cleaned.data and LOCATION not in cleaned.data


def test_location_in_a_track_level_user_data_box_does_not_survive(tmp_path: Path) -> None:
    base = phone_videos.android_mp4(tmp_path)
    data = base.read_bytes()
    top = isobmff.boxes(data)
    moov = next(whole for kind, whole in top if kind == b"moov")
    udta = isobmff.box(b"udta", isobmff.box(b"\xa9xyz", b"\0\x12\x15\xc7" + LOCATION))
    moov = isobmff._edit(moov, [b"trak"], udta)
    dirty = tmp_path / "trak-udta.mp4"
    dirty.write_bytes(b"".join(w for k, w in top if k != b"moov") + moov)
    assert LOCATION in dirty.read_bytes()
    assert LOCATION not in clean_file(dirty).data


@pytest.mark.parametrize(
    ("kind", "width", "height"),
    [("PNG", 100_000, 100_000), ("TIFF", 70_000, 70_000), ("GIF", 65_535, 65_535)],
)
def test_a_small_file_that_decodes_to_gigabytes_is_refused_from_its_header(
    kind: str, width: int, height: int
) -> None:
    if kind == "PNG":
        header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        idat = zlib.compress(b"\0" * 1024)
        data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
        data += _chunk(b"IEND", b"")
    elif kind == "TIFF":
        entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1),
                   (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1), (279, 4, 1, 1)]  # fmt: skip
        ifd = struct.pack("<H", len(entries))
        ifd += b"".join(struct.pack("<HHII", *entry) for entry in entries) + b"\0\0\0\0"
        data = b"II*\0" + struct.pack("<I", 8) + ifd
    else:
        data = b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
        data += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\0;"
    with pytest.raises(TooManyPixels):
        clean(data)


def test_an_animation_of_too_many_frames_is_refused() -> None:
    frames = [Image.new("L", (2, 2), i % 256) for i in range(2100)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=10)
    with pytest.raises(TooManyPixels, match="frames"):
        clean(out.getvalue())


def test_a_video_cut_anywhere_is_refused_or_cleaned_never_a_crash(tmp_path: Path) -> None:
    source = phone_videos.iphone_mov(tmp_path).read_bytes()
    for fraction in (0.1, 0.5, 0.9, 0.99):
        cut = source[: int(len(source) * fraction)]
        try:
            cleaned = clean(cut)
        except MediaError:
            continue
        assert phone_videos.LOCATION_3D.encode() not in cleaned.data


def test_exiftool_stays_running_between_files_and_is_replaced_after_a_timeout(
    tmp_path: Path,
) -> None:
    photo = tmp_path / "a.jpg"
    builders.quadrants().save(photo, "JPEG")
    exiftool_worker.read([photo], DEFAULT_LIMITS)
    first = {w.process.pid for w in exiftool_worker._idle}
    exiftool_worker.read([photo], DEFAULT_LIMITS)
    assert first & {w.process.pid for w in exiftool_worker._idle}  # the same process again
    hurried = Limits(tool_seconds=0.000_001)
    with pytest.raises(ToolFailed, match="longer than"):
        exiftool_worker.read([photo] * 50, hurried)
    records, _ = exiftool_worker.read([photo], DEFAULT_LIMITS)
    assert records and records[0]["File:FileType"] == "JPEG"


def test_exiftool_runs_fenced_with_no_write_access(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    builders.quadrants().save(photo, "JPEG")
    exiftool_worker.read([photo], DEFAULT_LIMITS)
    worker = next(w for w in exiftool_worker._idle if w.owner == os.getpid())
    limits = Path(f"/proc/{worker.process.pid}/limits").read_text()
    assert re.search(r"Max file size +0 +0 ", limits)


def test_a_sound_track_in_an_unknown_codec_is_dropped_not_a_refusal(tmp_path: Path) -> None:
    """iPhones can add APAC spatial audio beside AAC: the AAC stays, the rest goes."""
    base = phone_videos.android_mp4(tmp_path)
    dirty = isobmff.rewrite(base, tmp_path / "apac.mp4", samples_tracks=["apac"])
    cleaned = clean_file(dirty)
    assert "Extra sound track" in summary(cleaned.removed)
    out = tmp_path / "out.mp4"
    out.write_bytes(cleaned.data)
    assert [s["codec_type"] for s in ffprobe_read(out)["streams"]] == ["video", "audio"]
