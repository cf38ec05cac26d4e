"""Cleaning photos: decode to pixels, turn upright, re-encode from the pixels alone.

Why re-encode rather than strip in place (exiftool -all=, mat2's lightweight mode):
  - Nothing we did not write can survive: EXIF, maker notes, XMP, IPTC, ICC profiles,
    embedded thumbnails and previews, PNG text chunks, C2PA/JUMBF boxes, GIF comments
    and application blocks, HEIF depth maps and auxiliary images, and bytes appended
    after the image (a JPEG+ZIP polyglot) all vanish, whatever their layout.
  - A JPEG's quantisation tables fingerprint the camera or app that wrote it; we
    write Pillow's standard tables at a fixed quality instead.
  - The EXIF orientation is applied to the pixels first (ImageOps.exif_transpose), so
    the picture stays upright once the tag is gone. mat2 0.13's re-render drops the tag
    without applying it, turning many phone photos on their side.
The cost is one generation of JPEG/WebP loss at quality 92/90 (PNG, lossless WebP and
GIF stay lossless, up to GIF's 256-colour palette per frame).

Colour: an embedded ICC profile can name the device or the person who made it, so it is
dropped. To keep the colours a person saw, the pixels are first converted from that
profile to sRGB (littlecms via PIL.ImageCms); untagged images are shown as sRGB by every
browser, so the result looks the same, less any out-of-sRGB gamut (Display P3 reds).

HEIC/HEIF is written out as JPEG: browsers other than Safari cannot show HEIC. TIFF is
written out as PNG (browsers cannot show TIFF; PNG keeps it lossless): only the first
page, the picture itself, is kept, never the thumbnails or previews of the other pages.
Camera raw files built on TIFF (DNG, or a first page marked as a reduced preview, as in
NEF and ARW) are refused: their first page is a thumbnail, not the photo.

Animated GIFs keep every frame and frame time. They are written with one delta per frame
(only the rectangle that changed, over the previous frame) so the output stays near the
input's size; re-encoding every full frame with its own palette made a 1.7 MB GIF 37 MB.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageSequence, UnidentifiedImageError

from firsthand.media.errors import (
    MalformedMedia,
    MediaError,
    MediaTooLarge,
    MismatchedMedia,
    TooManyPixels,
    UnsupportedMedia,
)
from firsthand.media.kinds import Kind
from firsthand.media.limits import Limits

# HEIF thumbnails, depth maps and auxiliary images are never decoded, let alone kept.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

PILLOW_FORMAT = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "heif": "HEIF",
    "tiff": "TIFF",
}
# What each input kind is written out as.
OUTPUT_FORMAT = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "heif": "JPEG",
    "tiff": "PNG",
}
MEDIA_TYPE = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
JPEG_QUALITY = 92
WEBP_QUALITY = 90

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Picture:
    """Decoded, upright, sRGB frames with nothing but pixels and timing."""

    frames: list[Image.Image]
    durations: list[int]  # milliseconds per frame (animations only)
    loop: int | None  # animation loop count as stored; None means play once
    lossless: bool  # the source was lossless (PNG, GIF, lossless WebP)


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    media_type: str
    pillow_format: str
    width: int
    height: int
    frames: int


@contextmanager
def decoding(kind: Kind) -> Iterator[None]:
    """Turn whatever a decoder raises on hostile bytes into our errors.

    Pillow and its plugins raise many types on damaged input (OSError, SyntaxError,
    ValueError, struct.error, EOFError, IndexError, zlib.error, ...); none of them may
    escape as a crash, so everything not already ours becomes `MalformedMedia`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooManyPixels(f"the {kind.label} has too many pixels to decode safely") from error
    except UnidentifiedImageError as error:
        raise MismatchedMedia(
            f"the file starts like a {kind.label} but is not a readable one "
            "(damaged, or another type in disguise)"
        ) from error
    except MemoryError as error:
        raise MediaTooLarge(f"the {kind.label} needs too much memory to decode") from error
    except Exception as error:
        detail = str(error)[:200] or type(error).__name__
        raise MalformedMedia(
            f"the {kind.label} is damaged or truncated and cannot be read ({detail})"
        ) from error


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:
        return 1


_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}


