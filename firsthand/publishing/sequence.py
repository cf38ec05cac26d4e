"""Sequence: a stored statement's head into the log, and its index back onto its row.

The log's sequencer (log/sequencer.py) takes heads, integrates them in
batches and answers each with its index once a checkpoint holding it is
durable. Here are the two ways the pipeline hands it heads:

- ``sequence_statement``: one statement of a request thread, in the process
  that runs the sequencer (routes.py, ``InProcess``);
- ``log_rows``: rows already stored, as a batch, then their indices in one
  transaction, then the withholdings among them (withhold.py). The sequencer
  process does this for the statements the web workers hand it
  (sequencer_process.py) and for the rows they stored (``sequence_pending_rows``),
  and `firsthand serve` does it at start for rows a crash left behind.

The log never holds an entry twice: a head already logged gets its first index
back (``duplicate``), so sending a statement again is safe.
"""

from __future__ import annotations

from collections.abc import Sequence

from firsthand.log.errors import LogError
from firsthand.log.sequencer import PoolFull, Sequenced, Sequencer
from firsthand.publishing import withhold
from firsthand.publishing.errors import Unavailable
from firsthand.publishing.rows import PendingRow, Rows
from firsthand.statements.format import Statement

WAIT_SECONDS = 30.0  # how long a request waits for its statement to be logged
BATCH = 4096  # pending rows logged at once


def sequence_statement(sequencer: Sequencer, statement: Statement) -> Sequenced:
    """Log the head; its index, a checkpoint covering it, and whether it was logged before."""
    try:
        return sequencer.submit(statement.head_bytes).wait(timeout=WAIT_SECONDS)
    except PoolFull as error:
        raise Unavailable("{error}", error=str(error), retry_after=1) from None
    except TimeoutError:
        raise Unavailable(
            "the log did not take the statement in time; send it again, "
            "it will not be logged twice",
            retry_after=5,
        ) from None
    except LogError as error:
        raise Unavailable(
            "the log could not take the statement now: {error}", error=str(error)
        ) from None


def log_rows(
    sequencer: Sequencer, rows: Rows, pending: Sequence[PendingRow], timeout: float
) -> list[Sequenced]:
    """Log the heads of stored rows now, give the rows their indices, and carry out the
    withholding notices among them; the result of each."""
    if not pending:
        return []
    tickets = sequencer.submit_many([row.head for row in pending])
    sequencer.wake()  # now: the caller, not the sequencer's own period, spaces the batches
    results = [ticket.wait(timeout) for ticket in tickets]
    rows.write_indices(
        [(row.pk, result.index) for row, result in zip(pending, results, strict=True)]
    )
    withhold.carry_out(rows, pending)
    return results


def sequence_pending_rows(sequencer: Sequencer, rows: Rows, limit: int = BATCH) -> list[int]:
    """Log the heads of up to ``limit`` rows without an index; the ids of the rows logged."""
    pending = rows.pending(limit)
    log_rows(sequencer, rows, pending, 60)
    return [row.pk for row in pending]


def sequence_pending(sequencer: Sequencer, rows: Rows, limit: int = BATCH) -> int:
    """Log the heads of up to ``limit`` rows without an index; return how many."""
    return len(sequence_pending_rows(sequencer, rows, limit))
