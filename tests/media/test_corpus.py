"""Real camera and phone files (tests/media/corpus.py) and phone-like videos
(phone_videos.py): each is cleaned with nothing identifying left, or refused for what
it is (damaged, a bomb), never for a harmless structure box.

Everything is cleaned once per module in this process (as a long-lived web worker
would), and the outputs are read by one independent exiftool run and ffprobe.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from firsthand.media import CleanedMedia, MediaError, clean_file, summary
from tests.media import builders, corpus, phone_videos
from tests.media.conftest import ffprobe_read

# Field names that must never be on a cleaned file, whatever the group.
IDENTIFYING = re.compile(
    r"GPS|Make|Model|Serial|Lens|Owner|Artist|Author|Creator|Copyright|Software|Location|"
    r"MakerNote|Thumbnail|Preview(?!Time|Duration)|Comment|Title|History|Firmware|"
    r"ICC|Profile(?!s$)|Keys|ItemList|UserData|XMP|IPTC|Photoshop|Encoder|Handler(?!Type|Class)",
    re.IGNORECASE,
)
# The fields that look like a name but may stay, each with the only values allowed.
FIXED = {
    "Track:HandlerDescription": {"VideoHandler", "SoundHandler", "DataHandler"},
    "Track:ColorProfiles": {"nclx", "nclc"},
    "QuickTime:HandlerVendorID": {"appl"},
}
REAL = [sample for sample in corpus.SAMPLES if not sample.slow]


@dataclass
class Outcome:
    source: Path
    expect: str
    cleaned: CleanedMedia | None = None
    output: Path | None = None
    error: MediaError | None = None


def _exiftool_all(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """One independent exiftool run (embedded data too) over many files."""
    done = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-u", "-n", "-ee", *map(str, paths)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    return {record["SourceFile"]: record for record in json.loads(done.stdout or b"[]")}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    corpus.corpus_dir()
    made = tmp_path_factory.mktemp("phone-videos")
    out = tmp_path_factory.mktemp("corpus-out")
    inputs = {sample.name: (corpus.path_of(sample), sample.expect) for sample in REAL}
    for name, (build, _what, expect) in phone_videos.VIDEOS.items():
        inputs[f"video/{name}"] = (build(made), expect)
    results: dict[str, Outcome] = {}
    for number, (name, (path, expect)) in enumerate(inputs.items()):
        outcome = Outcome(path, expect)
        try:
            outcome.cleaned = clean_file(path)
        except MediaError as error:
            outcome.error = error
        else:
            outcome.output = out / f"{number}{outcome.cleaned.extension}"
            outcome.output.write_bytes(outcome.cleaned.data)
        results[name] = outcome
    return results


@pytest.fixture(scope="module")
def readings(outcomes: dict[str, Outcome]) -> dict[str, dict[str, Any]]:
    paths = [o.output for o in outcomes.values() if o.output is not None]
    paths += [o.source for o in outcomes.values()]
    return _exiftool_all(paths)


def _secrets(record: dict[str, Any]) -> set[str]:
    """Identifying values on the source (long enough not to turn up by chance)."""
    found = set()
    for key, value in record.items():
        name = key.rsplit(":", 1)[-1]
        if (
            isinstance(value, str)
            and len(value) >= 8
            and IDENTIFYING.search(name)
            and not value.startswith(("(Binary", "0000:00:00"))
            and "Date" not in name
        ):
            found.add(value)
    return found


NAMES = [sample.name for sample in REAL] + [f"video/{name}" for name in phone_videos.VIDEOS]


@pytest.mark.parametrize("name", NAMES)
def test_each_file_is_cleaned_of_everything_identifying_or_refused_for_what_it_is(
    name: str, outcomes: dict[str, Outcome], readings: dict[str, dict[str, Any]]
) -> None:
    outcome = outcomes[name]
    if outcome.expect != "clean":
        assert outcome.error is not None, f"{name} should be refused ({outcome.expect})"
        assert type(outcome.error).__name__ == outcome.expect, str(outcome.error)
        return
    assert outcome.error is None, f"{name}: {outcome.error}"
    assert outcome.cleaned is not None and outcome.output is not None
    record = readings[str(outcome.output)]
    left = []
    for key, value in record.items():
        group, _, field = key.rpartition(":")
        family = "Track" if re.fullmatch(r"Track\d+", group) else group
        if (group in ("System", "ExifTool") and field != "Warning") or key == "SourceFile":
            continue
        if f"{family}:{field}" in FIXED:
            assert value in FIXED[f"{family}:{field}"], key
            continue
        if IDENTIFYING.search(field) or group.startswith(("GPS", "XMP", "IPTC", "ICC")):
            left.append(key)
        if "Date" in field:
            assert value == "0000:00:00 00:00:00", key
    assert left == [], f"{name} still has {left}"
    source = readings.get(str(outcome.source), {})
    fixed = " ".join(value for values in FIXED.values() for value in values)
    kept = [
        secret
        for secret in _secrets(source) - {"VideoHandler", "SoundHandler"}
        if secret.encode() in outcome.cleaned.data and secret not in fixed
    ]
    assert kept == [], f"{name} still carries {kept}"


def test_every_cleaned_photo_decodes_whole_at_its_stated_size(
    outcomes: dict[str, Outcome],
) -> None:
    """Cleaning no longer decodes its own JPEGs again (their structure is walked
    instead), so the encoder's output is decoded in full here, every pixel."""
    photos = [o for o in outcomes.values() if o.cleaned and o.cleaned.category == "image"]
    assert len(photos) >= 40
    for outcome in photos:
        assert outcome.cleaned is not None
        with Image.open(io.BytesIO(outcome.cleaned.data)) as image:
            image.load()
            assert image.size == (outcome.cleaned.width, outcome.cleaned.height)


