"""Where the log keeps its state, behind one narrow interface.

Everything the log serves can be rebuilt from three things: the entries, the
expanded tiles and the signed checkpoints. A back end stores them and must
make ``integrate`` atomic: a batch's entries, the tiles it changed and the
checkpoint that covers it land together or not at all. That is what lets a
sequencer be killed at any moment without losing an acknowledged entry or
contradicting a signed checkpoint.

SQLite is the embedded default (one file, WAL, ``synchronous=FULL`` so that a
committed batch survives a power cut, not just a crash). The PostgreSQL back
end implements the same protocol.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from firsthand.log.errors import LogError
from firsthand.log.merkle import leaf_hash
from firsthand.log.tiles import TileID

# Address space, not memory: SQLite maps at most the file's size.
MMAP_BYTES = 16 << 30


class StorageConflict(LogError):
    """The stored tree is not the size the sequencer expected: another sequencer wrote to it."""


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    note: bytes


@dataclass(frozen=True)
class Batch:
    """One integration: entries from ``start``, the tiles they changed, the new checkpoint."""

    start: int
    leaf_hashes: Sequence[bytes]
    entries: Sequence[bytes]
    tiles: dict[TileID, bytes]
    checkpoint: StoredCheckpoint


class LogStorage(Protocol):
    def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None: ...

    def read_tiles(self, tiles: Sequence[TileID]) -> dict[TileID, bytes]:
        """Expanded tiles by id; missing ones are left out."""
        ...

    def read_entries(self, start: int, end: int) -> list[bytes]: ...

    def find_leaves(self, leaf_hashes: Sequence[bytes]) -> dict[bytes, int]:
        """The index of each given leaf hash that is in the log."""
        ...

    def integrate(self, batch: Batch) -> None:
        """Store the batch atomically; StorageConflict if the tree is not at batch.start."""
        ...

    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY,
    leaf_key INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_leaf_key ON entries (leaf_key);
CREATE TABLE IF NOT EXISTS tiles (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    expanded BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    size INTEGER PRIMARY KEY,
    note BLOB NOT NULL,
    signed_at REAL NOT NULL
);
"""

# SQLite caps the number of host parameters in one statement.
_IN_CHUNK = 500
# Seconds between WAL checkpoints, which run beside the sequencer rather than in its commits.
_WAL_CHECKPOINT_PERIOD = 1.0


def leaf_key(leaf: bytes) -> int:
    """The first 8 bytes of a leaf hash as a signed int64: a compact index key.

    An index of 8-byte integers inserts far faster than one of 32-byte blobs.
    Two leaves may share a key, so lookups confirm the full hash from the
    entry itself; uniqueness is the sequencer's job, as it is the only writer.
    """
    return int.from_bytes(leaf[:8], "big", signed=True)


