"""The media subcommands of `firsthand`: `media clean INPUT --out OUTPUT [--show]`.

Cleaning runs entirely on this machine; nothing is uploaded. The output is written only
after the cleaned file has been read back and found free of identifying fields, and
never over an existing file.
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


def cmd_clean(args: argparse.Namespace) -> int:
    source, out = Path(args.input), Path(args.out)
    if out.exists():
        raise MediaCommandError(f"{out} already exists; choose another --out")
    if not source.is_file():
        raise MediaCommandError(f"{source} is not a file")
    try:
        cleaned = clean_file(source)
    except MediaError as error:
        raise MediaCommandError(f"{source} cannot be made safe to publish: {error}") from None
    except OSError as error:
        raise MediaCommandError(f"cannot read {source}: {error.strerror}") from None
    _write_new(out, cleaned.data)
    _report(cleaned, source, out, args.show)
    return 0


def add_commands(commands: Any) -> None:
    """Register `media` and its subcommands on the argparse subparsers object."""
    media = commands.add_parser("media", help="make photos and videos safe to publish")
    sub = media.add_subparsers(dest="media_command", required=True)
    clean = sub.add_parser(
        "clean",
        help="remove location, device and editing metadata from a photo or video",
        description="Writes a copy with only pixels and sound (JPEG, PNG, WebP, HEIC, GIF, "
        "MP4, MOV, WebM, MKV), checked with exiftool and ffprobe before it is kept.",
    )
    clean.add_argument("input", help="the photo or video (its type is read from its bytes)")
    clean.add_argument("--out", required=True, help="where to write the cleaned copy (new file)")
    clean.add_argument(
        "--show",
        action="store_true",
        help="also print the values that were removed (they may be private)",
    )
    clean.set_defaults(func=cmd_clean)