def _upright(frame: Image.Image, orientation: int) -> Image.Image:
    """Apply an EXIF orientation to the pixels (what ImageOps.exif_transpose does)."""
    for method in _TRANSPOSE.get(orientation, []):
        frame = frame.transpose(method)
    return frame


def _working_mode(frame: Image.Image) -> Image.Image:
    """A mode the encoders and the colour engine take, without losing transparency."""
    mode = frame.mode
    if mode in ("RGB", "RGBA", "L", "LA", "I;16"):
        return frame
    if mode == "P":
        return frame.convert("RGBA" if "transparency" in frame.info else "RGB")
    if mode in ("PA", "La", "RGBa"):
        return frame.convert("RGBA")
    if mode == "1":
        return frame.convert("L")
    if mode.startswith("I;16") or mode in ("I", "F"):
        return frame.convert("L") if mode == "F" else frame.convert("I;16")
    if mode == "LAB":
        lab = ImageCms.createProfile("LAB")
        converted = ImageCms.profileToProfile(frame, lab, _SRGB, outputMode="RGB")
        assert converted is not None
        return converted
    return frame.convert("RGB")  # CMYK, YCbCr, HSV


def _to_srgb(frame: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert pixels from their embedded profile to sRGB, so dropping it keeps the look."""
    if not icc:
        return _working_mode(frame)
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if frame.mode in ("CMYK", "RGB", "RGBA"):
            mode = "RGB" if frame.mode == "CMYK" else frame.mode
            converted = ImageCms.profileToProfile(frame, source, _SRGB, outputMode=mode)
            if converted is not None:
                return converted
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        pass  # an unreadable profile: the pixels are shown as sRGB, as a browser would
    return _working_mode(frame)


def _pixels_only(frame: Image.Image, more_frames: bool) -> Image.Image:
    """A new image around the raw pixels, so no `info` (exif, icc, comments...) and no
    cached EXIF rides along: a blank Image adopts the pixel core, which holds only mode,
    size and pixels. (tobytes and frombytes cost two more copies of every pixel.)

    With `more_frames`, the decoder's core is copied: seeking to the next GIF or APNG
    frame pastes into it in place. A still's core is never written again (it was decoded
    from bytes in memory, never mapped from a file), so it is adopted as it is (a copy
    cost 40 ms on 12 MP)."""
    frame.load()
    return Image.Image()._new(frame.im.copy() if more_frames else frame.im)


def _is_lossless_webp(data: bytes) -> bool:
    return b"VP8L" in data[:4096] and b"VP8 " not in data[:4096]


def _refuse_camera_raw(image: Image.Image) -> None:
    """A raw file's first TIFF page is its thumbnail: refuse rather than publish that."""
    tags = getattr(image, "tag_v2", {})
    if 0xC612 in tags:  # DNGVersion
        raise UnsupportedMedia("this is a camera raw photo (DNG); export it as JPEG first")
    if int(tags.get(0x00FE, 0) or 0) & 1:  # NewSubfileType: reduced-resolution copy
        raise UnsupportedMedia(
            "this TIFF's first page is a reduced preview (a camera raw file?); "
            "export the photo as JPEG or TIFF first"
        )


def decode(data: bytes, kind: Kind, limits: Limits) -> Picture:
    """Decode every frame, upright and in sRGB, refusing bombs before allocating pixels."""
    with decoding(kind), Image.open(io.BytesIO(data), formats=[PILLOW_FORMAT[kind.name]]) as image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise MalformedMedia(f"the {kind.label} has no pixels ({width}x{height})")
        if width * height > limits.max_pixels:
            raise TooManyPixels(
                f"the {kind.label} is {width}x{height} pixels; the limit is "
                f"{limits.max_pixels / 1e6:g} million pixels"
            )
        count = int(getattr(image, "n_frames", 1)) if kind.name in ("gif", "webp", "png") else 1
        if count > limits.max_frames or count * width * height > limits.max_total_pixels:
            raise TooManyPixels(
                f"the animation has {count} frames of {width}x{height}; that is too many "
                "pixels to decode safely"
            )
        if kind.name == "tiff":
            _refuse_camera_raw(image)
        orientation = _orientation(image)
        icc = image.info.get("icc_profile")
        loop = image.info.get("loop")
        frames: list[Image.Image] = []
        durations: list[int] = []
        for frame in ImageSequence.Iterator(image) if count > 1 else [image]:
            frame.load()
            durations.append(int(frame.info.get("duration", 100) or 100))
            upright = _upright(_to_srgb(frame, icc), orientation)
            # A transpose or colour conversion made a new core; the decoder's own is
            # written again by the next frame's seek.
            frames.append(_pixels_only(upright, count > 1 and upright.im is frame.im))
            if len(frames) >= count:
                break
    lossless = kind.name in ("png", "gif", "tiff") or (
        kind.name == "webp" and _is_lossless_webp(data)
    )
    return Picture(frames, durations, int(loop) if loop is not None else None, lossless)


