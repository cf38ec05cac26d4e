"""Test photos and videos full of identifying metadata, made with the real tools.

Every builder writes into a directory it is given and returns the file's path. The
secrets below are planted in as many places as each format allows; the tests then
look for them in the cleaned bytes and in exiftool's and ffprobe's reading.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pillow_heif
from PIL import Image, ImageCms, PngImagePlugin

OWNER = "Jane Doe"
SERIAL = "SN4815162342"
MODEL = "iPhone 15 Pro"
SECRET = "meet at the old mill"
LATITUDE = 48.8584
LONGITUDE = 2.2945
ISO6709 = "+48.8584+002.2945/"

# Quadrant colours of the test picture, as stored (before any orientation is applied).
RED, GREEN, BLUE, WHITE = (220, 30, 30), (30, 200, 30), (30, 30, 220), (240, 240, 240)


def run(*argv: str | Path) -> None:
    subprocess.run([str(a) for a in argv], check=True, capture_output=True, timeout=60)


def quadrants(width: int = 64, height: int = 48) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, white bottom-right."""
    image = Image.new("RGB", (width, height))
    w, h = width // 2, height // 2
    for box, colour in (
        ((0, 0, w, h), RED),
        ((w, 0, width, h), GREEN),
        ((0, h, w, height), BLUE),
        ((w, h, width, height), WHITE),
    ):
        image.paste(colour, box)
    return image


def exif_block(orientation: int = 1) -> Image.Exif:
    """EXIF with GPS, device, owner, software and date (what a phone writes)."""
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = MODEL  # Model
    exif[0x0131] = "17.4.1"  # Software
    exif[0x0132] = "2024:05:01 10:00:00"  # DateTime
    exif[0x013B] = OWNER  # Artist
    exif[0x0112] = orientation
    ifd = exif.get_ifd(0x8769)
    ifd[0xA430] = OWNER  # CameraOwnerName
    ifd[0xA431] = SERIAL  # BodySerialNumber
    ifd[0xA434] = "iPhone 15 Pro back triple camera 6.86mm f/1.78"  # LensModel
    ifd[0x9003] = "2024:05:01 10:00:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 30.24)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.2)
    return exif


