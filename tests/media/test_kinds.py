"""Sniffing reads the first bytes only, names what it refuses, and never trusts a name."""

from __future__ import annotations

import pytest

from firsthand.media import UnsupportedMedia, sniff
from firsthand.media.kinds import (
    GIF,
    HEIF,
    JPEG,
    MKV,
    MOV,
    MP4,
    PNG,
    THREE_GP,
    TIFF,
    WEBM,
    WEBP,
    appended_archive,
)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body


def ebml(doctype: bytes) -> bytes:
    element = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(element)]) + element


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe1", JPEG),
        (b"\x89PNG\r\n\x1a\n", PNG),
        (b"GIF89a", GIF),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", WEBP),
        (ftyp(b"heic", b"mif1", b"heic"), HEIF),
        (ftyp(b"mif1", b"heic"), HEIF),
        (ftyp(b"isom", b"isom", b"avc1"), MP4),
        (ftyp(b"mp42", b"isom"), MP4),
        (ftyp(b"qt  ", b"qt  "), MOV),
        # The major brand is not the only word: a known compatible brand decides.
        (ftyp(b"mp4v", b"mp4v", b"isom"), MP4),
        (ftyp(b"XYZW", b"XYZW", b"mp42", b"isom"), MP4),
        (ftyp(b"CAEP", b"CAEP", b"qt  "), MOV),
        (ftyp(b"3gp4", b"isom", b"3gp4"), THREE_GP),
        (ftyp(b"3g2a", b"3g2a"), THREE_GP),
        (b"II*\x00\x08\x00\x00\x00", TIFF),
        (b"MM\x00*\x00\x00\x00\x08", TIFF),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", MOV),
        (ebml(b"webm"), WEBM),
        (ebml(b"matroska"), MKV),
    ],
)
def test_each_accepted_type_is_known_by_its_magic(head: bytes, kind: object) -> None:
    assert sniff(head) is kind


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"%PDF-1.7", "PDF"),
        (b"PK\x03\x04", "ZIP"),
        (ftyp(b"avif", b"mif1", b"avif"), "AVIF"),
        (ftyp(b"mif1", b"avif"), "AVIF"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "AVI"),
        (ftyp(b"M4A ", b"isom"), "audio"),
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00", "Canon raw"),
        (ftyp(b"crx ", b"isom"), "Canon raw"),
        (ftyp(b"XYZW", b"XYZW"), "brand"),
        (b"<svg xmlns=", "SVG"),
        (ebml(b"mka?"), "EBML"),
        (b"hello world", "unknown"),
        (b"", "empty"),
    ],
)
def test_other_types_are_refused_by_name(head: bytes, named: str) -> None:
    with pytest.raises(UnsupportedMedia, match=named):
        sniff(head)


def test_a_zip_end_record_near_the_end_is_seen() -> None:
    assert appended_archive(b"\xff\xd8" + b"x" * 1000 + b"PK\x05\x06" + b"\x00" * 18)
    assert not appended_archive(b"\xff\xd8" + b"x" * 1000)
