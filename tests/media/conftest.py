"""Test files for the media tests, built once per session with Pillow, exiftool and ffmpeg."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.media import builders

TOOLS = ("ffmpeg", "ffprobe", "exiftool")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
if missing:  # the product cannot work without them either: fail loudly, do not skip
    raise RuntimeError(f"the media tests need {', '.join(missing)} (scripts/system-deps.sh)")


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-samples")


@pytest.fixture(scope="session")
def phone_jpeg(samples: Path) -> Path:
    return builders.jpeg_with_everything(samples)


@pytest.fixture(scope="session")
def phone_mp4(samples: Path) -> Path:
    return builders.phone_video(samples, "mp4")


@pytest.fixture(scope="session")
def phone_mov(samples: Path) -> Path:
    return builders.phone_video(samples, "mov")


@pytest.fixture(scope="session")
def tagged_mkv(samples: Path) -> Path:
    return builders.matroska_video(samples)


@pytest.fixture(scope="session")
def tagged_webm(samples: Path) -> Path:
    return builders.matroska_video(samples, webm=True)


def exiftool_read(path: Path) -> dict[str, Any]:
    """exiftool's own reading of a file, independent of the code under test."""
    done = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-u", "-n", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    record: dict[str, Any] = json.loads(done.stdout)[0]
    return {
        key: value
        for key, value in record.items()
        if not key.startswith(("System:", "SourceFile", "ExifTool:ExifToolVersion"))
    }


def ffprobe_read(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-show_chapters",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result
