"""Thumbnails and poster frames are small, upright WebP files with nothing but pixels."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from firsthand.media import clean, clean_file, poster, thumbnails
from tests.media import builders
from tests.media.conftest import exiftool_read


def test_photo_thumbnails_fit_each_size_and_carry_no_metadata(tmp_path: Path) -> None:
    out = io.BytesIO()
    builders.quadrants(2000, 1500).save(out, "JPEG", exif=builders.exif_block().tobytes())
    made = thumbnails(clean(out.getvalue()))
    assert {size: (r.width, r.height) for size, r in made.items()} == {
        320: (320, 240),
        1280: (1280, 960),
    }
    for size, rendition in made.items():
        assert rendition.media_type == "image/webp"
        assert Image.open(io.BytesIO(rendition.data)).size == (rendition.width, rendition.height)
        path = tmp_path / f"{size}.webp"
        path.write_bytes(rendition.data)
        assert not [k for k in exiftool_read(path) if "GPS" in k or "Model" in k]


def test_small_pictures_are_not_upscaled(phone_jpeg: Path) -> None:
    made = thumbnails(clean_file(phone_jpeg), sizes=(320, 4000))
    assert (made[4000].width, made[4000].height) == (480, 640)
    assert max(made[320].width, made[320].height) == 320


def test_a_video_poster_is_its_first_frame(tagged_webm: Path) -> None:
    frame = poster(clean_file(tagged_webm))
    image = Image.open(io.BytesIO(frame.data))
    assert image.format == "WEBP" and image.size == (160, 120)
    assert max(image.convert("L").getextrema()) > 100  # testsrc is colourful, not black
