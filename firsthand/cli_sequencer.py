"""`firsthand sequencer`: the one process that logs statements for many web workers.

Web workers (`firsthand serve --workers N`, or `--sequencer external`) store
each statement and wake the sequencer; this process takes the log's sequencer
lock, logs what is pending in batches at most one ``--period`` apart, writes
the indices back and wakes the workers. A second `firsthand sequencer` waits
as a hot standby and takes over within a second of the first one's death.
On PostgreSQL the lock is an advisory lock and the wake-ups are NOTIFY; on
SQLite, an flock beside the database and datagrams (web/api/wakeup.py), so
every process must run on the machine that holds the data directory.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Protocol

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


class _WakeUps(Protocol):
    def wait(self, timeout: float) -> None: ...


@contextmanager
def _wake_ups(url: str) -> Iterator[_WakeUps]:
    """What wakes the sequencer when a worker has stored a row: LISTEN on PostgreSQL,
    the sequencer's mailbox socket on SQLite. Taken only once the lock is held."""
    from firsthand.web.api.sequencing import PENDING

    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as listener:
            listener.execute(f"LISTEN {PENDING}")

            class Listening:
                def wait(self, timeout: float) -> None:
                    for _ in listener.notifies(timeout=timeout, stop_after=1):
                        pass

            yield Listening()
        return
    from django.conf import settings

    from firsthand.web.api import wakeup

    with wakeup.Mailbox(wakeup.run_directory(settings.DATA_DIR) / wakeup.SEQUENCER) as mailbox:

        class Reading:
            def wait(self, timeout: float) -> None:
                mailbox.receive(timeout)

        yield Reading()


def cmd_sequencer(args: argparse.Namespace) -> int:
    from firsthand.cli import setup_django

    setup_django(args)
    from django.conf import settings
    from django.core.management import call_command

    from firsthand.web import runtime
    from firsthand.web.api.sequencing import (
        SEQUENCED,
        notify,
        row_ids_payload,
        sequence_pending_rows,
    )

    if args.witness:
        settings.FIRSTHAND_WITNESSES = args.witness
    if args.export_tiles:
        settings.FIRSTHAND_TILES_EXPORT = args.export_tiles
    call_command("migrate", interactive=False, verbosity=0)
    storage: Any = runtime.log().storage
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lock = storage.try_sequencer_lock()
    if lock is None:
        print("standing by: another sequencer holds this log's lock", flush=True)
    while lock is None and not stopping:
        time.sleep(STANDBY_PERIOD)
        lock = storage.try_sequencer_lock()
    if lock is None:
        return 0
    with lock, _wake_ups(settings.FIRSTHAND_DATABASE_URL) as wake_ups:
        # The edge is read from storage now, under the lock: what a dead predecessor logged.
        start_sequencing(args.period, args.witness_timeout)
        sequencer = runtime.sequencer()
        assert sequencer is not None
        print(f"sequencing {runtime.log().signer.name} at size {sequencer.size}", flush=True)
        next_batch = 0.0
        while not stopping:
            # One batch a period at most: under load a batch holds what came meanwhile.
            if (pause := next_batch - time.monotonic()) > 0:
                time.sleep(pause)
            next_batch = time.monotonic() + args.period
            if logged := sequence_pending_rows(sequencer):
                notify(SEQUENCED, row_ids_payload(logged))
                continue
            wake_ups.wait(STANDBY_PERIOD)
        runtime.stop_sequencer()
    return 0


def add_commands(commands: Any) -> None:
    from firsthand.cli import add_data_option

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
