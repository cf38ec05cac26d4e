"""Proving a JPEG we wrote holds pixels and nothing else, by walking its segments.

A JPEG keeps metadata in only three kinds of place: APPn segments (EXIF, XMP, ICC, IPTC,
maker notes, MPF previews, JFXX and Adobe blocks), COM segments, and bytes after the
end-of-image marker (a trailer: Samsung's, a ZIP). The JFIF header can carry a thumbnail
too. exiftool reads no other place. So a JPEG is proven clean when, walked from its first
byte to its last, it is exactly

    SOI, APP0 "JFIF" with no thumbnail (the fixed 16 bytes Pillow writes), then only
    quantisation tables (DQT), Huffman tables (DHT), a restart interval (DRI), one frame
    header (SOF0/SOF1/SOF2) at the size we encoded, scans (SOS) whose entropy-coded data
    holds no marker but byte stuffing (FF 00) and restarts (RSTn), and EOI as the last
    two bytes of the file.

Anything else, an unknown marker or one byte more, fails closed: `MetadataSurvived`.
This runs in-process on every JPEG that `images.encode` writes (about 1 ms on a
12-megapixel photo), in place of a round trip to exiftool that could find nothing this
walk has not already excluded. It judges our own output only; uploads are read by
exiftool, which knows far more formats than this.
"""

from __future__ import annotations

import re
import struct

from firsthand.media.errors import MetadataSurvived

# The whole APP0 segment Pillow (libjpeg) writes when given no dpi: JFIF 1.01, no units,
# density 1x1, a 0x0 thumbnail. Exact bytes, so no density or thumbnail can carry data.
JFIF_APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_TABLES = {0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI"}
_FRAMES = {0xC0: "SOF0", 0xC1: "SOF1", 0xC2: "SOF2"}
# Inside entropy-coded data, FF may only be followed by 00 (stuffing) or D0-D7 (RSTn).
_MARKER_IN_SCAN = re.compile(rb"\xff(?![\x00\xd0-\xd7])")


def _name(marker: int) -> str:
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    if marker == 0xFE:
        return "COM"
    return _TABLES.get(marker) or _FRAMES.get(marker) or f"marker FF {marker:02X}"


def _refuse(why: str) -> MetadataSurvived:
    return MetadataSurvived(
        f"after cleaning, the JPEG's structure was not only picture data ({why}), "
        "so the file was not kept"
    )


def is_plain(data: bytes) -> bool:
    """Whether an upload already has the structure above (a photo cleaned on the device
    by the browser's canvas, which writes the same JFIF header): then listing its fields
    could only find the allowed JFIF and file fields, and there is nothing to report."""
    try:
        prove_plain(data, None, None)
    except MetadataSurvived:
        return False
    return True


def prove_plain(data: bytes, width: int | None, height: int | None) -> None:
    """Raise `MetadataSurvived` unless `data` is exactly the structure above, `width` x
    `height` pixels (any size if they are None)."""
    if not data.startswith(b"\xff\xd8" + JFIF_APP0):
        raise _refuse("it does not start with the plain JFIF header")
    position = 2 + len(JFIF_APP0)
    frames = scans = 0
    while True:
        if position + 2 > len(data) or data[position] != 0xFF:
            raise _refuse(f"no marker where one must be, at byte {position}")
        marker = data[position + 1]
        if marker == _EOI:
            if position + 2 != len(data):
                raise _refuse(f"{len(data) - position - 2} bytes after the end of the image")
            break
        if position + 4 > len(data):
            raise _refuse(f"a {_name(marker)} marker cut short")
        (length,) = struct.unpack_from(">H", data, position + 2)
        body = position + 4
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise _refuse(f"a {_name(marker)} segment runs past the end")
        if marker in _FRAMES:
            frames += 1
            if frames > 1 or length < 8:
                raise _refuse("more than one frame header")
            rows, columns = struct.unpack_from(">HH", data, body + 1)
            if width is not None and (columns, rows) != (width, height):
                raise _refuse(f"the frame is {columns}x{rows}, not {width}x{height}")
        elif marker == _SOS:
            if not frames:
                raise _refuse("a scan before the frame header")
            scans += 1
            found = _MARKER_IN_SCAN.search(data, end)
            if found is None:
                raise _refuse("a scan with no end")
            end = found.start()
        elif marker not in _TABLES:
            raise _refuse(f"a {_name(marker)} segment")
        position = end
    if not scans:
        raise _refuse("no scan")
