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

import fcntl
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


class WriteLock:
    """The lock every writer of one SQLite file takes before BEGIN IMMEDIATE, in every
    process: a thread lock for this process's threads, then an flock for the processes.

    SQLite lets one writer in at a time and makes the others poll: its busy
    handler sleeps between tries, up to 100 ms a time, so under load a waiting
    writer sleeps long after the lock is free. With several web workers and a
    sequencer on one file that left a third of two cores idle while requests
    waited. Writers queue here instead, and the kernel wakes the next one the
    moment the lock is released. A process that dies holding it frees it.

    It has no time-out: its holder is one of our writers inside a transaction,
    which ends or dies. Readers never take it (WAL: they never wait for writers).
    """

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(f"{path.name}.write-lock")
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> WriteLock:
        self._threads.acquire()
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            # A descriptor inherited through fork is shared with the parent, and an flock
            # belongs to the descriptor: each process needs its own to exclude the other.
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


_WRITE_LOCKS: dict[Path, WriteLock] = {}
_WRITE_LOCKS_BY_NAME: dict[str | bytes, WriteLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(path: str | os.PathLike[str]) -> WriteLock:
    """The one WriteLock of this process for the SQLite file at ``path``."""
    name = os.fspath(path)
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS_BY_NAME.get(name)
        if lock is None:
            # Resolved once per name: the site asks on every group commit, and resolving
            # costs a system call per path component.
            resolved = Path(name).resolve()
            lock = _WRITE_LOCKS.setdefault(resolved, WriteLock(resolved))
            _WRITE_LOCKS_BY_NAME[name] = lock
        return lock


class FileLock:
    """An exclusive flock on a file, held until released or until the process dies.

    The kernel frees it when the last descriptor goes, SIGKILL included; a
    forked child shares it with its parent. The file names the holder's pid.
    """

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def try_take(cls, path: Path) -> FileLock | None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return cls(fd, path)

    @staticmethod
    def holder(path: Path) -> str:
        """The pid written by whoever holds (or last held) the lock at ``path``."""
        try:
            return path.read_text("ascii", "replace").strip() or "unknown"
        except OSError:
            return "unknown"

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # the lock goes with the last descriptor
            self._fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


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

    def try_sequencer_lock(self) -> FileLock | None:
        """This log's sequencer lock if no other process holds it, else None. Never waits.

        A SQLite log has one writer of entries: `firsthand serve` holds this lock
        while its worker sequences, `firsthand sequencer` while it does.
        """
        return FileLock.try_take(self.path.with_name(f"{self.path.name}.sequencer-lock"))

    def close(self) -> None:
        self._closing.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
            self._checkpointer = None
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
