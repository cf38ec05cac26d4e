"""What `firsthand sequencer` runs: the one process that logs statements for many web workers.

It holds the log's sequencer lock (an flock beside a SQLite database, an
advisory lock on PostgreSQL) and logs in batches at most one period apart; a
second one stands by and takes over within a second of the first one's death.
Statements reach it by two of the routes of routes.py:

- the intake socket (intake.py): workers on this machine hand it statement
  files, and ``record_files`` stores their rows, logs their heads and writes
  their indices for a whole batch, in one thread. On SQLite this makes it the
  database file's one writer;
- rows and NOTIFY (notify.py), on PostgreSQL: workers anywhere store rows, and
  ``log_pending_rows`` logs them, writes their indices and NOTIFYs them back.

On PostgreSQL it serves both, one batch at a time, so no row is logged twice.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from firsthand.log.errors import LogError
from firsthand.log.sequencer import Sequencer
from firsthand.publishing import process
from firsthand.publishing.intake import IntakeServer, socket_path
from firsthand.publishing.notify import PENDING, SEQUENCED, notify, row_ids_payload
from firsthand.publishing.rows import PendingRow
from firsthand.publishing.sequence import (
    WAIT_SECONDS,
    log_rows,
    sequence_pending,
    sequence_pending_rows,
)
from firsthand.statements.format import Statement, read_statement

STANDBY_PERIOD = 1.0  # seconds between a standby's attempts to take the lock


def start_sequencing(period: float, witness_timeout: float) -> None:
    """Start this process's sequencer and log what a crash left unlogged (`firsthand serve`
    and `firsthand sequencer`)."""
    sequencer = process.start_sequencer(period, witness_timeout)
    caught_up = 0
    while done := sequence_pending(sequencer, process.rows()):
        caught_up += done
    if caught_up:
        print(f"{caught_up} statement(s) stored before a crash now have their log index")
    for witness in process.witnesses():
        print(f"witness {witness.verifier.name} at {witness.url}", flush=True)


def run(period: float, witness_timeout: float, stopping: threading.Event) -> None:
    """Take the log's sequencer lock (or stand by for it) and log until ``stopping``."""
    storage: Any = process.log().storage
    lock = storage.try_sequencer_lock()
    if lock is None:
        print("standing by: another sequencer holds this log's lock", flush=True)
    while lock is None and not stopping.wait(STANDBY_PERIOD):
        lock = storage.try_sequencer_lock()
    if lock is None:
        return
    with lock:
        # The edge is read from storage now, under the lock: what a dead predecessor logged.
        start_sequencing(period, witness_timeout)
        sequencer = process.sequencer()
        assert sequencer is not None
        print(f"sequencing {process.log().signer.name} at size {sequencer.size}", flush=True)
        try:
            if process.on_postgresql():
                _serve_both(sequencer, period, stopping)
            else:
                take_statements(sequencer, period, stopping)
        finally:
            process.stop_sequencer()


def _serve_both(sequencer: Sequencer, period: float, stopping: threading.Event) -> None:
    one_batch_at_a_time = threading.Lock()
    intake = threading.Thread(
        target=take_statements,
        args=(sequencer, period, stopping, one_batch_at_a_time),
        name="intake",
        daemon=True,
    )
    intake.start()
    try:
        log_pending_rows(
            sequencer, settings.FIRSTHAND_DATABASE_URL, period, stopping, one_batch_at_a_time
        )
    finally:
        stopping.set()
        intake.join(timeout=10)


def log_pending_rows(
    sequencer: Sequencer,
    url: str,
    period: float,
    stopping: threading.Event,
    one_batch_at_a_time: threading.Lock,
) -> None:
    """PostgreSQL: log the rows the workers stored, woken by their NOTIFY."""
    import psycopg

    rows = process.rows()
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {PENDING}")
        next_batch = 0.0
        while not stopping.is_set():
            # One batch a period at most: under load a batch holds what came meanwhile.
            if (pause := next_batch - time.monotonic()) > 0:
                time.sleep(pause)
            next_batch = time.monotonic() + period
            with one_batch_at_a_time:  # an intake batch's rows are pending until it ends
                logged = sequence_pending_rows(sequencer, rows)
            if logged:
                notify(SEQUENCED, row_ids_payload(logged))
                continue
            for _ in listener.notifies(timeout=STANDBY_PERIOD, stop_after=1):
                pass


def take_statements(
    sequencer: Sequencer,
    period: float,
    stopping: threading.Event,
    one_batch_at_a_time: threading.Lock | None = None,
) -> None:
    """Store and log what the workers hand over the intake socket."""

    def record(files: list[bytes]) -> list[dict[str, Any]]:
        # As Django does around each request: a connection that broke (a dropped idle
        # PostgreSQL session, a failover) is replaced instead of failing every later batch.
        close_old_connections()
        try:
            if one_batch_at_a_time is None:
                return record_files(files)
            with one_batch_at_a_time:
                return record_files(files)
        finally:
            close_old_connections()

    server = IntakeServer(socket_path(settings.DATA_DIR), record, period)
    try:
        server.serve(stopping.is_set)
    finally:
        server.close()
        connection.close()  # this thread's own, on PostgreSQL


def record_files(files: list[bytes]) -> list[dict[str, Any]]:
    """The sequencer's side of intake.py: what a worker's route would do for one statement
    (routes.py), for every statement a batch of web workers sent, in one thread. An answer
    for each file."""
    answers: list[dict[str, Any]] = [{} for _ in files]
    statements: list[tuple[int, Statement]] = []
    for position, data in enumerate(files):
        try:
            statements.append((position, read_statement(data)))
        except LogError as error:  # a worker checked it: only a clock gone back can do this
            answers[position] = {"status": 400, "error": str(error)}
    if not statements:
        return answers
    sequencer = process.sequencer()
    if sequencer is None:
        raise LogError("this process does not run the log's sequencer")
    rows = process.rows()
    stored = rows.store([statement for _, statement in statements])
    unlogged = [k for k, row in enumerate(stored) if row.index is None]
    logged = process.log().reader.latest().note if len(unlogged) < len(stored) else b""
    pending = [
        PendingRow(stored[k].pk, statements[k][1].head_bytes, statements[k][1].head.kind)
        for k in unlogged
    ]
    results = dict(zip(unlogged, log_rows(sequencer, rows, pending, WAIT_SECONDS), strict=True))
    if pending and connection.vendor == "postgresql":
        # A worker on another machine may have stored one of these too, and waits to hear.
        notify(SEQUENCED, row_ids_payload([row.pk for row in pending]))
    for k, ((position, _), row) in enumerate(zip(statements, stored, strict=True)):
        if k in results:
            result = results[k]
            answer = (result.index, result.checkpoint.note, row.new and not result.duplicate)
        else:
            assert row.index is not None
            answer = (row.index, logged, False)
        answers[position] = {
            "index": answer[0], "checkpoint": answer[1].decode("utf-8"), "new": answer[2]
        }  # fmt: skip
    return answers
