"""`firsthand sequencer`: the one process that logs statements for many web workers.

Web workers (`firsthand serve --workers N` starts this process beside them,
or `--sequencer external`) take statements; this process holds the log's
sequencer lock and logs them in batches at most one ``--period`` apart. A
second `firsthand sequencer` waits as a hot standby and takes over within a
second of the first one's death.

On SQLite the lock is an flock beside the database, and the workers write
nothing: they hand statements to this process over its intake socket
(web/api/intake.py), and it is the file's one writer. Every process must
then run on the machine that holds the data directory.

On PostgreSQL the lock is an advisory lock. Workers on this machine with
FIRSTHAND_INTAKE (those `firsthand serve --workers N` starts) use the intake
socket too; workers anywhere else store each statement's row and NOTIFY, and
this process logs the pending rows, writes their indices and NOTIFYs them
back. It does both, one batch at a time, so no row is logged by both ways.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from firsthand.log.sequencer import Sequencer

STANDBY_PERIOD = 1.0  # seconds between a standby's attempts to take the lock


def start_sequencing(period: float, witness_timeout: float) -> None:
    """Start this process's sequencer and log what a crash left unlogged (firsthand serve)."""
    from firsthand.web import runtime
    from firsthand.web.api.sequencing import sequence_pending

    sequencer = runtime.start_sequencer(period, witness_timeout)
    caught_up = 0
    while done := sequence_pending(sequencer):
        caught_up += done
    if caught_up:
        print(f"{caught_up} statement(s) stored before a crash now have their log index")
    for witness in runtime.witnesses():
        print(f"witness {witness.verifier.name} at {witness.url}", flush=True)


def cmd_sequencer(args: argparse.Namespace) -> int:
    from firsthand.cli.common import setup_django

    setup_django(args)
    from django.conf import settings
    from django.core.management import call_command

    from firsthand.web import runtime

    settings.FIRSTHAND_SEQUENCER = "here"  # whatever the environment says: this is it
    if args.witness:
        settings.FIRSTHAND_WITNESSES = args.witness
    if args.export_tiles:
        settings.FIRSTHAND_TILES_EXPORT = args.export_tiles
    call_command("migrate", interactive=False, verbosity=0)
    storage: Any = runtime.log().storage
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lock = storage.try_sequencer_lock()
    if lock is None:
        print("standing by: another sequencer holds this log's lock", flush=True)
    while lock is None and not stopping.wait(STANDBY_PERIOD):
        lock = storage.try_sequencer_lock()
    if lock is None:
        return 0
    with lock:
        # The edge is read from storage now, under the lock: what a dead predecessor logged.
        start_sequencing(args.period, args.witness_timeout)
        sequencer = runtime.sequencer()
        assert sequencer is not None
        print(f"sequencing {runtime.log().signer.name} at size {sequencer.size}", flush=True)
        try:
            if settings.FIRSTHAND_DATABASE_URL:
                one_batch_at_a_time = threading.Lock()
                intake = threading.Thread(
                    target=_take_statements,
                    args=(sequencer, args.period, stopping, one_batch_at_a_time),
                    name="intake",
                    daemon=True,
                )
                intake.start()
                try:
                    _log_pending_rows(
                        sequencer,
                        settings.FIRSTHAND_DATABASE_URL,
                        args.period,
                        stopping,
                        one_batch_at_a_time,
                    )
                finally:
                    stopping.set()
                    intake.join(timeout=10)
            else:
                _take_statements(sequencer, args.period, stopping)
        finally:
            runtime.stop_sequencer()
    return 0


def _log_pending_rows(
    sequencer: Sequencer,
    url: str,
    period: float,
    stopping: threading.Event,
    one_batch_at_a_time: threading.Lock,
) -> None:
    """PostgreSQL: log the rows the workers stored, woken by their NOTIFY."""
    import psycopg

    from firsthand.web.api.sequencing import (
        PENDING,
        SEQUENCED,
        notify,
        row_ids_payload,
        sequence_pending_rows,
    )

    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {PENDING}")
        next_batch = 0.0
        while not stopping.is_set():
            # One batch a period at most: under load a batch holds what came meanwhile.
            if (pause := next_batch - time.monotonic()) > 0:
                time.sleep(pause)
            next_batch = time.monotonic() + period
            with one_batch_at_a_time:  # an intake batch's rows are pending until it ends
                logged = sequence_pending_rows(sequencer)
            if logged:
                notify(SEQUENCED, row_ids_payload(logged))
                continue
            for _ in listener.notifies(timeout=STANDBY_PERIOD, stop_after=1):
                pass


def _take_statements(
    sequencer: Sequencer,
    period: float,
    stopping: threading.Event,
    one_batch_at_a_time: threading.Lock | None = None,
) -> None:
    """Store and log what the workers hand over the intake socket."""
    from django.conf import settings
    from django.db import close_old_connections, connection

    from firsthand.web.api.intake import IntakeServer, socket_path
    from firsthand.web.api.publish import record_files

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


def add_commands(commands: Any) -> None:
    from firsthand.cli.common import add_data_option

    p = commands.add_parser(
        "sequencer",
        help="log statements for many web workers; a second one stands by",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    add_data_option(p)
    p.add_argument("--period", type=float, default=0.05, help="seconds between batches")
    p.add_argument("--witness", action="append", metavar="URL=KEY", help="as for serve")
    p.add_argument("--witness-timeout", type=float, default=10.0)
    p.add_argument(
        "--export-tiles",
        metavar="DIR|s3://BUCKET/PREFIX",
        default=os.environ.get("FIRSTHAND_TILES_EXPORT", ""),
        help="as for serve: also write the tlog-tiles files there after each batch",
    )
    p.set_defaults(func=cmd_sequencer)
