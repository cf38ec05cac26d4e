"""Bringing the statements table back in step with the log after a crash, with no manual repair.

A statement's row is saved before its head is logged, and gets its index
after (publish.record_statement). A kill between those two steps leaves a
row without an index: either its head reached the log (the sequencer's batch
committed) or it did not (the batch was lost with the pool). Nobody was told
an index in either case. At start-up, before serving, the server gives every
such row its index: the one the log already holds, or a new one by logging
the head now. A withholding notice logged before the kill also takes its
effect then, as it would have.
"""

from __future__ import annotations

from firsthand.log.sequencer import Sequencer
from firsthand.web import runtime
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.publish import withhold_named


def reconcile_with_log(sequencer: Sequencer) -> int:
    """Give every row left without an index its place in the log; return how many."""
    reader = runtime.log().reader
    pending = list(PublishedStatement.objects.filter(index__isnull=True).order_by("pk"))
    for row in pending:
        index = reader.index_of(bytes.fromhex(row.leaf_hash))
        if index is None:
            index = sequencer.add(row.head.encode("utf-8")).index
        PublishedStatement.objects.filter(pk=row.pk, index__isnull=True).update(index=index)
        if row.kind == "withholding":
            withhold_named(row)
    return len(pending)
