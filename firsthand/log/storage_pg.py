"""The log in PostgreSQL: the same protocol as SQLiteStorage, for many processes at once.

The tables are SQLite's (entries, tiles, checkpoints), so an operator reads
both back ends the same way. They are created in the connection's current
schema, so several logs can share one database in schemas of their own.

Two things SQLite gives for free need saying here:

- **One writer at a time.** ``integrate`` takes ``LOCK TABLE checkpoints IN
  SHARE ROW EXCLUSIVE MODE`` first: the mode conflicts with itself and with
  inserts, but not with plain reads, so web workers keep reading while a batch
  commits. With the lock held, the stored size is read afresh (READ COMMITTED
  takes a new snapshot per statement), so a second sequencer that lost the
  race gets StorageConflict instead of forking the tree.
- **One sequencer per log.** ``sequencer_lock`` holds a session advisory lock
  (``pg_try_advisory_lock``) on a connection of its own, for a ``firsthand
  sequencer`` process to hold while it runs. PostgreSQL lets go of it when that
  connection ends, so a killed sequencer never leaves the log locked.

Entries go in by binary COPY, the fastest way into PostgreSQL (a pipelined
INSERT ... unnest measured no faster, even for one entry). The commit waits
for the WAL flush (``synchronous_commit`` on, PostgreSQL's default), so an
acknowledged batch survives a power cut as with SQLite's ``synchronous=FULL``.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors

from firsthand.log.errors import LogError
from firsthand.log.merkle import leaf_hash
from firsthand.log.storage import Batch, StorageConflict, StoredCheckpoint, leaf_key
from firsthand.log.tiles import TileID

POSTGRES_SCHEMES = ("postgresql", "postgres")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    idx BIGINT PRIMARY KEY,
    leaf_key BIGINT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_leaf_key ON entries (leaf_key);
CREATE TABLE IF NOT EXISTS tiles (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    expanded BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    size BIGINT PRIMARY KEY,
    note BYTEA NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""

# Advisory lock keys are per database; the schema's name is folded in so that
# logs in different schemas of one database do not lock each other out.
_LOCK_KEY = "SELECT hashtextextended('firsthand.log.' || %s || ':' || current_schema(), 0)"

# Who holds a session advisory lock: pg_locks splits the 64-bit key into two oids.
_HOLDER = """
SELECT a.application_name, a.pid
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = %s AND l.objid::bigint = %s
"""


# Taken first by every integration: it conflicts with itself and with inserts, not with reads.
_LOCK_WRITERS = "LOCK TABLE checkpoints IN SHARE ROW EXCLUSIVE MODE"
_STORED_SIZE = "SELECT COALESCE(MAX(size), 0) FROM checkpoints"
_COPY_ENTRIES = "COPY entries (idx, leaf_key, data) FROM STDIN (FORMAT BINARY)"

_Connection = psycopg.Connection[tuple[object, ...]]


class StorageUnavailable(LogError):
    """The PostgreSQL database cannot be reached or refused the connection."""


class SequencerLockHeld(LogError):
    """Another sequencer already holds this log's sequencer lock."""


def is_postgres_url(location: str) -> bool:
    return location.partition("://")[0].lower() in POSTGRES_SCHEMES


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


def connect(url: str, *, application_name: str = "firsthand") -> _Connection:
    """A connection in autocommit mode (transactions are explicit), or StorageUnavailable."""
    try:
        return psycopg.connect(url, autocommit=True, application_name=application_name)
    except psycopg.Error as error:
        raise StorageUnavailable(
            f"cannot connect to the PostgreSQL database {redacted(url)}: "
            f"{str(error).strip() or type(error).__name__}"
        ) from error