_WRITE_LOCKS: dict[Path, threading.Lock] = {}
_WRITE_LOCKS_BY_NAME: dict[str | bytes, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(path: str | os.PathLike[str]) -> threading.Lock:
    """The lock this process's writers of one SQLite file take before BEGIN IMMEDIATE.

    SQLite lets one writer in at a time and makes the others poll: its busy
    handler sleeps between tries, up to 100 ms a time, so under load a waiting
    writer sleeps long after the lock is free. Writers in one process (the
    sequencer, and the site's group commits on the same file) queue on this
    lock instead and go in the moment it is released. Other processes still
    rely on SQLite's own waiting.
    """
    name = os.fspath(path)
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS_BY_NAME.get(name)
        if lock is None:
            # Resolved once per name: the site asks on every group commit, and resolving
            # costs a system call per path component.
            lock = _WRITE_LOCKS.setdefault(Path(name).resolve(), threading.Lock())
            _WRITE_LOCKS_BY_NAME[name] = lock
        return lock


class SQLiteStorage:
    """The log in one SQLite file. Safe to share between threads: each gets its own connection."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = write_lock(self.path)
        self._checkpointer: threading.Thread | None = None
        self._closing = threading.Event()
        # executescript commits whatever is open, so the schema brings its own transaction.
        self._connection().executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            # 64 MiB of page cache: the leaf-key index is random-access by nature.
            db.execute("PRAGMA cache_size=-65536")
            # And pages read in place from the OS's cache, shared by every thread's connection
            # (each has its own cache): tiles and entries of a large log are read all over.
            db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            # Copying the WAL back into the database happens in _checkpoint_wal's thread,
            # so a batch's commit pays only for its own fsync.
            db.execute("PRAGMA wal_autocheckpoint=0")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        with self._write_lock:
            # IMMEDIATE takes the write lock up front, so two writers fail fast instead of
            # deadlocking.
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = (
            self._connection()
            .execute("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
            .fetchone()
        )
        return None if row is None else StoredCheckpoint(row[0], bytes(row[1]))

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        row = (
            self._connection()
            .execute("SELECT size, note FROM checkpoints WHERE size = ?", (size,))
            .fetchone()
        )
        return None if row is None else StoredCheckpoint(row[0], bytes(row[1]))

    def read_tiles(self, tiles: Sequence[TileID]) -> dict[TileID, bytes]:
        db = self._connection()
        found: dict[TileID, bytes] = {}
        for tile in tiles:
            row = db.execute(
                "SELECT expanded FROM tiles WHERE level = ? AND idx = ?", (tile.level, tile.number)
            ).fetchone()
            if row is not None:
                found[tile] = bytes(row[0])
        return found

    def read_entries(self, start: int, end: int) -> list[bytes]:
        rows = self._connection().execute(
            "SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)
        )
        return [bytes(data) for (data,) in rows]

    def find_leaves(self, leaf_hashes: Sequence[bytes]) -> dict[bytes, int]:
        db = self._connection()
        wanted = set(leaf_hashes)
        found: dict[bytes, int] = {}
        keys = sorted({leaf_key(h) for h in wanted})
        for i in range(0, len(keys), _IN_CHUNK):
            chunk = keys[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for idx, data in db.execute(
                f"SELECT idx, data FROM entries WHERE leaf_key IN ({marks})", chunk
            ):
                h = leaf_hash(bytes(data))
                if h in wanted and h not in found:
                    found[h] = idx
        return found

    def integrate(self, batch: Batch) -> None:
        with self._transaction() as db:
            (stored,) = db.execute("SELECT COALESCE(MAX(size), 0) FROM checkpoints").fetchone()
            if stored != batch.start:
                raise StorageConflict(
                    f"the log holds {stored} entries but this batch starts at {batch.start}; "
                    "is another sequencer running on the same database?"
                )
            db.executemany(
                "INSERT INTO entries (idx, leaf_key, data) VALUES (?, ?, ?)",
                zip(
                    range(batch.start, batch.start + len(batch.entries)),
                    map(leaf_key, batch.leaf_hashes),
                    batch.entries,
                    strict=True,
                ),
            )
            db.executemany(
                "INSERT OR REPLACE INTO tiles (level, idx, expanded) VALUES (?, ?, ?)",
                ((t.level, t.number, data) for t, data in batch.tiles.items()),
            )
            db.execute(
                "INSERT INTO checkpoints (size, note, signed_at) VALUES (?, ?, ?)",
                (batch.checkpoint.size, batch.checkpoint.note, time.time()),
            )
        self._start_wal_checkpoints()

    def _start_wal_checkpoints(self) -> None:
        if self._checkpointer is None:
            self._checkpointer = threading.Thread(
                target=self._checkpoint_wal, name="firsthand-wal-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint_wal(self) -> None:
        """Fold the WAL back into the database now and then (PASSIVE never blocks writers)."""
        while not self._closing.wait(_WAL_CHECKPOINT_PERIOD):
            try:
                self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                continue  # busy or closing: the next round will do it

    def close(self) -> None:
        self._closing.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
            self._checkpointer = None
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
