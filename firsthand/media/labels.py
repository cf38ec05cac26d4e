"""Human labels for removed fields: "GPS location", "Phone or camera model", ...

The web form shows "GPS location: removed, phone or camera model: removed". Labels are
plain English sentences-in-waiting with no formatting inside them, so they can be
marked for translation as they are. More specific rules come first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from firsthand.media.readback import Field

# (pattern on the field name, label); first match wins.
_BY_NAME: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), text)
    for pattern, text in (
        (r"^GPS|location|ISO6709|latitude|longitude|altitude|geo", "GPS location"),
        (r"serial|BodyNumber|InternalSerial|ImageUniqueID|UniqueCameraModel", "Serial number"),
        (r"^Lens|LensModel|LensMake|LensSerial|LensInfo|LensID", "Lens"),
        (r"^(Make|CameraMake|DeviceManufacturer)$|\.make$|manufacturer", "Phone or camera make"),
        (
            r"^(Model|CameraModelName|DeviceModel)$|\.model$|DeviceModelDesc",
            "Phone or camera model",
        ),
        (r"owner|artist|author|creator|copyright|by-?line|credit|rights", "Owner or author name"),
        (
            r"software|encoder|processing|history|writer|writing|muxing|handler|vendor|"
            r"compressor",
            "Editing or recording software",
        ),
        (r"MakerNote", "Maker notes"),
        (
            r"date|creation_time|timestamp|^OffsetTime|SubSecTime|TimeCreated|^timecode$|TimeZone",
            "Date and time",
        ),
        (r"thumbnail|preview|PageImage|OtherImage|jpgfromraw", "Embedded thumbnail"),
        (r"comment|description|caption|title|keywords|subject|label|notes?$", "Text note"),
    )
)

_BY_GROUP: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), text)
    for pattern, text in (
        (r"^GPS", "GPS location"),
        (
            r"MakerNotes|^(Apple|Canon|Nikon|Sony|Olympus|Panasonic|Fujifilm|Samsung|Pentax)",
            "Maker notes",
        ),
        (r"^XMP", "XMP metadata"),
        (r"^IPTC|^Photoshop", "IPTC metadata"),
        (r"^ICC|ICC_Profile", "Colour profile"),
        (r"^IFD1$", "Embedded thumbnail"),
        (r"^(JUMBF|C2PA|CBOR|JUMD)", "Content credentials (C2PA)"),
        (r"^(Chapter)$", "Chapter"),
    )
)

_STREAM_LABELS = {
    "subtitle stream": "Subtitle track",
    "data stream": "Data track (such as GPS or timecode)",
    "attachment stream": "Attached file",
    "cover picture stream": "Cover picture",
    "extra video stream": "Extra video track",
    "audio stream": "Extra sound track",
}


# Boxes of an MP4/MOV that the box walker (boxes.py) found on an upload, by the box.
_BOX_LABELS = (
    ("colr", "Colour profile"),
    ("mebx", "Timed metadata track (such as location)"),
    ("gpmd", "Data track (such as GPS or timecode)"),
    ("camm", "Data track (such as GPS or timecode)"),
    ("tmcd", "Data track (such as GPS or timecode)"),
    ("hvcC", "Editing or recording software"),
    ("avcC", "Editing or recording software"),
    ("uuid", "XMP metadata"),
    ("tref", "Chapter"),
    ("(trailing data)", "Damaged or extra data"),
)


def _box_label(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    for box, text in _BOX_LABELS:
        if last.startswith(box):
            return text
    if "/stsd/" in path and last[:4] in ("text", "tx3g", "wvtt", "c608"):
        return "Subtitle track"
    return "Other metadata"


def label(item: Field) -> str:
    """A short English label for a removed field, for a person to read."""
    if item.group == "Box":
        return _box_label(item.name)
    if item.group == "ExifTool":
        return "Damaged or extra data"
    if item.group.startswith("Stream") and item.name in _STREAM_LABELS:
        return _STREAM_LABELS[item.name]
    if item.group.startswith("ICC"):
        return "Colour profile"
    if item.group == "File" and item.name == "AppendedArchive":
        return "Hidden archive appended to the file"
    for pattern, text in _BY_NAME:
        if pattern.search(item.name):
            return text
    for pattern, text in _BY_GROUP:
        if pattern.search(item.group):
            return text
    if re.fullmatch(r"ExifIFD|IFD0|EXIF|InteropIFD|SubIFD\d*", item.group):
        return "Camera settings"
    return "Other metadata"


# The order a person cares about: where, which device, who, when, then the rest.
_PRIORITY = (
    "GPS location",
    "Phone or camera make",
    "Phone or camera model",
    "Serial number",
    "Lens",
    "Owner or author name",
    "Date and time",
    "Editing or recording software",
    "Embedded thumbnail",
    "Maker notes",
    "Text note",
    "XMP metadata",
    "IPTC metadata",
    "Content credentials (C2PA)",
    "Colour profile",
    "Timed metadata track (such as location)",
    "Data track (such as GPS or timecode)",
    "Subtitle track",
    "Attached file",
    "Chapter",
    "Cover picture",
    "Extra video track",
    "Extra sound track",
    "Hidden archive appended to the file",
    "Camera settings",
    "Damaged or extra data",
)


def summary(removed: Iterable[Field]) -> list[str]:
    """The distinct labels of the removed fields, most sensitive first."""
    return ordered(label(item) for item in removed)


def ordered(labels: Iterable[str]) -> list[str]:
    """Distinct labels, most sensitive first; labels this module never gives are dropped
    (the write page sends the labels of what it removed on the device: no free text)."""
    order = {text: rank for rank, text in enumerate(_PRIORITY)}
    known = {*_PRIORITY, "Other metadata"}
    return sorted({text for text in labels if text in known}, key=lambda t: (order.get(t, 99), t))
