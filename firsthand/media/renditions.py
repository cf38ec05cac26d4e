"""Web-sized versions of cleaned media: thumbnails, and a poster frame for videos.

They are made from the *cleaned* bytes only, written as WebP from pixels alone, and read
back with exiftool like the cleaned file itself. A rendition is never larger than its
source (no upscaling); sizes are the longest edge in pixels.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps

from firsthand.media import videos
from firsthand.media.clean import CleanedMedia
from firsthand.media.images import decoding
from firsthand.media.kinds import HEAD_BYTES, sniff
from firsthand.media.limits import DEFAULT_LIMITS, Limits
from firsthand.media.readback import verify_exiftool
from firsthand.media.tools import workspace, write_private

THUMBNAIL_SIZES = (320, 1280)
WEBP_QUALITY = 80


@dataclass(frozen=True)
class Rendition:
    data: bytes
    media_type: str
    width: int
    height: int
    sha256: str


def _webp(image: Image.Image) -> Rendition:
    mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    pixels = image.convert(mode)
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    data = out.getvalue()
    return Rendition(
        data, "image/webp", clean.width, clean.height, hashlib.sha256(data).hexdigest()
    )


def _verified(renditions: list[Rendition], limits: Limits) -> list[Rendition]:
    with workspace() as workdir:
        paths = [
            write_private(workdir / f"r{number}.webp", item.data)
            for number, item in enumerate(renditions)
        ]
        verify_exiftool(*paths, limits=limits)
    return renditions


def _first_frame(cleaned: CleanedMedia, limits: Limits) -> Image.Image:
    kind = sniff(cleaned.data[:HEAD_BYTES])
    if kind.category == "image":
        with decoding(kind), Image.open(io.BytesIO(cleaned.data)) as image:
            image.load()
            return image.copy()
    with workspace() as workdir:
        source = write_private(workdir / ("video" + kind.extension), cleaned.data)
        png = videos.poster_png(source, kind, workdir, limits)
        with decoding(kind), Image.open(png, formats=["PNG"]) as image:
            image.load()
            return image.copy()


def poster(cleaned: CleanedMedia, limits: Limits = DEFAULT_LIMITS) -> Rendition:
    """The first frame at full size, upright (videos), or the picture itself as WebP."""
    (rendition,) = _verified([_webp(_first_frame(cleaned, limits))], limits)
    return rendition


def thumbnails(
    cleaned: CleanedMedia,
    sizes: Sequence[int] = THUMBNAIL_SIZES,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[int, Rendition]:
    """WebP versions whose longest edge is at most each size (a video's first frame)."""
    frame = _first_frame(cleaned, limits)
    made = []
    for size in sizes:
        fitted = (
            ImageOps.contain(frame, (size, size), Image.Resampling.LANCZOS)
            if max(frame.size) > size
            else frame
        )
        made.append(_webp(fitted))
    return dict(zip(sizes, _verified(made, limits), strict=True))
