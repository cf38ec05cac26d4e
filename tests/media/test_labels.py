"""Removed fields get short human labels, most sensitive first."""

from __future__ import annotations

import pytest

from firsthand.media import RemovedField, label, summary


@pytest.mark.parametrize(
    ("group", "name", "expected"),
    [
        ("GPS", "GPSLatitude", "GPS location"),
        ("Composite", "GPSPosition", "GPS location"),
        ("Keys", "Location", "GPS location"),
        ("IFD0", "Make", "Phone or camera make"),
        ("Keys", "Model", "Phone or camera model"),
        ("ExifIFD", "BodySerialNumber", "Serial number"),
        ("ExifIFD", "LensModel", "Lens"),
        ("ExifIFD", "OwnerName", "Owner or author name"),
        ("IFD0", "Software", "Editing or recording software"),
        ("ExifIFD", "DateTimeOriginal", "Date and time"),
        ("ExifIFD", "ExposureTime", "Camera settings"),
        ("IFD1", "ThumbnailImage", "Embedded thumbnail"),
        ("XMP-xmp", "Rating", "XMP metadata"),
        ("ICC_Profile", "DeviceModel", "Colour profile"),
        ("Apple", "RunTime", "Maker notes"),
        ("Stream 3", "data stream", "Data track (such as GPS or timecode)"),
        ("Stream 2", "attachment stream", "Attached file"),
    ],
)
def test_fields_get_the_label_a_person_understands(group: str, name: str, expected: str) -> None:
    assert label(RemovedField(group, name, "x")) == expected


def test_summary_is_distinct_and_puts_location_first() -> None:
    removed = [
        RemovedField("IFD0", "Model", "x"),
        RemovedField("GPS", "GPSLatitude", "1"),
        RemovedField("GPS", "GPSLongitude", "2"),
    ]
    assert summary(removed) == ["GPS location", "Phone or camera model"]


def test_the_device_labels_are_kept_only_when_known_and_ordered() -> None:
    from firsthand.media.labels import ordered

    said = ["Date and time", "GPS location", "<script>", "GPS location", "Lens"]
    assert ordered(said) == ["GPS location", "Lens", "Date and time"]
