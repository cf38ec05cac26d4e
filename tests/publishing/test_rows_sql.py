"""The rows in plain SQL (publishing/rows_sql.py, listings.py) against the Django models whose
tables they write: a column added to a model and forgotten here fails here, not in a
statement stored without it."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection

from firsthand.log.note import Signer
from firsthand.publishing import listings, rows_sql
from firsthand.publishing.rows import STATEMENTS_TABLE, row_fields
from firsthand.statements.format import Media, Reference, sign_statement
from firsthand.web.api.models import (
    AuthorLabel,
    PublishedStatement,
    StatementMedia,
    StatementReference,
)


def test_the_rows_are_written_to_the_models_tables() -> None:
    assert PublishedStatement._meta.db_table == STATEMENTS_TABLE
    assert StatementMedia._meta.db_table == listings.MEDIA_TABLE
    assert StatementReference._meta.db_table == listings.REFERENCES_TABLE
    assert AuthorLabel._meta.db_table == listings.LABELS_TABLE


def test_every_column_of_a_statement_row_is_written() -> None:
    columns = [f.column for f in PublishedStatement._meta.concrete_fields if not f.primary_key]
    assert sorted(rows_sql.COLUMNS) == sorted(columns)


def test_each_value_is_converted_as_djangos_own_insert_would(database: None) -> None:
    statement = sign_statement(
        Signer.generate("rows.example"),
        "A statement with every field.\n",
        kind="correction",
        refers=[Reference("leaf", "ab" * 32)],
        media=[Media("cd" * 32, "image/jpeg", 1234)],
    )
    row = {
        "leaf_hash": statement.leaf_hash.hex(),
        **row_fields(statement),
        "index": None,
        "withheld_by_id": None,
        "received_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    fields = {f.column: f for f in PublishedStatement._meta.concrete_fields}
    for column in rows_sql.COLUMNS:
        ours = rows_sql._adapt(column, row[column])
        djangos = fields[column].get_db_prep_save(row[column], connection)
        assert type(ours) is type(djangos), column
        assert str(getattr(ours, "obj", ours)) == str(getattr(djangos, "obj", djangos)), column


def test_names_that_differ_only_in_case_share_a_folded_skeleton() -> None:
    exact, folded = listings.skeleton_hashes("Rana")
    assert listings.skeleton_hashes("RANA")[1] == folded  # case folded: looks alike to a reader
    assert exact != listings.skeleton_hashes("RANA")[0]
