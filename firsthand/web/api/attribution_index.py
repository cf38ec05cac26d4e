"""The site's "who said it?" index: every logged statement, findable by its words.

The index (firsthand.attribution.AttributionIndex) is a cache of the
PublishedStatement rows, never a source of truth. It is built from the rows
the log has sequenced on first use, and before each check it **catches up by
log index**: it reads the rows whose index is above the highest it has fed,
plus the few indices below that it has not seen yet. That follows statements
however they were logged: by this process's sequencer, by another web worker,
or by `firsthand sequencer` on PostgreSQL, with no hook in the publishing path.

Why the "not seen yet" indices: a batch of heads is sequenced at once, and
each request thread then writes its own row's index, so index 6 can reach the
table before index 5. An index missing below the highest one is asked for
again on each check, for ``GAP_PATIENCE`` seconds (a row that never comes is a
log entry with no row: nothing to index).

Withheld bodies are never fed (their body is erased in the table anyway), and
a withholding notice fed later hides a body indexed before it
(AttributionIndex.entry_text). Bodies are read back from the table on demand
(``DatabaseBodies``), so the index itself holds only fingerprints.

The library's index is not safe for ``add`` beside ``check``: a
readers-writer lock lets any number of checks read at once, and catching up
waits for them to finish before it writes (one writer at a time).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Q

from firsthand.attribution import AttributionIndex, StatementRecord
from firsthand.statements.format import Reference
from firsthand.web.api.errors import say, size
from firsthand.web.api.models import PublishedStatement

# Up to this many logged rows the first check builds the index itself (well under a second
# per thousand); past it a background thread does, and checks answer "not ready" meanwhile,
# so no request outlives a worker's timeout (bench/attribution.py: ~0.5 ms a statement).
BUILD_INLINE_UP_TO = 5_000
GAP_PATIENCE = 60.0  # seconds an index below the highest fed one is waited for
MAX_GAPS = 500  # indices asked for at once (SQLite allows 999 parameters in old builds)
BODY_CACHE = 4096  # bodies kept in memory between checks
_CHUNK = 2000
_FIELDS = ("index", "leaf_hash", "author_key", "kind", "body", "refers", "withheld_by_id")


class IndexNotReady(Exception):
    """The index is still being built from a large table; ask again in a little while."""


class ReadersWriterLock:
    """Many readers at once, or one writer; a waiting writer goes before new readers."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if self._readers == 0:
                    self._condition.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            try:
                self._condition.wait_for(lambda: not self._writing and self._readers == 0)
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


class DatabaseBodies:
    """The index's BodyStore: bodies read from the table, none of a withheld statement."""

    def __init__(self, capacity: int = BODY_CACHE) -> None:
        self._capacity = capacity
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def body(self, leaf_hash: str) -> str | None:
        with self._lock:
            if leaf_hash in self._cache:
                self._cache.move_to_end(leaf_hash)
                return self._cache[leaf_hash]
        body: str | None = (
            PublishedStatement.objects.filter(
                leaf_hash=leaf_hash, index__isnull=False, withheld_by__isnull=True
            )
            .values_list("body", flat=True)
            .first()
        )
        if body is None:
            return None
        with self._lock:
            # A withholding after this is still honoured: the index checks its withheld
            # leaves before it asks for a body.
            self._cache[leaf_hash] = body
            if len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return body

    def prefetch(self, leaf_hashes: list[str]) -> None:
        """Read the bodies a check is about to ask for in one query (a passage check asks
        for dozens; one by one they would be dozens of queries)."""
        with self._lock:
            missing = [leaf for leaf in leaf_hashes if leaf not in self._cache]
        if not missing:
            return
        rows = PublishedStatement.objects.filter(
            leaf_hash__in=missing[:MAX_GAPS], index__isnull=False, withheld_by__isnull=True
        ).values_list("leaf_hash", "body")
        with self._lock:
            for leaf, body in rows:
                self._cache[leaf] = body
                self._cache.move_to_end(leaf)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def record_of(
    leaf_hash: str, author_key: str, kind: str, body: str, refers: list[str], withheld: bool
) -> StatementRecord:
    """What the index is fed for one row; a withheld row is fed without its body."""
    references = tuple(Reference(*line.split(":", 1)) for line in refers)
    return StatementRecord(leaf_hash, author_key, kind, "" if withheld else body, references)


