"""Writing the log's tlog-tiles files to a static directory or an S3-compatible object store.

A CDN or a plain web server can then serve ``/checkpoint``, ``/tile/...`` and
``/tile/entries/...`` with no firsthand process behind it, and any tlog-tiles
client (Go's x/mod, our monitor) reads the log from there.

Each export writes what changed since the last one: the tiles that filled up
(immutable, cached for ever), the new partial tiles of the right edge, and
last of all the checkpoint, so a reader never finds a checkpoint whose tiles
are not there yet. Older partial tiles stay: readers holding an older
checkpoint may still ask for them.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from firsthand.log.checkpoint import Checkpoint
from firsthand.log.errors import LogError
from firsthand.log.files import write_atomically
from firsthand.log.reader import LogReader
from firsthand.log.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileID,
    TileRequest,
    partial_width,
    tile_path,
)

CHECKPOINT = "checkpoint"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=1, must-revalidate"


class ExportError(LogError):
    """The tiles could not be written where they were asked to go."""


class TileSink(Protocol):
    """Where exported files go: ``put`` replaces a file; ``get`` reads one back, or None.

    ``put_file``, ``delete`` and ``keys`` serve the media export
    (firsthand/web/media_export.py): large files streamed from disk with their own
    type and cache life, withheld ones taken down, and what is already there listed.
    """

    def put(self, key: str, data: bytes, *, immutable: bool) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def put_file(self, key: str, path: Path, *, content_type: str, cache_control: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> Iterator[str]: ...


class DirectorySink:
    """A directory a web server serves as the log's prefix (each file replaced atomically)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, data: bytes, *, immutable: bool) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)

    def get(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.is_file() else None

    def put_file(self, key: str, path: Path, *, content_type: str, cache_control: str) -> None:
        # A directory has nowhere to keep the type or cache life: the web server gives them.
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with path.open("rb") as source, open(temporary, "wb") as copy:
            shutil.copyfileobj(source, copy, 1024 * 1024)
            copy.flush()
            os.fsync(copy.fileno())
        os.replace(temporary, target)  # readers see the whole file or none

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> Iterator[str]:
        """The keys under ``prefix`` (a folder, ending in /), leaving out temporary files."""
        folder = self.root / prefix
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file() and not path.name.startswith("."):
                    yield prefix + path.name


class S3Sink:
    """A bucket (and key prefix) of an S3-compatible store, written with boto3.

    The endpoint and credentials come from boto3's usual sources
    (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...), so any S3-compatible store works.
    """

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        if client is None:
            import boto3  # type: ignore[import-untyped,unused-ignore]

            client = boto3.client("s3")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def put(self, key: str, data: bytes, *, immutable: bool) -> None:
        kind = "text/plain; charset=utf-8" if key == CHECKPOINT else "application/octet-stream"
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + key,
            Body=data,
            ContentType=kind,
            CacheControl=IMMUTABLE if immutable else SHORT_LIVED,
        )

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except self.client.exceptions.NoSuchKey:
            return None
        data: bytes = answer["Body"].read()
        return data

    def put_file(self, key: str, path: Path, *, content_type: str, cache_control: str) -> None:
        # upload_file streams from disk (multipart when large): a 2 GiB video is never in memory.
        self.client.upload_file(
            str(path),
            self.bucket,
            self.prefix + key,
            ExtraArgs={"ContentType": content_type, "CacheControl": cache_control},
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key: str = item["Key"]
                yield key.removeprefix(self.prefix)


def open_sink(location: str) -> TileSink:
    """``s3://bucket/prefix`` or a directory path."""
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not bucket:
            raise ExportError(f"{location!r} names no bucket: use s3://bucket/prefix")
        return S3Sink(bucket, prefix)
    if "://" in location:
        raise ExportError(f"tiles can go to a directory or s3://bucket/prefix, not {location!r}")
    return DirectorySink(Path(location))


def changed_tiles(old_size: int, new_size: int) -> Iterator[tuple[TileID, int]]:
    """The (tile, width) pairs a tree of ``new_size`` holds that one of ``old_size`` did not:
    the tiles that filled up in between, then the new partial ones, level by level."""
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        shift = TILE_HEIGHT * (level + 1)
        first_new_full = old_size >> shift
        for number in range(first_new_full, new_size >> shift):
            yield TileID(level, number), TILE_WIDTH
            if level == 0:
                yield TileID(ENTRIES_LEVEL, number), TILE_WIDTH
        width = partial_width(level, new_size)
        if width and new_size != old_size:
            yield TileID(level, new_size >> shift), width
            if level == 0:
                yield TileID(ENTRIES_LEVEL, new_size >> shift), width
        level += 1


def exported_size(sink: TileSink) -> int:
    """The tree size of the checkpoint last exported to ``sink`` (0 if none)."""
    note = sink.get(CHECKPOINT)
    if note is None:
        return 0
    text = note.decode("utf-8", "replace")
    return Checkpoint.from_body(text[: text.index("\n\n") + 1]).size


def export_tiles(reader: LogReader, sink: TileSink) -> tuple[int, int]:
    """Bring ``sink`` up to the latest checkpoint; returns (files written, tree size)."""
    latest = reader.latest()
    old = exported_size(sink)
    if old > latest.size:
        raise ExportError(
            f"the destination holds a checkpoint of {old} entries, more than this log's "
            f"{latest.size}: it belongs to another log or a newer copy of this one"
        )
    written = 0
    for tile, width in changed_tiles(old, latest.size):
        data = reader.tile(TileRequest(tile, width), size=latest.size)
        sink.put(tile_path(tile, width), data, immutable=width == TILE_WIDTH)
        written += 1
    sink.put(CHECKPOINT, latest.note, immutable=False)  # last: its tiles are all there
    return written + 1, latest.size


class BackgroundExporter:
    """Exports after each new checkpoint on a thread of its own, never holding up sequencing.

    Checkpoints that arrive while an export runs are folded into the next one:
    an export always goes to the latest tree.
    """

    def __init__(self, reader: LogReader, sink: TileSink) -> None:
        self._reader = reader
        self._sink = sink
        self._wanted = threading.Event()
        self._stopping = False
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="firsthand-export", daemon=True)
        self._thread.start()
        self._wanted.set()  # catch up at once with what the sink lacks

    def submit(self) -> None:
        self._wanted.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping = True
        self._wanted.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                export_tiles(self._reader, self._sink)
            except Exception as error:  # the next checkpoint tries again
                self.errors = [*self.errors[-19:], f"{type(error).__name__}: {error}"]
            if self._stopping:
                return
