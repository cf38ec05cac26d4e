"""The three routes from an accepted statement to the log's one sequencer, behind one interface.

A ``Route`` takes a checked statement and answers once its head is durably
logged, with its index and a checkpoint that holds it. Which route a process
takes is configuration (``route_here``):

- ``InProcess``: this process runs the sequencer (`firsthand serve` with one
  worker). The row is stored by group commit, the head is submitted, and the
  index is written back by group commit.
- ``ThroughIntake``: the sequencer is `firsthand sequencer` on this machine
  (`serve --workers N`; always on SQLite, whose one writer it is). The worker
  hands it the statement file over a Unix socket (intake.py) and it does all of
  the above for every statement that came meanwhile (sequencer_process.py).
- ``RowsAndNotify``: PostgreSQL, the sequencer possibly on another machine.
  The worker stores the row (its group NOTIFYs the sequencer) and waits, woken
  by LISTEN, until the sequencer has written the row's index (notify.py).

On PostgreSQL a worker with the intake socket falls back to rows and NOTIFY
when the socket is not there: the sequencer is being started again, or stands
by for one elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from firsthand.log.sequencer import Sequencer
from firsthand.publishing import process, withhold
from firsthand.publishing.errors import PublishingError, Unavailable
from firsthand.publishing.intake import IntakeClient, IntakeUnavailable
from firsthand.publishing.notify import PENDING, SequencedWaiter, notify
from firsthand.publishing.rows import Rows
from firsthand.publishing.sequence import WAIT_SECONDS, sequence_statement
from firsthand.statements.format import Statement


class Published(NamedTuple):
    """The answer: the statement's index, a checkpoint note holding it, whether it is new
    (False: it was logged before, and ``index`` is its first index)."""

    index: int  # type: ignore[assignment]  # the log's word; tuple.index() is not needed here
    checkpoint: bytes
    new: bool


class Route(Protocol):
    """How a checked statement reaches the sequencer, and its answer comes back."""

    def log(self, statement: Statement) -> Published:
        """Record the statement and log its head; raise PublishingError if the log cannot
        take it now (sending it again is always safe)."""
        ...


@dataclass(frozen=True)
class InProcess:
    """The sequencer runs in this process."""

    sequencer: Sequencer
    rows: Rows

    def log(self, statement: Statement) -> Published:
        stored = self.rows.store_one(statement)
        if stored.index is not None:
            return Published(stored.index, process.log().reader.latest().note, False)
        result = sequence_statement(self.sequencer, statement)
        self.rows.place_one(stored.pk, result.index)
        withhold.carry_out_logged(self.rows, stored.pk, statement.head.kind)
        return Published(result.index, result.checkpoint.note, not result.duplicate)


@dataclass(frozen=True)
class RowsAndNotify:
    """PostgreSQL: store the row for `firsthand sequencer`, wherever it runs, and wait."""

    rows: Rows
    waiter: Callable[[], SequencedWaiter] = process.sequenced_waiter  # its LISTEN, on first use

    def log(self, statement: Statement) -> Published:
        stored = self.rows.store_one(statement)
        if stored.index is not None:
            return Published(stored.index, process.log().reader.latest().note, False)
        if not stored.new:
            notify(PENDING)  # an old row: wake the sequencer (a new row's group commit has)
        waiter = self.waiter()
        index = waiter.wait_for_index(stored.pk, WAIT_SECONDS)
        if index is None:
            raise Unavailable(
                "the log's sequencer did not take the statement in time; send it again, "
                "it will not be logged twice",
                retry_after=5,
            )
        # The checkpoint the waiter read when it woke us holds the entry: no query of our own.
        checkpoint = waiter.checkpoint_holding(index)
        if checkpoint is None:
            checkpoint = process.log().reader.latest()
        return Published(index, checkpoint.note, stored.new)


@dataclass(frozen=True)
class ThroughIntake:
    """Hand the statement file to `firsthand sequencer` on this machine (intake.py)."""

    client: IntakeClient
    fallback: Route | None  # PostgreSQL: rows and NOTIFY, when the socket is not there

    def log(self, statement: Statement) -> Published:
        try:
            recorded = self.client.record(statement.file_bytes(), WAIT_SECONDS)
        except IntakeUnavailable as error:
            if error.status != 503:
                raise PublishingError("{error}", error=str(error), status=error.status) from None
            if self.fallback is None:
                raise Unavailable(
                    "the log's sequencer could not take the statement ({error}); send it "
                    "again, it will not be logged twice",
                    error=str(error),
                    retry_after=5,
                ) from None
            # Store the row for whichever sequencer holds the log's lock (idempotent: a
            # statement the socket did take is found by its leaf hash).
            return self.fallback.log(statement)
        return Published(recorded.index, recorded.checkpoint, recorded.new)


def route_here(sequencer: Sequencer | None) -> Route:
    """The route this process's configuration sets: its own ``sequencer`` if it has one,
    else the intake socket where there is one (process.intake), else rows and NOTIFY."""
    rows = process.rows()
    if sequencer is not None:
        return InProcess(sequencer, rows)
    fallback = RowsAndNotify(rows)
    intake = process.intake()
    if intake is not None:
        return ThroughIntake(intake, fallback if process.on_postgresql() else None)
    return fallback
