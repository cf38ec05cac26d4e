"""`firsthand media clean`: writes a new file, lists what went, one line on failure."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from firsthand.cli.media import MediaCommandError, add_commands
from tests.media import builders


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="firsthand")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    result: int = args.func(args)
    return result


def test_clean_writes_the_output_and_names_fields_without_values(
    phone_jpeg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clean.jpg"
    assert run("media", "clean", str(phone_jpeg), "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xff\xd8")
    assert "GPS location" in printed and "GPS:GPSLatitude" in printed
    assert builders.OWNER not in printed and "48.85" not in printed


def test_show_prints_the_values_too(
    phone_jpeg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("media", "clean", str(phone_jpeg), "--out", str(tmp_path / "o.jpg"), "--show") == 0
    assert builders.OWNER in capsys.readouterr().out


def test_an_existing_output_is_never_overwritten(phone_jpeg: Path, tmp_path: Path) -> None:
    out = tmp_path / "taken.jpg"
    out.write_bytes(b"keep me")
    with pytest.raises(MediaCommandError, match="already exists"):
        run("media", "clean", str(phone_jpeg), "--out", str(out))
    assert out.read_bytes() == b"keep me"


def test_a_file_that_cannot_be_made_safe_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "report.jpg"
    source.write_bytes(b"%PDF-1.7\n...")
    with pytest.raises(MediaCommandError) as caught:
        run("media", "clean", str(source), "--out", str(tmp_path / "o.jpg"))
    assert "PDF" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "o.jpg").exists()


def test_many_files_are_cleaned_in_one_run_into_a_directory(
    phone_jpeg: Path, samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    heic = tmp_path / "IMG_0002.HEIC"
    heic.write_bytes(builders.heic_with_exif(samples).read_bytes())
    out = tmp_path / "cleaned"
    out.mkdir()
    assert run("media", "clean", str(phone_jpeg), str(heic), "--out", str(out)) == 0
    names = sorted(path.name for path in out.iterdir())
    assert names == ["IMG_0002.clean.jpg", "phone.clean.jpg"]  # the HEIC came out as JPEG
    printed = capsys.readouterr().out
    assert printed.count("GPS location") == 2 and builders.OWNER not in printed


def test_one_bad_file_among_many_is_one_line_and_the_rest_are_cleaned(
    phone_jpeg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "report.jpg"
    bad.write_bytes(b"%PDF-1.7\n...")
    out = tmp_path / "cleaned"
    out.mkdir()
    with pytest.raises(MediaCommandError, match="1 of 2"):
        run("media", "clean", str(bad), str(phone_jpeg), "--out", str(out))
    assert (out / "phone.clean.jpg").exists()
    assert "PDF" in capsys.readouterr().out
