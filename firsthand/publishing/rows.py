"""Record: the site's row of each statement, beside the log, and what the pipeline asks of it.

The log holds only signed heads. The site keeps a row per statement: its body,
and the head's fields indexed for the pages (web/api/models.py,
``PublishedStatement``, migrated by Django into ``api_publishedstatement``).
A row is stored before its head is logged (index NULL) and gets its index once
the sequencer has durably logged the head, so a crash in between loses nothing:
the row is logged when the sequencer starts again, or when its author retries.

``Rows`` is what the pipeline needs of that table; rows_sql.py implements it for
SQLite and for PostgreSQL on Django's connection (the table is Django's), without
the ORM, so that `firsthand sequencer` runs it without the web.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from firsthand.statements.format import Statement
from firsthand.statements.identity import fingerprint
from firsthand.statements.rules import Referred

# The table of web/api/models.PublishedStatement (app "api"): tests/publishing checks that
# the columns written here are the model's.
STATEMENTS_TABLE = "api_publishedstatement"


@dataclass(frozen=True)
class StoredRow:
    """A statement's row: its id, its index once logged, and whether this call stored it."""

    pk: int
    index: int | None
    new: bool


@dataclass(frozen=True)
class PendingRow:
    """A stored row whose head is not yet logged (or whose index is not yet written)."""

    pk: int
    head: bytes
    kind: str


class Rows(Protocol):
    """The statements' rows, as the pipeline records them (rows_sql.py)."""

    def store(self, statements: Sequence[Statement]) -> list[StoredRow]:
        """Store these statements' rows in one transaction, keeping any row already stored
        under the same leaf hash: each one's row, in order."""
        ...

    def store_one(self, statement: Statement) -> StoredRow:
        """``store`` for one request thread, in a group commit with the others waiting."""
        ...

    def write_indices(self, placed: Sequence[tuple[int, int]]) -> None:
        """Give logged rows their indices: (row id, index) pairs, in one transaction."""
        ...

    def place_one(self, pk: int, index: int) -> None:
        """``write_indices`` for one request thread, in a group commit."""
        ...

    def pending(self, limit: int) -> list[PendingRow]:
        """Up to ``limit`` rows without an index, oldest first."""
        ...

    def referred(self, leaf_hash: str) -> Referred | None:
        """The logged statement stored under ``leaf_hash`` (hex), as the rules need it."""
        ...

    def withhold(self, notice_pk: int) -> None:
        """Empty the body of the statement the logged notice ``notice_pk`` names, and mark
        it withheld by that notice (withhold.py says when)."""
        ...


def row_fields(statement: Statement) -> dict[str, Any]:
    """The values of a statement's row, as Python values, by column (not the ids and index)."""
    head = statement.head
    about = head.subject if head.subject is not None else head.new_key
    return {
        "head": statement.head_bytes.decode("utf-8"),
        "body": statement.body,
        "author_key": head.author.text(),
        "author_fingerprint": fingerprint(head.author),
        "author_key_id": head.author.key_id.hex(),
        "kind": head.kind,
        "lang": head.lang,
        "signed_at": head.time,
        "refers": [r.line() for r in head.refers],
        "media": [{"sha256": m.sha256, "type": m.type, "size": m.size} for m in head.media],
        # A vouch's subject, or a rotation's new key: the key this statement is about.
        "subject_key_id": "" if about is None else about.key_id.hex(),
        "subject_fingerprint": "" if about is None else fingerprint(about),
    }
