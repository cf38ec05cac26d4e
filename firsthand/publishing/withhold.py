"""Withhold: carrying out a withholding notice, once the log holds it.

A withholding is a statement like any other: the operator signs a notice
(`firsthand withhold`, or the console) naming the statement by its leaf hash,
and the pipeline checks it (statements/rules.py: only the operator key, never a
notice, once) and logs it. Only after the notice is in the log is the body it
names emptied and never served again: a withholding is never silent. The head
stays in the log, so a copy of the body kept elsewhere still verifies. On
SQLite the body's bytes are also erased from the database's files (erasure.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from firsthand.publishing.rows import PendingRow, Rows


def carry_out(rows: Rows, logged: Iterable[PendingRow]) -> None:
    """Withhold what the withholding notices among these just-logged rows name."""
    for row in logged:
        carry_out_logged(rows, row.pk, row.kind)


def carry_out_logged(rows: Rows, pk: int, kind: str) -> None:
    """If the row ``pk`` just logged is a withholding notice, withhold what it names."""
    if kind == "withholding":
        rows.withhold(pk)
