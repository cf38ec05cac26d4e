"""Cleaned media copied to the tiles' directory or object store, for a CDN to serve.

What goes there is exactly what GET /media/... serves to everyone
(firsthand/web/api/media_serving.py): a cleaned file, and its rendition, once a
logged statement lists it and as long as no withheld statement lists it. Uploads
no statement covers yet never leave the server, and a file that a withholding
notice covers is deleted from the sink, so a doxxing photo does not stay on a CDN
after the operator withholds the statement that showed it.

Keys follow the data directory's own layout (firsthand/web/api/media_store.py):

    media/<sha256>             the cleaned file, with its sniffed Content-Type
    media/<sha256>.thumb.webp  its rendition (image/webp)

The name is the hash of the bytes, so a key never changes once written: a key the
sink already holds is never written again. The cache life is the server's own (a
day, immutable), kept short so that shared caches let a withheld file go soon.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import close_old_connections, connection

from firsthand.log.export import BackgroundExporter, TileSink
from firsthand.log.reader import LogReader
from firsthand.web.api import media_store
from firsthand.web.api.media_serving import PUBLIC_CACHE
from firsthand.web.api.models import StatementMedia

PREFIX = "media/"
# A sweep also runs this often with no new checkpoint: a statement's index (and a
# withholding) reaches the database just after the checkpoint that logged it.
SWEEP_SECONDS = 10.0
SETTLE_SECONDS = 0.5  # after a checkpoint, let the request threads record its indices
RELIST_SECONDS = 3600.0  # how long a background exporter trusts its own list of the sink


def file_key(sha256: str) -> str:
    return PREFIX + sha256


def thumb_key(sha256: str) -> str:
    return PREFIX + sha256 + media_store.THUMB_SUFFIX


@dataclass(frozen=True)
class MediaFile:
    """One file to write: where it goes, where it is, what it is."""

    key: str
    path: Path
    content_type: str
    size: int


@dataclass(frozen=True)
class MediaPlan:
    """What an export will do: write ``to_put``, delete ``to_delete``; ``kept`` are there."""

    to_put: list[MediaFile]
    to_delete: list[str]
    kept: int

    @property
    def size(self) -> int:
        return sum(item.size for item in self.to_put)


@dataclass(frozen=True)
class MediaExported:
    written: int
    written_bytes: int
    deleted: int
    kept: int


@dataclass(frozen=True)
class Listings:
    """The media statements list: ``public`` ones may be served, ``withheld`` ones never."""

    public: set[str]
    withheld: set[str]


def listings() -> Listings:
    """The media of every statement, in one pass over the media listing.

    The same rule as media_serving.listing(), for all files at once: public once a
    logged statement lists it, withheld (whatever else lists it) once a withheld
    statement does. Only statements that list a file are read, each by its key.
    """
    published: set[str] = set()
    withheld: set[str] = set()
    rows = StatementMedia.objects.values_list(
        "sha256", "statement__index", "statement__withheld_by"
    )
    for sha256, index, withheld_by in rows.iterator(chunk_size=2000):
        if withheld_by is not None:
            withheld.add(sha256)
        elif index is not None:
            published.add(sha256)
    return Listings(public=published - withheld, withheld=withheld)


def _missing_files(sha256: str, present: set[str]) -> tuple[list[MediaFile], int]:
    """The file and rendition this server keeps for a hash that the sink lacks, and how
    many of them it holds already (nothing at all if this server keeps no such file)."""
    try:
        path = media_store.path_of(sha256)
    except media_store.NotAMediaHash:  # a head's media line, never a file we wrote
        return [], 0
    if not path.is_file():
        return [], 0
    missing: list[MediaFile] = []
    kept = 0
    thumb = media_store.thumb_path_of(sha256)
    # The rendition first, as the store writes them: a file on the sink has its thumbnail.
    if thumb_key(sha256) in present:
        kept += 1
    elif thumb.is_file():
        size = thumb.stat().st_size
        missing.append(MediaFile(thumb_key(sha256), thumb, media_store.THUMB_TYPE, size))
    if file_key(sha256) in present:
        kept += 1
    else:
        kind = media_store.stored_type(path)
        missing.append(MediaFile(file_key(sha256), path, kind, path.stat().st_size))
    return missing, kept


def plan_export(sink: TileSink, present: set[str] | None = None) -> MediaPlan:
    """What to write to and delete from ``sink`` (``present``: its media keys, if known)."""
    if present is None:
        present = set(sink.keys(PREFIX))
    found = listings()
    to_put: list[MediaFile] = []
    kept = 0
    for sha256 in sorted(found.public):
        wanted = (file_key(sha256), thumb_key(sha256))
        if all(key in present for key in wanted):
            kept += 2  # content-addressed: what is there is right
            continue
        missing, held = _missing_files(sha256, present)
        to_put += missing
        kept += held
    banned = {key for sha256 in found.withheld for key in (file_key(sha256), thumb_key(sha256))}
    return MediaPlan(to_put, sorted(banned & present), kept)


def carry_out(
    plan: MediaPlan,
    sink: TileSink,
    on_file: Callable[[MediaFile], None] | None = None,
    present: set[str] | None = None,
) -> MediaExported:
    """Delete first (a withheld file goes before anything else is done), then write.

    ``present``, if given, is kept up to date with what the sink holds.
    """
    for key in plan.to_delete:
        sink.delete(key)
        if present is not None:
            present.discard(key)
    written_bytes = 0
    for item in plan.to_put:
        sink.put_file(
            item.key, item.path, content_type=item.content_type, cache_control=PUBLIC_CACHE
        )
        written_bytes += item.size
        if present is not None:
            present.add(item.key)
        if on_file is not None:
            on_file(item)
    return MediaExported(len(plan.to_put), written_bytes, len(plan.to_delete), plan.kept)


def export_media(
    sink: TileSink, on_file: Callable[[MediaFile], None] | None = None
) -> MediaExported:
    """Bring the sink's media/ up to what this server serves to everyone."""
    return carry_out(plan_export(sink), sink, on_file)


