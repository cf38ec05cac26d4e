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
from firsthand.log.tiles import TileID


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
    leaf_hash BLOB NOT NULL,
    data BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS entries_by_leaf_hash ON entries (leaf_hash);
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


class SQLiteStorage:
    """The log in one SQLite file. Safe to share between threads: each gets its own connection."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        # executescript commits whatever is open, so the schema brings its own transaction.
        self._connection().executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        # IMMEDIATE takes the write lock up front, so two writers fail fast instead of deadlocking.
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
                "SELECT expanded FROM tiles WHERE level = ? AND idx = ?", (tile.level, tile.index)
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
        found: dict[bytes, int] = {}
        for i in range(0, len(leaf_hashes), _IN_CHUNK):
            chunk = leaf_hashes[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for idx, h in db.execute(
                f"SELECT idx, leaf_hash FROM entries WHERE leaf_hash IN ({marks})", chunk
            ):
                found[bytes(h)] = idx
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
                "INSERT INTO entries (idx, leaf_hash, data) VALUES (?, ?, ?)",
                zip(
                    range(batch.start, batch.start + len(batch.entries)),
                    batch.leaf_hashes,
                    batch.entries,
                    strict=True,
                ),
            )
            db.executemany(
                "INSERT OR REPLACE INTO tiles (level, idx, expanded) VALUES (?, ?, ?)",
                ((t.level, t.index, data) for t, data in batch.tiles.items()),
            )
            db.execute(
                "INSERT INTO checkpoints (size, note, signed_at) VALUES (?, ?, ?)",
                (batch.checkpoint.size, batch.checkpoint.note, time.time()),
            )

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
