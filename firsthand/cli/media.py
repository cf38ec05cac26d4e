"""The media subcommands of `firsthand`: `media clean INPUT... --out OUTPUT [--show]`.

Cleaning runs entirely on this machine; nothing is uploaded. The output is written only
after the cleaned file has been read back and found free of identifying fields, and
never over an existing file. Many files are cleaned in one process (`--out` is then a
directory), so exiftool starts once for all of them rather than once per file.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from firsthand.media import CleanedMedia, MediaError, clean_file, label


class MediaCommandError(Exception):
    """A media command failed in a way the user can act on; printed as one line."""


def _write_new(path: Path, data: bytes) -> None:
    """Write to a file that must not exist yet (O_EXCL: no race with another writer)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise MediaCommandError(f"{path} already exists; choose another --out") from None
    except OSError as error:
        raise MediaCommandError(f"cannot write {path}: {error.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _report(cleaned: CleanedMedia, source: Path, out: Path, show: bool) -> None:
    size = f"{cleaned.width}x{cleaned.height}"
    if cleaned.duration is not None:
        size += f", {cleaned.duration:.1f} s"
    print(f"cleaned {source} -> {out} ({cleaned.media_type}, {size}, {cleaned.size} bytes)")
    print(f"sha256 {cleaned.sha256}")
    if not cleaned.removed:
        print("nothing to remove was found")
        return
    by_label: dict[str, list[str]] = {}
    for item in cleaned.removed:
        text = f"{item.group}:{item.name}"
        if show:
            text += f" = {item.value[:120]}"
        by_label.setdefault(label(item), []).append(text)
    print(f"removed {len(cleaned.removed)} fields:")
    for heading, names in by_label.items():
        print(f"  {heading}")
        for name in names:
            print(f"    {name}")


def _clean_one(source: Path, out: Path, show: bool, into: Path | None = None) -> None:
    """Clean one file to `out`, or (`into` a directory) to into/<stem>.clean.<ext>."""
    if into is None and out.exists():
        raise MediaCommandError(f"{out} already exists; choose another --out")
    if not source.is_file():
        raise MediaCommandError(f"{source} is not a file")
    try:
        cleaned = clean_file(source)
    except MediaError as error:
        raise MediaCommandError(f"{source} cannot be made safe to publish: {error}") from None
    except OSError as error:
        raise MediaCommandError(f"cannot read {source}: {error.strerror}") from None
    if into is not None:  # the cleaned type decides the extension (a HEIC becomes a JPEG)
        out = into / f"{source.stem}.clean{cleaned.extension}"
    _write_new(out, cleaned.data)
    _report(cleaned, source, out, show)


def cmd_clean(args: argparse.Namespace) -> int:
    inputs, out = [Path(name) for name in args.input], Path(args.out)
    if len(inputs) == 1 and not out.is_dir():
        _clean_one(inputs[0], out, args.show)
        return 0
    if not out.is_dir():
        raise MediaCommandError(f"{out} is not a directory; with several inputs, --out is one")
    failed = 0
    for source in inputs:
        try:
            _clean_one(source, out, args.show, into=out)
        except MediaCommandError as error:
            print(f"error: {error}")
            failed += 1
    if failed:
        raise MediaCommandError(f"{failed} of {len(inputs)} files could not be cleaned")
    return 0


def add_commands(commands: Any) -> None:
    """Register `media` and its subcommands on the argparse subparsers object."""
    media = commands.add_parser("media", help="make photos and videos safe to publish")
    sub = media.add_subparsers(dest="media_command", required=True)
    clean = sub.add_parser(
        "clean",
        help="remove location, device and editing metadata from a photo or video",
        description="Writes a copy with only pixels and sound (JPEG, PNG, WebP, HEIC, GIF, "
        "TIFF, MP4, MOV, 3GP, WebM, MKV), checked with exiftool and ffprobe before it is "
        "kept. Several files are cleaned in one run into the directory --out names.",
    )
    clean.add_argument(
        "input", nargs="+", help="the photos or videos (their type is read from their bytes)"
    )
    clean.add_argument(
        "--out",
        required=True,
        help="where to write the cleaned copy (a new file), or a directory for several",
    )
    clean.add_argument(
        "--show",
        action="store_true",
        help="also print the values that were removed (they may be private)",
    )
    clean.set_defaults(func=cmd_clean)