class BackgroundMediaExporter:
    """Exports media on a thread of its own: soon after each checkpoint, and every
    SWEEP_SECONDS besides, so indices and withholdings recorded after the checkpoint
    that logged them are never left out for long."""

    def __init__(self, sink: TileSink, every: float = SWEEP_SECONDS) -> None:
        self._sink = sink
        self._every = every
        self._wanted = threading.Event()
        self._stopping = False
        self._present: set[str] | None = None  # the sink's media keys, as this thread left them
        self._listed_at = 0.0
        self.errors: list[str] = []
        self.runs = 0
        self._thread = threading.Thread(
            target=self._run, name="firsthand-media-export", daemon=True
        )
        self._thread.start()

    def submit(self) -> None:
        self._wanted.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping = True
        self._wanted.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while not self._stopping:
                self._export_once()
                if self._wanted.wait(self._every) and not self._stopping:
                    time.sleep(SETTLE_SECONDS)
                self._wanted.clear()
        finally:
            connection.close()  # this thread's own database connection

    def _export_once(self) -> None:
        close_old_connections()
        try:
            if self._present is None or time.monotonic() - self._listed_at > RELIST_SECONDS:
                self._present = set(self._sink.keys(PREFIX))
                self._listed_at = time.monotonic()
            plan = plan_export(self._sink, self._present)
            carry_out(plan, self._sink, present=self._present)
        except Exception as error:  # the next sweep tries again, from a fresh list
            self._present = None
            self.errors = [*self.errors[-19:], f"{type(error).__name__}: {error}"]
        self.runs += 1


class TilesAndMediaExporter(BackgroundExporter):
    """`firsthand serve --export-tiles`: the log's tiles and the public media, to one sink."""

    def __init__(self, reader: LogReader, sink: TileSink, every: float = SWEEP_SECONDS) -> None:
        self.media = BackgroundMediaExporter(sink, every)
        super().__init__(reader, sink)

    def submit(self) -> None:
        super().submit()
        self.media.submit()

    def stop(self, timeout: float = 30.0) -> None:
        super().stop(timeout)
        self.media.stop(timeout)
