"""What a file really is, read from its first bytes (magic numbers), never from its name.

Accepted: JPEG, PNG, WebP, HEIC/HEIF, GIF and TIFF images; MP4, MOV, 3GP, WebM and
Matroska videos.
Anything else is refused with an `UnsupportedMedia` error that names what the bytes look
like, so a person knows what they sent ("a PDF document", "an AVIF image").

Sniffing only looks at the start of the file. Whether the rest agrees is checked later by
the decoder that is forced to this type (Pillow with `formats=[...]`, ffprobe with `-f`):
a file whose start says one type and whose structure says another is a `MismatchedMedia`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from firsthand.media.errors import UnsupportedMedia

Category = Literal["image", "video"]


@dataclass(frozen=True)
class Kind:
    """One accepted media type."""

    name: str  # short name used in code and CLI output: "jpeg", "mov", ...
    media_type: str  # IANA media type of the *input*
    category: Category
    extension: str  # the extension we give our own working copies (never the user's)
    label: str  # what a person calls it

    def __str__(self) -> str:
        return self.label


JPEG = Kind("jpeg", "image/jpeg", "image", ".jpg", "JPEG image")
PNG = Kind("png", "image/png", "image", ".png", "PNG image")
WEBP = Kind("webp", "image/webp", "image", ".webp", "WebP image")
HEIF = Kind("heif", "image/heic", "image", ".heic", "HEIC/HEIF image")
GIF = Kind("gif", "image/gif", "image", ".gif", "GIF image")
TIFF = Kind("tiff", "image/tiff", "image", ".tif", "TIFF image")
MP4 = Kind("mp4", "video/mp4", "video", ".mp4", "MP4 video")
MOV = Kind("mov", "video/quicktime", "video", ".mov", "QuickTime (MOV) video")
THREE_GP = Kind("3gp", "video/3gpp", "video", ".3gp", "3GPP video")
WEBM = Kind("webm", "video/webm", "video", ".webm", "WebM video")
MKV = Kind("mkv", "video/x-matroska", "video", ".mkv", "Matroska (MKV) video")

KINDS = (JPEG, PNG, WEBP, HEIF, GIF, TIFF, MP4, MOV, THREE_GP, WEBM, MKV)

# How many bytes sniffing needs: the ftyp box of ISO media can list many brands.
HEAD_BYTES = 4096

# ISO base media file format (ISO/IEC 14496-12) brands, from the ftyp box.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"MSNV",
    b"XAVC",
    b"dash",
    b"mp71",
    b"mp4v",  # not a registered brand, but some cameras write it as the major brand
    b"mmp4",
    b"NDAS",
    b"NDSC",
    b"NDSH",
    b"NDSM",
    b"NDSP",
    b"NDSS",
    b"NDXC",
    b"NDXH",
    b"NDXM",
    b"NDXP",
    b"NDXS",
    b"F4V ",
    b"F4P ",
    b"dby1",
    b"hvc1",
    b"av01",
}
_QUICKTIME_BRANDS = {b"qt  "}
_RAW_BRANDS = {b"crx ", b"CRX "}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
# Old QuickTime files have no ftyp box and start straight with one of these atoms.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}

# Types we recognise only to name them in the refusal.
_OTHER_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (0, b"BM", "a BMP image"),
    (0, b"\xff\x0a", "a JPEG XL image"),
    (0, b"\x00\x00\x00\x0cJXL \r\n\x87\n", "a JPEG XL image"),
    (0, b"8BPS", "a Photoshop document"),
    (0, b"OggS", "an Ogg audio or video file"),
    (0, b"ID3", "an MP3 audio file"),
    (0, b"fLaC", "a FLAC audio file"),
    (0, b"\x00\x00\x01\xba", "an MPEG program stream"),
    (0, b"\x7fELF", "a program (ELF)"),
    (0, b"MZ", "a Windows program"),
    (0, b"<?xml", "an XML document (an SVG image?)"),
    (0, b"<svg", "an SVG image"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"Rar!", "a RAR archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)


def sniff(head: bytes) -> Kind:
    """The accepted kind these first bytes belong to, or `UnsupportedMedia` naming what they are."""
    if not head:
        raise UnsupportedMedia("the file is empty")
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        if head[8:10] == b"CR":
            raise UnsupportedMedia("this is a Canon raw photo (CR2); export it as JPEG first")
        return TIFF
    if head.startswith(b"RIFF") and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return WEBP
        raise UnsupportedMedia(
            f"this is a RIFF file of form {_show(form)} (AVI or WAV?), "
            "not a photo or video we accept"
        )
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _matroska(head)
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return _iso_media(head)
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return MOV
    for offset, magic, what in _OTHER_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            raise UnsupportedMedia(f"this is {what}, not a photo or video we accept")
    raise UnsupportedMedia(
        f"unknown file type (it starts with {head[:8].hex(' ')}); we accept JPEG, PNG, WebP, "
        "HEIC, GIF, MP4, MOV, WebM and MKV"
    )


def _show(tag: bytes) -> str:
    return repr(tag.decode("latin-1"))


def _brand_kind(brand: bytes) -> Kind | None:
    if brand in _QUICKTIME_BRANDS:
        return MOV
    if brand in _HEIF_BRANDS:
        return HEIF
    if brand in _MP4_BRANDS:
        return MP4
    if brand.startswith((b"3gp", b"3g2", b"3ge", b"3gg", b"3gr", b"3gs")):
        return THREE_GP
    return None


def _iso_media(head: bytes) -> Kind:
    """Tell HEIF, MP4, MOV and 3GP apart by the ftyp box's brands.

    The major brand decides when we know it; otherwise the first compatible brand we
    know does (a camera may write its own major brand, or `mp4v`, and list `isom` as
    compatible: the file is an MP4 all the same). Whether the structure agrees is
    ffprobe's and the box walker's job later.
    """
    size = int.from_bytes(head[0:4], "big")
    if size < 16:
        raise UnsupportedMedia("this ISO media file has a broken ftyp box")
    major = head[8:12]
    box = head[16 : min(size, len(head))]
    compatible = [box[i : i + 4] for i in range(0, len(box) - 3, 4)]
    brands = {major, *compatible}
    if brands & _AVIF_BRANDS:
        raise UnsupportedMedia("this is an AVIF image, which we do not accept yet")
    if major in _RAW_BRANDS:
        raise UnsupportedMedia("this is a Canon raw photo, which we do not accept")
    if major in _AUDIO_BRANDS:
        raise UnsupportedMedia("this is an MPEG-4 audio file, not a photo or video")
    for brand in (major, *compatible):
        kind = _brand_kind(brand)
        if kind is not None:
            return kind
    raise UnsupportedMedia(f"this is ISO media of brand {_show(major)}, which we do not accept")


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-size integer at pos: (value, position after it)."""
    if pos >= len(data) or data[pos] == 0:
        raise UnsupportedMedia("this Matroska file has a broken EBML header")
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        raise UnsupportedMedia("this Matroska file has a broken EBML header")
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def _matroska(head: bytes) -> Kind:
    """WebM or Matroska, from the DocType element (0x4282) of the EBML header."""
    _, pos = _vint(head, 0, keep_marker=True)  # the EBML element ID itself
    size, pos = _vint(head, pos, keep_marker=False)
    end = min(pos + size, len(head))
    while pos < end:
        element, pos = _vint(head, pos, keep_marker=True)
        length, pos = _vint(head, pos, keep_marker=False)
        if element == 0x4282:
            doctype = head[pos : pos + length].rstrip(b"\x00")
            if doctype == b"webm":
                return WEBM
            if doctype == b"matroska":
                return MKV
            raise UnsupportedMedia(f"this is an EBML file of type {_show(doctype)}")
        pos += length
    raise UnsupportedMedia("this Matroska file has no DocType in its EBML header")


def appended_archive(data: bytes) -> bool:
    """Whether a ZIP archive's end record sits in the last 64 KiB (a photo+ZIP polyglot).

    The cleaned output never carries it (we rewrite the file from its pixels or
    streams); this only lets the report say that it was there and is gone.
    """
    return b"PK\x05\x06" in data[-(65_535 + 22) :]