def test_the_corpus_is_large_and_varied_enough(outcomes: dict[str, Outcome]) -> None:
    real = [o for name, o in outcomes.items() if not name.startswith("video/")]
    assert len(real) >= 60
    cleaned_types = {o.cleaned.source_type for o in outcomes.values() if o.cleaned}
    assert {"jpeg", "heif", "png", "webp", "gif", "tiff", "mp4", "mov", "3gp"} <= cleaned_types


def test_a_refusal_never_blames_a_structure_box(outcomes: dict[str, Outcome]) -> None:
    structure = re.compile(r"ColorProfiles|sdtp|Idependent|hvcC(?!.*SEI)|avcC|nclx|nclc|stsd")
    for name, outcome in outcomes.items():
        if outcome.error is not None:
            message = str(outcome.error)
            assert not structure.search(message) or "SEI" in message, f"{name}: {message}"


def test_an_iphone_mov_keeps_its_picture_and_rotation_and_loses_location_and_mebx(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["video/iphone_mov"]
    assert outcome.cleaned is not None and outcome.output is not None
    assert (outcome.cleaned.width, outcome.cleaned.height) == (120, 160)  # portrait
    assert builders.stream_hashes(outcome.output) == builders.stream_hashes(outcome.source)
    probe = ffprobe_read(outcome.output)
    assert [s["codec_tag_string"] for s in probe["streams"]] == ["hvc1", "mp4a"]
    assert "mebx" in {s.get("codec_tag_string") for s in ffprobe_read(outcome.source)["streams"]}
    data = outcome.cleaned.data
    for secret in (phone_videos.LOCATION_3D, builders.ISO6709, builders.MODEL, "Apple"):
        assert secret.encode() not in data
    assert "Timed metadata track (such as location)" in summary(outcome.cleaned.removed)


def test_a_real_android_phone_video_loses_its_location_and_keeps_its_packets(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["forensics-samples/movie1_VID_20191220_170832.mp4"]
    source = outcome.source.read_bytes()
    assert b"-15.8355-048.0153/" in source and b"com.android.version" in source
    assert outcome.cleaned is not None and outcome.output is not None, outcome.error
    data = outcome.cleaned.data
    for secret in (b"-15.8355", b"048.0153", b"android", b"VideoHandle\0", b"SoundHandle\0"):
        assert secret not in data
    assert (outcome.cleaned.width, outcome.cleaned.height) == (1920, 1080)
    assert builders.stream_hashes(outcome.output) == builders.stream_hashes(outcome.source)
    labels = summary(outcome.cleaned.removed)
    assert labels[0] == "GPS location" and "Date and time" in labels


@pytest.mark.parametrize("model", list(corpus.GPMF))
def test_a_gopro_mp4_loses_its_telemetry_serial_and_firmware(
    model: str, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[f"video/gopro_{model.lower()}"]
    assert outcome.cleaned is not None
    data = outcome.cleaned.data
    telemetry = corpus.gpmf_payload(model)
    assert telemetry[:64] not in data and b"GPS5" not in data and b"DEVC" not in data
    for secret in (phone_videos.GOPRO_FIRMWARE, phone_videos.GOPRO_LENS_SERIAL, "GoPro"):
        assert secret.encode() not in data
    assert b"LAJ8" not in data  # the HERO7 serial inside the global GPMF
    assert "Data track (such as GPS or timecode)" in summary(outcome.cleaned.removed)


def test_an_editors_icc_profile_is_blanked_and_its_xmp_dropped(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["video/premiere_mp4"]
    assert outcome.cleaned is not None
    data = outcome.cleaned.data
    profile = builders.srgb_named("Jane's Nikon ")
    assert profile[:128] not in data and "Jane's Nikon".encode("utf-16-be") not in data
    assert b"Premiere" not in data and b"Jane Doe" not in data and b"xmpmeta" not in data
    labels = summary(outcome.cleaned.removed)
    assert "Colour profile" in labels and "XMP metadata" in labels


def _frame_hashes(path: Path) -> list[bytes]:
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return [line.rsplit(b",", 1)[-1] for line in done.stdout.splitlines() if line[:1] != b"#"]


def test_x265_settings_with_a_user_name_do_not_survive_and_the_picture_is_untouched(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["video/x265_mov"]
    source = outcome.source.read_bytes()
    assert phone_videos.X265_PATH.encode() in source and b"x265 (build" in source
    assert outcome.cleaned is not None and outcome.output is not None, outcome.error
    data = outcome.cleaned.data
    for secret in (b"janedoe", b"x265", b"options:", b"cpuid", b"GCC"):
        assert secret not in data
    assert builders.stream_hashes(outcome.output) == builders.stream_hashes(outcome.source)
    # The rebuilt configuration decodes to the same pictures, frame for frame.
    assert _frame_hashes(outcome.output) == _frame_hashes(outcome.source) != []
    assert "Editing or recording software" in summary(outcome.cleaned.removed)


def test_3gp_becomes_mp4_when_its_codecs_fit_and_stays_3gp_otherwise(
    outcomes: dict[str, Outcome],
) -> None:
    android, feature = outcomes["video/android_3gp"], outcomes["video/feature_3gp"]
    assert android.cleaned is not None and feature.cleaned is not None
    assert android.cleaned.media_type == "video/mp4"
    assert feature.cleaned.media_type == "video/3gpp"
    assert feature.cleaned.data[8:11] == b"3gp"


def test_animated_gifs_stay_within_twice_their_size(outcomes: dict[str, Outcome]) -> None:
    for name, outcome in outcomes.items():
        if outcome.cleaned is not None and outcome.cleaned.media_type == "image/gif":
            assert outcome.cleaned.size <= 2 * outcome.source.stat().st_size + 4096, name