class SiteIndex:
    """The AttributionIndex of this process's database, kept up to date by log index."""

    def __init__(self) -> None:
        self._lock = ReadersWriterLock()
        self._catching_up = threading.Lock()  # one writer: one catch-up at a time
        self._index: AttributionIndex | None = None
        self._bodies = DatabaseBodies()
        self._highest = -1  # the highest log index fed
        self._gaps: dict[int, float] = {}  # log index below the highest, not fed -> since when
        self._builder: threading.Thread | None = None

    def _rows(self, query: Q) -> Iterable[tuple[int, StatementRecord]]:
        rows = (
            PublishedStatement.objects.filter(query, index__isnull=False)
            .order_by("index")
            .values_list(*_FIELDS)
        )
        for index, leaf, author, kind, body, refers, withheld_by in rows.iterator(_CHUNK):
            yield index, record_of(leaf, author, kind, body, refers, withheld_by is not None)

    def _note_fed(self, fed: list[int], now: float) -> None:
        """Move the highest index on; remember the indices skipped below it, for a while."""
        for index in fed:
            self._gaps.pop(index, None)
        top = max(fed, default=self._highest)
        seen = set(fed)
        for index in range(max(self._highest + 1, top - MAX_GAPS), top):
            if index not in seen:
                self._gaps.setdefault(index, now)
        self._highest = max(self._highest, top)
        for index, since in list(self._gaps.items()):
            if now - since > GAP_PATIENCE:
                del self._gaps[index]
        while len(self._gaps) > MAX_GAPS:
            del self._gaps[min(self._gaps)]

    def _build_in_background(self) -> None:
        def build() -> None:
            try:
                self.catch_up(inline=True)
            finally:
                connection.close()  # this thread's own database connection

        if self._builder is None or not self._builder.is_alive():
            self._builder = threading.Thread(target=build, name="attribution-index", daemon=True)
            self._builder.start()

    def catch_up(self, inline: bool = False) -> int:
        """Feed the rows logged since the last call (all of them the first time); how many.

        Raises IndexNotReady while a large table is indexed in the background.
        """
        if self._index is None and not inline:
            logged = PublishedStatement.objects.filter(index__isnull=False).count()
            if logged > BUILD_INLINE_UP_TO:
                self._build_in_background()
                raise IndexNotReady(
                    say(
                        "this server is indexing its {count} statements for checking; "
                        "try again in a minute",
                        count=size(logged),
                    )
                )
        with self._catching_up:
            now = time.monotonic()
            if self._index is None:
                fed: list[int] = []
                records = self._rows(Q())

                def feeding() -> Iterator[StatementRecord]:
                    for index, record in records:
                        fed.append(index)
                        yield record

                # Nobody reads before the first build is done: readers wait on _catching_up.
                built = AttributionIndex.build(feeding(), bodies=self._bodies)
                with self._lock.writing():
                    self._index = built
                    self._note_fed(fed, now)
                return len(fed)
            query = Q(index__gt=self._highest)
            if self._gaps:
                query |= Q(index__in=sorted(self._gaps))
            new = list(self._rows(query))
            if not new:
                self._note_fed([], now)
                return 0
            with self._lock.writing():
                for _, record in new:
                    self._index.add(record)
                self._index.flush()  # so that readers never write the posting maps
                self._note_fed([index for index, _ in new], now)
            return len(new)

    @contextmanager
    def reading(self) -> Iterator[AttributionIndex]:
        """The index, up to date with the table, for as long as the block reads it."""
        self.catch_up()
        with self._lock.reading():
            assert self._index is not None
            yield self._index

    def forget(self) -> None:
        """Drop everything; the next check rebuilds from the table (tests reset the table)."""
        with self._catching_up, self._lock.writing():
            self._index = None
            self._bodies.clear()
            self._highest = -1
            self._gaps.clear()


_site = SiteIndex()


def site_index() -> SiteIndex:
    """This process's index (built from the table on first use)."""
    return _site
