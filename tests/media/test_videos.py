"""Videos come out with only the main video and audio streams, copied, and no tags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firsthand.media import MalformedMedia, MediaError, clean, clean_file, poster, summary
from firsthand.media.readback import Field, allowed, probe_findings
from tests.media import builders
from tests.media.conftest import exiftool_read, ffprobe_read

IDENTIFYING = re.compile(
    r"GPS|Make|Model|Location|Author|Artist|Software|Encoder|Title|"
    r"Keys|UserData|ItemList|Attached|Chapter|Timecode(?!Scale)",
    re.IGNORECASE,
)
ZERO = "0000:00:00 00:00:00"


def assert_clean_video(data: bytes, directory: Path, suffix: str) -> dict[str, object]:
    path = directory / f"out{suffix}"
    path.write_bytes(data)
    probe = ffprobe_read(path)
    assert [s["codec_type"] for s in probe["streams"]] == ["video", "audio"]
    assert probe["chapters"] == []
    assert set(probe["format"].get("tags", {})) <= {
        "major_brand",
        "minor_version",
        "compatible_brands",
        "encoder",
    }
    for stream in probe["streams"]:
        assert "creation_time" not in stream.get("tags", {})
        assert "title" not in stream.get("tags", {})
    fields = exiftool_read(path)
    assert [key for key in fields if IDENTIFYING.search(key)] == []
    assert all(value == ZERO for key, value in fields.items() if "Date" in key)
    # Not "Lavc": ffmpeg's AAC and x264 encoders sign the coded stream itself, which is
    # copied untouched (docs/media.md, "What is not removed").
    for secret in (
        builders.OWNER,
        builders.MODEL,
        builders.SECRET,
        builders.ISO6709,
        "Apple",
        "Lavf5",
    ):
        assert secret.encode() not in data
    return fields


@pytest.mark.parametrize("fixture", ["phone_mp4", "phone_mov"])
def test_quicktime_loses_location_apple_keys_dates_subtitles_data_and_chapters(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source: Path = request.getfixturevalue(fixture)
    before = ffprobe_read(source)
    assert {s["codec_type"] for s in before["streams"]} == {"video", "audio", "subtitle", "data"}
    assert before["chapters"] and "location" in before["format"]["tags"]
    cleaned = clean_file(source)
    assert_clean_video(cleaned.data, tmp_path, source.suffix)
    labels = summary(cleaned.removed)
    for expected in (
        "GPS location",
        "Phone or camera model",
        "Subtitle track",
        "Data track (such as GPS or timecode)",
        "Chapter",
        "Date and time",
    ):
        assert expected in labels


def test_streams_are_copied_not_reencoded(phone_mp4: Path, tmp_path: Path) -> None:
    cleaned = clean_file(phone_mp4)
    out = tmp_path / "out.mp4"
    out.write_bytes(cleaned.data)
    assert builders.stream_hashes(out) == builders.stream_hashes(phone_mp4)
    codecs = [s["codec_name"] for s in ffprobe_read(out)["streams"]]
    assert codecs == ["h264", "aac"]


def test_the_rotation_is_kept_so_the_video_stays_upright(phone_mov: Path, tmp_path: Path) -> None:
    cleaned = clean_file(phone_mov)
    assert (cleaned.width, cleaned.height) == (120, 160)  # coded 160x120, rotated 90°
    out = tmp_path / "out.mov"
    out.write_bytes(cleaned.data)
    side = ffprobe_read(out)["streams"][0].get("side_data_list", [])
    assert any(abs(item.get("rotation", 0)) == 90 for item in side)
    frame = poster(cleaned)
    assert (frame.width, frame.height) == (120, 160)


@pytest.mark.parametrize("fixture", ["tagged_mkv", "tagged_webm"])
def test_matroska_loses_tags_subtitles_attachments_and_chapters(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source: Path = request.getfixturevalue(fixture)
    cleaned = clean_file(source)
    fields = assert_clean_video(cleaned.data, tmp_path, source.suffix)
    assert fields.get("Matroska:MuxingApp") == "Lavf"
    if fixture == "tagged_mkv":
        assert "Attached file" in summary(cleaned.removed)
        assert b"notes.txt" not in cleaned.data


def test_the_verifier_flags_what_the_cleaner_must_remove(phone_mp4: Path) -> None:
    """Proof that the read-back can fail: run on the dirty input, it finds everything."""
    from firsthand.media.limits import DEFAULT_LIMITS
    from firsthand.media.readback import exiftool_fields, ffprobe

    findings = probe_findings(ffprobe(phone_mp4, "mov", DEFAULT_LIMITS))
    names = {(f.group, f.name) for f in findings}
    assert ("Container", "location") in names and ("Chapter", "chapter 1") in names
    assert any(f.name == "subtitle stream" for f in findings)
    (fields,) = exiftool_fields(phone_mp4, limits=DEFAULT_LIMITS)
    refused = {f.name for f in fields if not allowed(f)}
    assert {"Location", "Model", "CreateDate"} <= refused


def test_a_truncated_video_is_refused(phone_mp4: Path) -> None:
    data = phone_mp4.read_bytes()
    with pytest.raises(MalformedMedia):
        clean(data[: len(data) // 2])


def test_an_mp4_header_on_a_matroska_body_is_refused(tagged_mkv: Path) -> None:
    fake = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + tagged_mkv.read_bytes()
    with pytest.raises(MediaError):
        clean(fake)


def test_allow_listed_fields_never_name_a_person_place_or_device() -> None:
    from firsthand.media.readback import ALLOWED

    risky = re.compile(
        r"GPS|Make|Model|Serial|Lens|Owner|Software|Date|Location|Author|"
        r"Title|Comment|Name|Encoder",
        re.IGNORECASE,
    )
    assert [(g, n) for g, names in ALLOWED.items() for n in names if risky.search(n)] == []
    assert not allowed(Field("Track1", "TrackCreateDate", "2024:05:01 10:00:00"))
    assert allowed(Field("Track1", "TrackCreateDate", ZERO))