def srgb_named(name: str) -> bytes:
    """An sRGB ICC profile whose description names a person's device (same length trick)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    old = "sRGB built-in".encode("utf-16-be")
    new = name[:13].ljust(13).encode("utf-16-be")
    assert old in profile
    return profile.replace(old, new)


def jpeg_with_everything(directory: Path, orientation: int = 6) -> Path:
    """GPS, maker-notes-like fields, XMP, IPTC, a comment, a device ICC profile, and an
    embedded thumbnail that carries GPS of its own."""
    thumb = directory / "thumb.jpg"
    quadrants(32, 24).save(thumb, "JPEG", exif=exif_block().tobytes())
    path = directory / "phone.jpg"
    quadrants(640, 480).save(
        path,
        "JPEG",
        quality=90,
        exif=exif_block(orientation).tobytes(),
        icc_profile=srgb_named("Jane's Nikon "),
    )
    run(
        "exiftool",
        "-q",
        "-overwrite_original",
        f"-ThumbnailImage<={thumb}",
        f"-XMP-dc:Creator={OWNER}",
        f"-XMP-photoshop:City={SECRET}",
        f"-IPTC:By-line={OWNER}",
        f"-IPTC:Caption-Abstract={SECRET}",
        f"-Comment={SECRET}",
        "-MakerNotes:all=",
        f"-ExifIFD:UserComment={SECRET}",
        f"-ExifIFD:ImageUniqueID={SERIAL}",
        path,
    )
    return path


def png_with_text(directory: Path) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER)
    info.add_text("Comment", SECRET, zip=True)  # zTXt
    info.add_itxt("Description", SECRET, lang="en", tkey="Description")
    path = directory / "screenshot.png"
    quadrants().save(
        path,
        "PNG",
        pnginfo=info,
        exif=exif_block().tobytes(),
        icc_profile=srgb_named("Jane's Nikon "),
    )
    return path


def webp_with_exif(directory: Path, lossless: bool = False) -> Path:
    xmp = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        f'02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f' dc:creator="{OWNER}"/></rdf:RDF></x:xmpmeta>'
    ).encode()
    path = directory / ("lossless.webp" if lossless else "photo.webp")
    quadrants().save(
        path,
        "WEBP",
        lossless=lossless,
        quality=90,
        exif=exif_block().tobytes(),
        xmp=xmp,
        icc_profile=srgb_named("Jane's Nikon "),
    )
    return path


def heic_with_exif(directory: Path) -> Path:
    path = directory / "phone.heic"
    heif = pillow_heif.from_pillow(quadrants(128, 96))
    heif.info["exif"] = b"Exif\x00\x00" + exif_block().tobytes()
    heif.info["xmp"] = f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{OWNER}</x:xmpmeta>'.encode()
    heif.save(path, quality=90)
    return path


def gif_with_comment(directory: Path) -> Path:
    path = directory / "animation.gif"
    frames = [quadrants(), quadrants().transpose(Image.Transpose.ROTATE_180)]
    frames[0].save(
        path,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[120, 80],
        loop=0,
        comment=SECRET.encode(),
    )
    return path


def with_zip_appended(source: Path, directory: Path) -> Path:
    """A polyglot: the photo, then a ZIP archive (readable by unzip) glued on its end."""
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hidden.txt", SECRET)
    path = directory / ("polyglot" + source.suffix)
    path.write_bytes(source.read_bytes() + archive.getvalue())
    return path


def _chapters(directory: Path) -> Path:
    path = directory / "chapters.txt"
    path.write_text(
        f";FFMETADATA1\ntitle={SECRET}\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\n"
        f"END=500\ntitle={SECRET}\n",
        encoding="utf-8",
    )
    return path


def _subtitles(directory: Path) -> Path:
    path = directory / "subs.srt"
    path.write_text(f"1\n00:00:00,000 --> 00:00:00,900\n{SECRET}\n", encoding="utf-8")
    return path


_LAVFI = (
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=160x120:rate=25:duration=1",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:duration=1",
)


def phone_video(directory: Path, container: str = "mp4") -> Path:
    """MP4 or MOV with location, Apple keys, creation times, a mov_text subtitle track,
    a chapter track, a timecode data track and a rotation of 90 degrees."""
    raw = directory / f"raw.{container}"
    run(
        "ffmpeg",
        "-v",
        "error",
        "-y",
        *_LAVFI,
        "-i",
        _subtitles(directory),
        "-i",
        _chapters(directory),
        "-map",
        "0",
        "-map",
        "1",
        "-map",
        "2",
        "-map_metadata",
        "3",
        "-map_chapters",
        "3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-c:s",
        "mov_text",
        "-metadata",
        f"location={ISO6709}",
        "-metadata",
        "creation_time=2024-05-01T10:00:00Z",
        "-metadata:s:v:0",
        "handler_name=Core Media Video",
        "-metadata:s:v:0",
        "creation_time=2024-05-01T10:00:00Z",
        "-movflags",
        "use_metadata_tags",
        "-metadata",
        "com.apple.quicktime.make=Apple",
        "-metadata",
        f"com.apple.quicktime.model={MODEL}",
        "-metadata",
        f"com.apple.quicktime.location.ISO6709={ISO6709}",
        "-metadata",
        "com.apple.quicktime.software=17.4.1",
        "-metadata",
        f"com.apple.quicktime.author={OWNER}",
        raw,
    )
    path = directory / f"phone.{container}"
    # The display matrix can only be set on a stream copy with this ffmpeg (5.1).
    # The timecode track is added here too, as the muxer makes it from -timecode.
    run(
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-i",
        raw,
        "-map",
        "0",
        "-map",
        "-0:d",
        "-c",
        "copy",
        "-map_metadata",
        "0",
        "-movflags",
        "use_metadata_tags",
        "-metadata:s:v:0",
        "rotate=90",
        "-timecode",
        "10:11:12:13",
        "-write_tmcd",
        "1",
        path,
    )
    return path


def matroska_video(directory: Path, webm: bool = False) -> Path:
    """MKV (H.264 + Opus, SRT subtitles, an attachment, a chapter) or WebM (VP8 + Opus,
    WebVTT subtitles), both with title, location and per-stream tags."""
    notes = directory / "notes.txt"
    notes.write_text(SECRET, encoding="utf-8")
    path = directory / ("tagged.webm" if webm else "tagged.mkv")
    codecs = (
        [
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "200k",
            "-c:a",
            "libopus",
            "-c:s",
            "webvtt",
        ]
        if webm
        else [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "libopus",
            "-c:s",
            "srt",
            "-attach",
            str(notes),
            "-metadata:s:t",
            "mimetype=text/plain",
        ]
    )
    run(
        "ffmpeg",
        "-v",
        "error",
        "-y",
        *_LAVFI,
        "-i",
        _subtitles(directory),
        "-i",
        _chapters(directory),
        "-map",
        "0",
        "-map",
        "1",
        "-map",
        "2",
        "-map_metadata",
        "3",
        "-map_chapters",
        "3",
        *codecs,
        "-metadata",
        f"location={ISO6709}",
        "-metadata",
        f"artist={OWNER}",
        "-metadata:s:v:0",
        f"title={MODEL}",
        "-metadata:s:a:0",
        f"title={SECRET}",
        path,
    )
    return path


def stream_hashes(path: Path) -> list[str]:
    """SHA-256 of each kept stream's packets, as ffmpeg's streamhash muxer reports them."""
    done = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-map",
            "0:a?",
            "-c",
            "copy",
            "-f",
            "streamhash",
            "-hash",
            "sha256",
            "-",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return [line.split(",", 2)[2] for line in done.stdout.decode().splitlines() if line]
