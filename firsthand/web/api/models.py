"""What the site keeps about each published statement, beside the log itself.

The log holds only signed heads; this table holds the body, and the head's
fields indexed for the author pages. A row is written before its head is
submitted (index NULL) and gets its index once the log has sequenced it, so a
crash in between leaves a row that the next submission of the same statement
completes. Nothing here names the client that sent it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models


class PublishedStatement(models.Model):
    leaf_hash: models.CharField[str, str] = models.CharField(
        max_length=64, unique=True
    )  # hex RFC 6962 leaf hash of the head
    index: models.BigIntegerField[int | None, int | None] = models.BigIntegerField(
        null=True, unique=True
    )  # set once the log has sequenced it
    head: models.TextField[str, str] = models.TextField()  # the signed head, as logged
    body: models.TextField[str, str] = models.TextField()
    author_key: models.TextField[str, str] = (
        models.TextField()
    )  # verifier key text: name+hhhhhhhh+base64
    # The author's identity: SHA-256 of the public key alone (statements/identity.py).
    author_fingerprint: models.CharField[str, str] = models.CharField(max_length=64)
    # The C2SP key ID (32 bits over name and key): a hint, kept only so that an old
    # /authors/<key ID> link can list the keys it may mean. Never an identity.
    author_key_id: models.CharField[str, str] = models.CharField(max_length=8, db_index=True)
    kind: models.CharField[str, str] = models.CharField(max_length=20, db_index=True)
    lang: models.CharField[str, str] = models.CharField(max_length=35)
    signed_at: models.DateTimeField[datetime, datetime] = (
        models.DateTimeField()
    )  # the head's time line: the author's claim
    refers = models.JSONField(default=list)  # ["leaf:<hex>" | "text:<hex>", ...]
    media = models.JSONField(default=list)  # [{"sha256", "type", "size"}, ...]
    # The key a vouch is about, or a rotation's new key: its key ID (a hint, as above) and
    # its fingerprint, so an author page can list the vouches and rotations it received.
    subject_key_id: models.CharField[str, str] = models.CharField(
        max_length=8, blank=True, default="", db_index=True
    )
    subject_fingerprint: models.CharField[str, str] = models.CharField(
        max_length=64, blank=True, default=""
    )
    received_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)
    # The operator's logged withholding notice for this statement, if any. Its body
    # is then erased here and never served; the head stays in the log.
    withheld_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="withholds"
    )

    class Meta:
        indexes = (
            # The rows still waiting for their log index: the sequencer's query every batch.
            # A partial index holds only them, so that query stays instant at any table size,
            # whatever the planner's statistics say after a bulk load.
            models.Index(
                fields=["id"], name="statement_awaiting_index", condition=models.Q(index=None)
            ),
            # Named, not db_index=True, so that migration 0007 adds them without making
            # SQLite copy the table (which would drop the search triggers).
            models.Index(fields=["author_fingerprint"], name="statement_author"),
            models.Index(fields=["subject_fingerprint"], name="statement_subject"),
        )

    def __str__(self) -> str:
        return f"statement {self.index} ({self.kind}) by {self.author_fingerprint[:16]}"


class AuthorLabel(models.Model):
    """A name an author's key carries, or a display name its profile gave, with its skeleton.

    Written when a statement is stored, once per (author, label). Names are the
    author's to choose, so two authors may choose names that look alike; their
    Unicode TR39 skeletons (statements.identity.skeleton) are equal then, and this
    table finds the other authors an author page must warn about with one lookup.
    """

    fingerprint: models.CharField[str, str] = models.CharField(max_length=64)
    label: models.TextField[str, str] = models.TextField()
    # SHA-256 (hex) of the label and of its skeleton: a key name has no length limit of
    # its own, and an index over hashes takes any label (PostgreSQL's btree does not).
    label_hash: models.CharField[str, str] = models.CharField(max_length=64)
    skeleton_hash: models.CharField[str, str] = models.CharField(max_length=64)
    # The same of its case-folded skeleton: "RANA" looks like "Rana" to a reader, not to TR39.
    folded_skeleton_hash: models.CharField[str, str] = models.CharField(max_length=64)
    is_display_name: models.BooleanField[bool, bool] = models.BooleanField(default=False)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["fingerprint", "label_hash"], name="author_label_once"),
        )
        indexes = (
            models.Index(fields=["skeleton_hash"], name="author_label_skeleton"),
            models.Index(fields=["folded_skeleton_hash"], name="author_label_folded"),
        )

    def __str__(self) -> str:
        return f"{self.label!r} of {self.fingerprint[:16]}"


# A statement's media and references, one row each, so that "which statements list this
# file" and "which statements refer to this one" are index lookups rather than text scans
# of the JSON columns above. Written with the statement's row (publishing/listings.py) and
# never changed: the head lists them for good, and withholding is decided by withheld_by.


class StatementMedia(models.Model):
    """A media file a statement's head lists (``media sha256:<hex> ...``)."""

    # No index of its own on statement: the unique constraint's index starts with it.
    statement: models.ForeignKey[PublishedStatement, PublishedStatement] = models.ForeignKey(
        PublishedStatement, on_delete=models.CASCADE, related_name="listed_media", db_index=False
    )
    sha256: models.CharField[str, str] = models.CharField(max_length=64)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["statement", "sha256"], name="statement_media_once"),
        )
        # Named here rather than db_index=True, which on PostgreSQL adds a second, LIKE
        # index (varchar_pattern_ops) that an equality lookup by hash never needs.
        indexes = (models.Index(fields=["sha256"], name="statement_media_hash"),)

    def __str__(self) -> str:
        return f"media {self.sha256} of row {self.statement_id}"  # type: ignore[attr-defined]


