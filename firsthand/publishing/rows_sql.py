"""The statements' rows (rows.py) on SQLite and on PostgreSQL, in plain SQL on Django's
connection: the table is Django's, the queries are written out once.

On SQLite the log and the site's tables share one file, and its writers queue
on one in-process lock (group_commit.site_write_lock) rather than on SQLite's
sleep-and-retry; a withholding also erases the body from the file's free pages,
search index and WAL (erasure.py). On PostgreSQL a group of new rows stored for
a sequencer elsewhere sends it one NOTIFY (notify.py), delivered on commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from firsthand.publishing import erasure
from firsthand.publishing.group_commit import GroupCommit, site_write_lock
from firsthand.publishing.listings import list_contents, list_labels
from firsthand.publishing.notify import PENDING, notify
from firsthand.publishing.rows import (
    STATEMENTS_TABLE,
    PendingRow,
    Rows,
    StoredRow,
    row_fields,
)
from firsthand.statements.format import Statement
from firsthand.statements.rules import Referred

# Every stored column but the id, which the database assigns; ``row_fields`` gives most,
# the rest start empty. A column added to the model must be added here (tests/publishing).
COLUMNS = (
    "leaf_hash", "index", "head", "body", "author_key", "author_fingerprint", "author_key_id",
    "kind", "lang", "signed_at", "refers", "media", "subject_key_id", "subject_fingerprint",
    "received_at", "withheld_by_id",
)  # fmt: skip
_JSON = frozenset({"refers", "media"})
_TIMES = frozenset({"signed_at", "received_at"})
# SQLite takes at most 32,766 parameters a statement (16 columns a row).
_ROWS_PER_INSERT = 1000
_TABLE = f'"{STATEMENTS_TABLE}"'
_QUOTED_COLUMNS = ", ".join(f'"{column}"' for column in COLUMNS)
_INSERT = f"INSERT INTO {_TABLE} ({_QUOTED_COLUMNS}) VALUES "
_ROW_MARKS = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
_BY_LEAF = f'SELECT leaf_hash, id, "index" FROM {_TABLE} WHERE leaf_hash IN'
_SET_INDEX = f'UPDATE {_TABLE} SET "index" = %s WHERE id = %s AND "index" IS NULL'
_PENDING = f'SELECT id, head, kind FROM {_TABLE} WHERE "index" IS NULL ORDER BY id LIMIT %s'
_REFERRED = (
    f'SELECT s."index", s.kind, s.author_key, s.author_key_id, w.leaf_hash, w."index" '
    f"FROM {_TABLE} s LEFT JOIN {_TABLE} w ON w.id = s.withheld_by_id "
    f'WHERE s.leaf_hash = %s AND s."index" IS NOT NULL'
)
_REFERS_OF = f"SELECT refers FROM {_TABLE} WHERE id = %s"
_WITHHOLD = (
    f"UPDATE {_TABLE} SET withheld_by_id = %s, body = '' "
    "WHERE leaf_hash = %s AND withheld_by_id IS NULL"
)


class SqlRows(Rows):
    """What SQLite and PostgreSQL share; ``rows_here()`` picks the one for this database."""

    def __init__(self) -> None:
        self.stores: GroupCommit[Statement, StoredRow] = GroupCommit(self.store)
        self.placings: GroupCommit[tuple[int, int], None] = GroupCommit(self._write_placed)

    # The differences between the two databases.
    def _write_lock(self) -> AbstractContextManager[object]:
        return nullcontext()

    def _erasing(self) -> AbstractContextManager[None]:
        return nullcontext()

    def _stored_new_rows(self) -> None:
        """Inside the transaction that stored new rows, before it commits."""

    def store_one(self, statement: Statement) -> StoredRow:
        return self.stores.run(statement)

    def place_one(self, pk: int, index: int) -> None:
        self.placings.run((pk, index))

    def store(self, statements: Sequence[Statement]) -> list[StoredRow]:
        """The new rows are written in one transaction holding the write lock, which the
        other processes' writers wait for: so the transaction holds nothing but the INSERT.
        The values are converted before it, and the rows already stored are looked up
        before it (a WAL read waits for no one)."""
        leaves = [s.leaf_hash.hex() for s in statements]
        stored = self._by_leaf(set(leaves))
        new = {
            leaf: {"leaf_hash": leaf, **row_fields(s)}
            for leaf, s in zip(leaves, statements, strict=True)
            if leaf not in stored
        }
        inserted: dict[str, int] = {}
        if new:
            values = self._column_values(new.values())
            with self._write_lock(), transaction.atomic():
                # Another process may store the same statement at once (several workers): its
                # row wins, and both requests get the one log index.
                inserted = self._insert_ignoring_conflicts(values)
                list_contents(
                    (inserted[leaf], row["refers"], row["media"])
                    for leaf, row in new.items()
                    if leaf in inserted and (row["refers"] or row["media"])
                )
                list_labels(
                    s.head for leaf, s in zip(leaves, statements, strict=True) if leaf in inserted
                )
                if inserted:
                    self._stored_new_rows()
            stored.update((leaf, (pk, None)) for leaf, pk in inserted.items())
            if raced := set(new) - set(inserted):
                stored.update(self._by_leaf(raced))
        return [StoredRow(*stored[leaf], leaf in inserted) for leaf in leaves]

    def write_indices(self, placed: Sequence[tuple[int, int]]) -> None:
        self._write_placed(placed)

    def _write_placed(self, placed: Sequence[tuple[int, int]]) -> list[None]:
        with self._write_lock(), transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_SET_INDEX, [(index, pk) for pk, index in placed])
        return [None] * len(placed)

    def pending(self, limit: int) -> list[PendingRow]:
        with connection.cursor() as cursor:
            cursor.execute(_PENDING, [limit])
            return [PendingRow(pk, head.encode("utf-8"), kind) for pk, head, kind in cursor]

    def referred(self, leaf_hash: str) -> Referred | None:
        with connection.cursor() as cursor:
            cursor.execute(_REFERRED, [leaf_hash])
            found = cursor.fetchone()
        if found is None:
            return None
        index, kind, author_key, author_key_id, notice_leaf, notice_index = found
        return Referred(index, kind, author_key, author_key_id, notice_leaf, notice_index)

    def withhold(self, notice_pk: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_REFERS_OF, [notice_pk])
            (refers,) = cursor.fetchone()
        if isinstance(refers, str):  # JSON comes back as its text (Django's loaders)
            refers = json.loads(refers)
        leaf = next(r.removeprefix("leaf:") for r in refers if r.startswith("leaf:"))
        with self._erasing(), self._write_lock(), connection.cursor() as cursor:
            cursor.execute(_WITHHOLD, [notice_pk, leaf])

    def _by_leaf(self, leaves: set[str]) -> dict[str, tuple[int, int | None]]:
        """(row id, index) of the rows stored under these leaf hashes."""
        if not leaves:
            return {}
        marks = ", ".join(["%s"] * len(leaves))
        with connection.cursor() as cursor:
            cursor.execute(f"{_BY_LEAF} ({marks})", list(leaves))
            return {leaf: (pk, index) for leaf, pk, index in cursor.fetchall()}

    def _column_values(self, rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
        """Each new row's values for COLUMNS, each converted for this database (JSON, time
        zones) as Django's own INSERT would do."""
        unset = {"index": None, "withheld_by_id": None, "received_at": timezone.now()}
        return [[_adapt(column, {**unset, **row}[column]) for column in COLUMNS] for row in rows]

    def _insert_ignoring_conflicts(self, values: Sequence[Sequence[Any]]) -> dict[str, int]:
        """INSERT the rows, keeping any row already stored under the same leaf hash; the
        ids of the rows inserted, by leaf hash.

        One statement for them all, not bulk_create's model instances and compiled
        query (the largest single cost of publishing once), nor one statement per
        row: each is a trip out of the GIL and back, taken while holding the lock
        every other writer of the file waits for.
        """
        inserted: dict[str, int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(values), _ROWS_PER_INSERT):
                part = values[start : start + _ROWS_PER_INSERT]
                cursor.execute(
                    f"{_INSERT}{', '.join([_ROW_MARKS] * len(part))} "
                    "ON CONFLICT DO NOTHING RETURNING leaf_hash, id",
                    [value for row_values in part for value in row_values],
                )
                inserted.update(cursor.fetchall())
        return inserted


def _adapt(column: str, value: Any) -> Any:
    if column in _JSON:
        return connection.ops.adapt_json_value(value, None)
    if column in _TIMES:
        assert isinstance(value, datetime)
        return connection.ops.adapt_datetimefield_value(value)
    return value


class SQLiteRows(SqlRows):
    """One file for the log and the site: one lock for its writers, and erasure on withholding."""

    def _write_lock(self) -> AbstractContextManager[object]:
        return site_write_lock()

    def _erasing(self) -> AbstractContextManager[None]:
        return erasure.erasing()


class PostgreSQLRows(SqlRows):
    """Rows stored for a sequencer elsewhere wake it with one NOTIFY per group."""

    def __init__(self, sequenced_elsewhere: Callable[[], bool]) -> None:
        super().__init__()
        self._sequenced_elsewhere = sequenced_elsewhere

    def _stored_new_rows(self) -> None:
        if self._sequenced_elsewhere():
            notify(PENDING)  # one NOTIFY for the group, delivered when it commits
