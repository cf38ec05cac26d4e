"""Photos come out with pixels only: no metadata, upright, not blank, no trailing data."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from firsthand.media import (
    Limits,
    MalformedMedia,
    MediaError,
    MediaTooLarge,
    MismatchedMedia,
    TooManyPixels,
    clean,
    clean_file,
    summary,
)
from tests.media import builders
from tests.media.conftest import exiftool_read

IDENTIFYING = re.compile(
    r"GPS|Make|Model|Serial|Lens|Owner|Artist|Creator|Software|Date|Comment|Caption|Author|"
    r"Description|Thumbnail|ICC|XMP|IPTC|City|UniqueID",
    re.IGNORECASE,
)
SECRETS = [builders.OWNER, builders.SERIAL, builders.MODEL, builders.SECRET, "Nikon", "Apple"]


def assert_clean(data: bytes, directory: Path, suffix: str) -> dict[str, object]:
    """exiftool finds nothing identifying and no secret appears in the bytes."""
    path = directory / f"out{suffix}"
    path.write_bytes(data)
    fields = exiftool_read(path)
    leaked = [key for key in fields if IDENTIFYING.search(key)]
    assert leaked == []
    for secret in SECRETS:
        assert secret.encode() not in data
        assert secret.encode("utf-16-be") not in data
    return fields


def corner_colours(image: Image.Image) -> list[tuple[int, ...]]:
    rgb = image.convert("RGB")
    w, h = rgb.size
    points = [
        (w // 8, h // 8),
        (w * 7 // 8, h // 8),
        (w // 8, h * 7 // 8),
        (w * 7 // 8, h * 7 // 8),
    ]
    return [tuple(rgb.getpixel(point)) for point in points]  # type: ignore[arg-type]


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 24) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_jpeg_loses_gps_device_owner_xmp_iptc_icc_and_the_thumbnail_with_its_gps(
    phone_jpeg: Path, tmp_path: Path
) -> None:
    before = exiftool_read(phone_jpeg)
    assert "GPS:GPSLatitude" in before and "IFD1:ThumbnailImage" in before
    cleaned = clean_file(phone_jpeg)
    assert cleaned.media_type == "image/jpeg"
    assert_clean(cleaned.data, tmp_path, ".jpg")
    labels = summary(cleaned.removed)
    for expected in (
        "GPS location",
        "Phone or camera model",
        "Serial number",
        "Lens",
        "Owner or author name",
        "Embedded thumbnail",
        "XMP metadata",
        "IPTC metadata",
        "Colour profile",
    ):
        assert expected in labels
    assert {(f.group, f.name) for f in cleaned.removed} >= {
        ("GPS", "GPSLatitude"),
        ("IFD0", "Model"),
    }


def test_exif_orientation_is_applied_to_the_pixels_before_the_tag_goes(phone_jpeg: Path) -> None:
    cleaned = clean_file(phone_jpeg)  # orientation 6: stored 640x480, shown rotated 90° cw
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.size == (480, 640) == (cleaned.width, cleaned.height)
    top_left, top_right, bottom_left, bottom_right = corner_colours(image)
    # Rotating clockwise brings the stored bottom-left (blue) to the top-left.
    assert near(top_left, builders.BLUE) and near(top_right, builders.RED)
    assert near(bottom_left, builders.WHITE) and near(bottom_right, builders.GREEN)
    assert ImageStat.Stat(image).stddev[0] > 20  # not blank


def test_png_keeps_exact_pixels_and_only_image_chunks(samples: Path, tmp_path: Path) -> None:
    source = builders.png_with_text(samples)
    cleaned = clean_file(source)
    assert_clean(cleaned.data, tmp_path, ".png")
    chunks, position = [], 8
    while position < len(cleaned.data):
        length = int.from_bytes(cleaned.data[position : position + 4], "big")
        chunks.append(cleaned.data[position + 4 : position + 8].decode())
        position += 12 + length
    assert set(chunks) <= {"IHDR", "IDAT", "IEND"}
    assert Image.open(io.BytesIO(cleaned.data)).tobytes() == Image.open(source).tobytes()


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_loses_exif_xmp_and_icc_chunks(samples: Path, tmp_path: Path, lossless: bool) -> None:
    source = builders.webp_with_exif(samples, lossless)
    assert b"EXIF" in source.read_bytes() and b"XMP " in source.read_bytes()
    cleaned = clean_file(source)
    assert cleaned.media_type == "image/webp"
    assert_clean(cleaned.data, tmp_path, ".webp")
    for chunk in (b"EXIF", b"XMP ", b"ICCP"):
        assert chunk not in cleaned.data
    if lossless:
        assert Image.open(io.BytesIO(cleaned.data)).tobytes() == Image.open(source).tobytes()


def test_heic_becomes_a_clean_jpeg_of_the_same_picture(samples: Path, tmp_path: Path) -> None:
    source = builders.heic_with_exif(samples)
    assert "GPS:GPSLatitude" in exiftool_read(source)
    cleaned = clean_file(source)
    assert (cleaned.media_type, cleaned.source_type) == ("image/jpeg", "heif")
    assert_clean(cleaned.data, tmp_path, ".jpg")
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.size == (128, 96)
    assert near(corner_colours(image)[0], builders.RED)
    assert "GPS location" in summary(cleaned.removed)


def test_gif_keeps_its_frames_and_timing_but_not_its_comment(samples: Path, tmp_path: Path) -> None:
    source = builders.gif_with_comment(samples)
    cleaned = clean_file(source)
    fields = assert_clean(cleaned.data, tmp_path, ".gif")
    assert fields["GIF:FrameCount"] == 2
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.n_frames == 2 and image.info.get("duration") == 120
    assert "Text note" in summary(cleaned.removed)


def test_an_appended_zip_archive_does_not_survive(phone_jpeg: Path, samples: Path) -> None:
    polyglot = builders.with_zip_appended(phone_jpeg, samples)
    cleaned = clean_file(polyglot)
    assert b"PK\x03\x04" not in cleaned.data and b"hidden.txt" not in cleaned.data
    assert cleaned.data.endswith(b"\xff\xd9")
    assert "Hidden archive appended to the file" in summary(cleaned.removed)


def test_the_file_name_is_never_trusted(samples: Path) -> None:
    disguised = samples / "holiday.jpg"
    disguised.write_bytes(builders.png_with_text(samples).read_bytes())
    assert clean_file(disguised).media_type == "image/png"


def test_png_magic_on_a_jpeg_body_is_a_mismatch(phone_jpeg: Path) -> None:
    body = phone_jpeg.read_bytes()
    with pytest.raises(MismatchedMedia):
        clean(b"\x89PNG\r\n\x1a\n" + body)


def test_a_truncated_jpeg_is_refused_as_malformed(phone_jpeg: Path) -> None:
    data = phone_jpeg.read_bytes()
    with pytest.raises(MalformedMedia, match=r"truncated|damaged"):
        clean(data[: len(data) * 2 // 3])


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + len(ihdr).to_bytes(4, "big")
        + chunk
        + zlib.crc32(chunk).to_bytes(4, "big")
        + (len(idat) - 4).to_bytes(4, "big")
        + idat
        + zlib.crc32(idat).to_bytes(4, "big")
    )


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(TooManyPixels, match="too many pixels"):
        clean(_png_header_only(100_000, 100_000))


def test_the_pixel_and_byte_limits_are_enforced(phone_jpeg: Path) -> None:
    with pytest.raises(TooManyPixels):
        clean_file(phone_jpeg, Limits(max_pixels=1000))
    with pytest.raises(MediaTooLarge, match="MiB"):
        clean_file(phone_jpeg, Limits(max_image_bytes=1000))


def test_every_refusal_is_a_media_error() -> None:
    for error in (MalformedMedia, MismatchedMedia, TooManyPixels, MediaTooLarge):
        assert issubclass(error, MediaError)


def test_the_sha256_is_of_the_cleaned_bytes(phone_jpeg: Path) -> None:
    import hashlib

    cleaned = clean_file(phone_jpeg)
    assert cleaned.sha256 == hashlib.sha256(cleaned.data).hexdigest()
    assert cleaned.size == len(cleaned.data)
    assert clean_file(phone_jpeg).sha256 == cleaned.sha256  # deterministic