class StatementReference(models.Model):
    """What a statement's head refers to: an earlier statement (``leaf``) or a text (``text``)."""

    statement: models.ForeignKey[PublishedStatement, PublishedStatement] = models.ForeignKey(
        PublishedStatement, on_delete=models.CASCADE, related_name="references", db_index=False
    )
    kind: models.CharField[str, str] = models.CharField(max_length=4)  # "leaf" | "text"
    sha256: models.CharField[str, str] = models.CharField(max_length=64)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["statement", "kind", "sha256"], name="statement_reference_once"
            ),
        )
        indexes = (models.Index(fields=["kind", "sha256"], name="statement_reference_target"),)

    def __str__(self) -> str:
        return f"{self.kind}:{self.sha256} from row {self.statement_id}"  # type: ignore[attr-defined]


def statement_at(index: int) -> PublishedStatement | None:
    """The logged statement at ``index``, if any (statement pages, the API, bundles).

    Written out once instead of built by the ORM on every call: on a statement
    page, compiling the query cost ten times as much as running it, and even
    raw() spent 170 us a row mapping its columns to the model's. The values
    go through the same converters the ORM applies (dates, JSON).
    """
    if not 0 <= index <= _LARGEST_INDEX:  # no such row, and SQLite cannot even take the number
        return None
    found = statements_selected(f"FROM {_table()} s WHERE s.{quoted('index')} = %s", [index])
    return found[0] if found else None


def statements_selected(tail: str, params: Sequence[object]) -> list[PublishedStatement]:
    """The statements ``SELECT <each column of s> <tail>`` finds, ``s`` being the
    statements table in ``tail``: a query written out once, for the pages' hot paths."""
    columns, converters = _columns(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} {tail}", params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for position, functions, column in converters:
            for convert in functions:
                values[position] = convert(values[position], column, connection)
        found.append(PublishedStatement.from_db(connection.alias, None, values))
    return found


_LARGEST_INDEX = 2**63 - 1  # a BigIntegerField, as the ORM's lookup bounds it
_Converters = list[tuple[int, list[Any], Any]]


def _table() -> str:
    return quoted(PublishedStatement._meta.db_table)


@functools.cache
def _columns(vendor: str) -> tuple[str, _Converters]:
    """Every column of the model, in its order, as ``s.<column>``, and each one's converters."""
    meta = PublishedStatement._meta
    fields = meta.concrete_fields
    columns = ", ".join(f"s.{quoted(f.column)}" for f in fields)
    converters: _Converters = []
    for position, field in enumerate(fields):
        column = field.get_col(meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((position, functions, column))
    return columns, converters


def quoted(name: str) -> str:
    """A table or column name quoted for this database."""
    return str(connection.ops.quote_name(name))
