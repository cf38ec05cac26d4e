"""What a stored statement lists, written beside its row for lookups by hash.

- its media and its references, one row each (``api_statementmedia``,
  ``api_statementreference``), so that "which statements list this file" and
  "which statements refer to this one" are index lookups rather than scans of
  the row's JSON columns;
- the names its author carries (``api_authorlabel``: key names, a profile's
  display name) with their Unicode TR39 skeletons, so an author page finds the
  other authors whose names look alike with one lookup.

The tables are Django's (web/api/models.py: StatementMedia, StatementReference,
AuthorLabel); the rows are written here in plain SQL, in the transaction that
stores the statements (rows_sql.py). Each is safe to write twice, as two
processes storing the same statement at once do: a row already there is kept.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from firsthand.statements.format import Head
from firsthand.statements.identity import fingerprint, skeletons

MEDIA_TABLE = "api_statementmedia"
REFERENCES_TABLE = "api_statementreference"
LABELS_TABLE = "api_authorlabel"
_ROWS_PER_INSERT = 2000  # SQLite takes at most 32,766 parameters a statement

Contents = tuple[int, list[str], list[dict[str, Any]]]  # (row id, refers, media) of one row


def list_contents(rows: Iterable[Contents]) -> None:
    """Write the media and reference rows of statements already stored, each listed once."""
    media: dict[tuple[int, str], tuple[int, str]] = {}
    references: dict[tuple[int, str], tuple[int, str, str]] = {}
    for pk, refers, listed in rows:
        for item in listed:
            sha256 = item.get("sha256") if isinstance(item, dict) else None
            if isinstance(sha256, str):
                media[pk, sha256] = (pk, sha256)
        for line in refers:
            kind, _, sha256 = line.partition(":")
            references[pk, line] = (pk, kind, sha256)
    _insert(MEDIA_TABLE, ("statement_id", "sha256"), list(media.values()))
    _insert(REFERENCES_TABLE, ("statement_id", "kind", "sha256"), list(references.values()))


# (fingerprint, label) pairs this process has listed: an author signs many statements
# under one name, and each would otherwise cost an INSERT that changes nothing.
_LISTED_LABELS: OrderedDict[tuple[str, str], None] = OrderedDict()
_LISTED_LABELS_KEPT = 65536
_LABEL_COLUMNS = (
    "fingerprint", "label", "label_hash", "skeleton_hash", "folded_skeleton_hash",
    "is_display_name",
)  # fmt: skip


def list_labels(heads: Iterable[Head]) -> None:
    """List the names these statements' authors carry (key names, profiles' display names)."""
    new: dict[tuple[str, str], tuple[str, str, str, str, str, bool]] = {}
    for head in heads:
        author = fingerprint(head.author)
        names = [(head.author.name, False)]
        if head.name is not None:
            names.append((head.name, True))
        for label, is_display_name in names:
            pair = (author, label)
            if pair in _LISTED_LABELS or pair in new:
                continue
            exact, folded = skeleton_hashes(label)
            label_hash = hashlib.sha256(label.encode("utf-8")).hexdigest()
            new[pair] = (author, label, label_hash, exact, folded, is_display_name)
    if not new:
        return
    _insert(LABELS_TABLE, _LABEL_COLUMNS, list(new.values()))

    def remember() -> None:  # only once stored: a rolled-back pair is listed again next time
        for pair in new:
            _LISTED_LABELS[pair] = None
        while len(_LISTED_LABELS) > _LISTED_LABELS_KEPT:
            _LISTED_LABELS.popitem(last=False)

    transaction.on_commit(remember)


def forget_listed_labels() -> None:
    """Forget which labels this process listed (a test that empties the tables)."""
    _LISTED_LABELS.clear()


def skeleton_hashes(label: str) -> tuple[str, str]:
    """SHA-256 (hex) of the label's skeleton and of its case-folded skeleton
    (statements.identity.skeletons): names that look alike share one of them."""
    exact, folded = skeletons(label)
    return (
        hashlib.sha256(exact.encode("utf-8")).hexdigest(),
        hashlib.sha256(folded.encode("utf-8")).hexdigest(),
    )


def _insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    names = ", ".join(f'"{column}"' for column in columns)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            part = rows[start : start + _ROWS_PER_INSERT]
            cursor.execute(
                f'INSERT INTO "{table}" ({names}) VALUES {", ".join([row] * len(part))} '
                "ON CONFLICT DO NOTHING",
                [value for values in part for value in values],
            )