def _for_jpeg(frame: Image.Image) -> Image.Image:
    if frame.mode in ("RGB", "L"):
        return frame
    if frame.mode in ("RGBA", "LA"):
        # JPEG has no alpha: flatten onto white, as a viewer would show it on a page.
        background = Image.new("RGB", frame.size, (255, 255, 255))
        background.paste(frame.convert("RGBA"), mask=frame.convert("RGBA").getchannel("A"))
        return background
    return frame.convert("L" if frame.mode.startswith("I") else "RGB")


def _gif(picture: Picture, out: io.BytesIO) -> None:
    """GIF frames as deltas: each frame stores only the rectangle that changed.

    Over opaque frames, "leave the previous frame in place" (disposal 1) with Pillow's
    delta rectangles is exact. A frame with transparency must not show the previous
    one through its clear pixels, so those animations restore the background between
    frames (disposal 2) instead.
    """
    frames = [f if f.mode in ("RGB", "RGBA", "L") else f.convert("RGBA") for f in picture.frames]
    options: dict[str, object] = {"optimize": True}
    if len(frames) > 1:
        alpha = any(f.mode == "RGBA" and f.getextrema()[3][0] < 255 for f in frames)
        options.update(
            save_all=True,
            append_images=frames[1:],
            duration=picture.durations,
            disposal=2 if alpha else 1,
        )
        if picture.loop is not None:
            options["loop"] = picture.loop
    frames[0].save(out, "GIF", **options)


def encode(picture: Picture, pillow_format: str) -> EncodedImage:
    """Write the frames in pillow_format, passing nothing but pixels and timing."""
    out = io.BytesIO()
    first = picture.frames[0]
    animated = len(picture.frames) > 1
    if pillow_format == "JPEG":
        _for_jpeg(first).save(out, "JPEG", quality=JPEG_QUALITY)
    elif pillow_format == "PNG":
        options: dict[str, object] = {"compress_level": 6}
        if animated:
            options.update(
                save_all=True,
                append_images=picture.frames[1:],
                duration=picture.durations,
                loop=picture.loop or 0,
            )
        first.save(out, "PNG", **options)
    elif pillow_format == "WEBP":
        frames = [f if f.mode in ("RGB", "RGBA") else f.convert("RGBA") for f in picture.frames]
        options = {
            "lossless": picture.lossless,
            "quality": WEBP_QUALITY if not picture.lossless else 80,
            "method": 4,
        }
        if animated:
            options.update(
                save_all=True,
                append_images=frames[1:],
                duration=picture.durations,
                loop=picture.loop or 0,
            )
        frames[0].save(out, "WEBP", **options)
    elif pillow_format == "GIF":
        _gif(picture, out)
    else:
        raise ValueError(f"no encoder for {pillow_format}")
    return EncodedImage(
        out.getvalue(),
        MEDIA_TYPE[pillow_format],
        pillow_format,
        first.width,
        first.height,
        len(picture.frames),
    )


def clean_image(data: bytes, kind: Kind, limits: Limits) -> EncodedImage:
    """The picture's pixels, re-encoded with no metadata at all (verification is separate)."""
    picture = decode(data, kind, limits)
    with decoding(kind):
        return encode(picture, OUTPUT_FORMAT[kind.name])


def check_decodes(encoded: EncodedImage, kind: Kind) -> None:
    """Our own PNG, WebP or GIF must decode as what we say it is, at the size we say.
    (A JPEG's size and structure are proven by jpeg_structure.prove_plain instead.)"""
    with (
        decoding(kind),
        Image.open(io.BytesIO(encoded.data), formats=[encoded.pillow_format]) as image,
    ):
        if image.size != (encoded.width, encoded.height):
            raise MalformedMedia("the cleaned picture did not come out at its own size")
        image.load()