class SequencerLock:
    """This log's sequencer lock, held on a connection of its own until released.

    Use it as a context manager, or call ``release``. If the process dies,
    PostgreSQL ends the connection and the lock goes with it.
    """

    def __init__(self, connection: _Connection, key: int) -> None:
        self._connection = connection
        self.key = key

    @property
    def held(self) -> bool:
        return not self._connection.closed

    def release(self) -> None:
        if self._connection.closed:
            return
        try:
            self._connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        except psycopg.Error:
            pass  # the connection is gone, and the lock with it
        finally:
            self._connection.close()

    def __enter__(self) -> SequencerLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class PostgresStorage:
    """The log in a PostgreSQL database. Safe to share between threads: each gets a connection."""

    def __init__(self, url: str) -> None:
        if not is_postgres_url(url):
            raise ValueError(f"not a PostgreSQL URL (postgresql://...): {redacted(url)}")
        self.url = url
        self._local = threading.local()
        self._connections: list[_Connection] = []
        self._connections_lock = threading.Lock()
        db = self._connection()
        with db.transaction():
            # CREATE TABLE IF NOT EXISTS races with itself; the lock makes first use safe.
            (key,) = _one(db.execute(_LOCK_KEY, ("schema",)))
            db.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            db.execute(_SCHEMA)

    def _connection(self) -> _Connection:
        db: _Connection | None = getattr(self._local, "db", None)
        if db is None or db.closed:
            # A connection that broke (server restart, network) is closed by psycopg: reopen.
            db = connect(self.url)
            self._local.db = db
            with self._connections_lock:
                self._connections = [c for c in self._connections if not c.closed]
                self._connections.append(db)
        return db

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = (
            self._connection()
            .execute("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
            .fetchone()
        )
        return None if row is None else _checkpoint(row)

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        row = (
            self._connection()
            .execute("SELECT size, note FROM checkpoints WHERE size = %s", (size,))
            .fetchone()
        )
        return None if row is None else _checkpoint(row)

    def read_tiles(self, tiles: Sequence[TileID]) -> dict[TileID, bytes]:
        if not tiles:
            return {}
        # One round trip for all of them: a proof needs one tile per level.
        rows = self._connection().execute(
            "SELECT t.level, t.idx, t.expanded FROM tiles t "
            "JOIN unnest(%s::int4[], %s::int8[]) AS w(level, idx) "
            "ON t.level = w.level AND t.idx = w.idx",
            ([t.level for t in tiles], [t.number for t in tiles]),
        )
        return {TileID(_int(level), _int(idx)): _bytes(data) for level, idx, data in rows}

    def read_entries(self, start: int, end: int) -> list[bytes]:
        rows = self._connection().execute(
            "SELECT data FROM entries WHERE idx >= %s AND idx < %s ORDER BY idx", (start, end)
        )
        return [_bytes(data) for (data,) in rows]

    def find_leaves(self, leaf_hashes: Sequence[bytes]) -> dict[bytes, int]:
        wanted = set(leaf_hashes)
        if not wanted:
            return {}
        keys = sorted({leaf_key(h) for h in wanted})
        found: dict[bytes, int] = {}
        rows = self._connection().execute(
            "SELECT idx, data FROM entries WHERE leaf_key = ANY(%s::int8[]) ORDER BY idx", (keys,)
        )
        for idx, data in rows:
            # Keys are 8 bytes of the hash: confirm the whole hash from the entry itself.
            h = leaf_hash(_bytes(data))
            if h in wanted and h not in found:
                found[h] = _int(idx)
        return found

    def integrate(self, batch: Batch) -> None:
        db = self._connection()
        try:
            with db.transaction():
                db.execute(_LOCK_WRITERS)
                (size,) = _one(db.execute(_STORED_SIZE))
                if size != batch.start:
                    raise _conflict(_int(size), batch.start)
                rows = zip(
                    range(batch.start, batch.start + len(batch.entries)),
                    map(leaf_key, batch.leaf_hashes),
                    batch.entries,
                    strict=True,
                )
                with db.cursor() as cursor:
                    if batch.entries:
                        with cursor.copy(_COPY_ENTRIES) as copy:
                            copy.set_types(["int8", "int8", "bytea"])
                            for row in rows:
                                copy.write_row(row)
                    cursor.executemany(
                        "INSERT INTO tiles (level, idx, expanded) VALUES (%s, %s, %b) "
                        "ON CONFLICT (level, idx) DO UPDATE SET expanded = EXCLUDED.expanded",
                        [(t.level, t.number, data) for t, data in batch.tiles.items()],
                    )
                    cursor.execute(
                        "INSERT INTO checkpoints (size, note) VALUES (%s, %b)",
                        (batch.checkpoint.size, batch.checkpoint.note),
                    )
        except pg_errors.UniqueViolation as error:
            # Only another writer can have stored this size first (a new log's empty tree).
            (size,) = _one(db.execute(_STORED_SIZE))
            raise _conflict(_int(size), batch.start) from error

    def try_sequencer_lock(self) -> SequencerLock | None:
        """This log's sequencer lock if no one else holds it, else None. Never waits."""
        holder = connect(self.url, application_name=_sequencer_name())
        try:
            (key,) = _one(holder.execute(_LOCK_KEY, ("sequencer",)))
            (taken,) = _one(holder.execute("SELECT pg_try_advisory_lock(%s)", (key,)))
        except BaseException:
            holder.close()
            raise
        if not taken:
            holder.close()
            return None
        return SequencerLock(holder, _int(key))

    def sequencer_lock(self) -> SequencerLock:
        """This log's sequencer lock, or SequencerLockHeld naming who holds it."""
        lock = self.try_sequencer_lock()
        if lock is not None:
            return lock
        db = self._connection()
        (key,) = _one(db.execute(_LOCK_KEY, ("sequencer",)))
        high, low = (_int(key) >> 32) & 0xFFFFFFFF, _int(key) & 0xFFFFFFFF
        row = db.execute(_HOLDER, (high, low)).fetchone()
        who = "another session" if row is None else f"{row[0] or 'a session'} (backend {row[1]})"
        raise SequencerLockHeld(
            f"{who} already sequences this log; one sequencer per database schema: "
            "stop the other one, or point this one at another database"
        )

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()


def _sequencer_name() -> str:
    # Shown to whoever finds the lock taken; PostgreSQL keeps 63 bytes of it.
    return f"firsthand sequencer {os.getpid()}@{socket.gethostname()}"[:63]


def _conflict(stored: int, start: int) -> StorageConflict:
    held = (
        f"another writer stored a batch from {start} first"
        if stored == start
        else f"the log holds {stored} entries but this batch starts at {start}"
    )
    return StorageConflict(f"{held}; is another sequencer running on the same database?")


def _one(cursor: psycopg.Cursor[tuple[object, ...]]) -> tuple[object, ...]:
    row = cursor.fetchone()
    assert row is not None  # aggregate and function queries always return a row
    return row


def _checkpoint(row: tuple[object, ...]) -> StoredCheckpoint:
    return StoredCheckpoint(_int(row[0]), _bytes(row[1]))


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _bytes(value: object) -> bytes:
    assert isinstance(value, bytes | memoryview)
    return bytes(value)
