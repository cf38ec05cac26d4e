"""Cleaned media on disk, content-addressed: DATA_DIR/media/<sha256> and its rendition.

Only bytes that firsthand.media has cleaned and read back are ever written here; an
upload's original bytes stay in the cleaner's private temporary directory. A file's
name is the SHA-256 of its bytes (what a statement's head lists), so a file never
changes once written, two uploads of the same cleaned bytes share one file, and the
folder can be rebuilt from a backup and checked against the heads in the log.

    <sha256>             the cleaned photo or video, as its head covers it
    <sha256>.thumb.webp  the web-sized rendition: the picture, or a video's first frame

Every write is atomic (a temporary file in the same folder, fsync, rename, fsync of
the folder), so a crash leaves either the whole file or none, never half of one.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

from firsthand.media import CleanedMedia, MediaError, Rendition, sniff
from firsthand.media.kinds import HEAD_BYTES

FOLDER = "media"
THUMB_SUFFIX = ".thumb.webp"
THUMB_TYPE = "image/webp"
HEX64 = re.compile(r"[0-9a-f]{64}")


class NotAMediaHash(ValueError):
    """A name that is not 64 lower-case hex digits: it can name no stored file."""


def folder() -> Path:
    path = Path(settings.DATA_DIR) / FOLDER
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def path_of(sha256: str) -> Path:
    if not HEX64.fullmatch(sha256):
        raise NotAMediaHash(f"{sha256[:80]!r} is not a SHA-256 in hex")
    return folder() / sha256


def thumb_path_of(sha256: str) -> Path:
    return path_of(sha256).with_name(sha256 + THUMB_SUFFIX)


def holds(sha256: str) -> bool:
    """Whether this server keeps the cleaned file with this hash."""
    try:
        return path_of(sha256).is_file()
    except NotAMediaHash:
        return False


def stored_type(path: Path) -> str:
    """The media type of a stored file, read from its bytes like any upload's.

    Sniffing the first bytes (not a side file) keeps the folder the only state:
    a restored backup needs nothing but the files themselves.
    """
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    try:
        return sniff(head).media_type
    except MediaError:  # never written by us: serve it as opaque bytes, never as HTML
        return "application/octet-stream"


def store(cleaned: CleanedMedia, rendition: Rendition) -> None:
    """Keep a cleaned file and its rendition (the rendition first: a held file has one)."""
    _write_atomic(thumb_path_of(cleaned.sha256), rendition.data)
    _write_atomic(path_of(cleaned.sha256), cleaned.data)


def _write_atomic(path: Path, data: bytes) -> None:
    if path.is_file() and path.stat().st_size == len(data):
        return  # content-addressed: the same name holds the same bytes
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    # The rename is durable only once the folder's entry is on disk too.
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
