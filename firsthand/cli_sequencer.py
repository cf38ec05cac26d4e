"""`firsthand sequencer`: the one process that logs statements for many web workers.

On PostgreSQL, web workers started with `firsthand serve --sequencer external`
store each statement and NOTIFY; this process takes the log's sequencer lock
(a PostgreSQL advisory lock), logs what is pending in batches, writes the
indices back and NOTIFYs the workers. A second `firsthand sequencer` waits as a
hot standby and takes over within a second of the first one's death.
"""

from __future__ import annotations

import argparse
import signal
import time
from types import FrameType
from typing import Any

STANDBY_PERIOD = 1.0  # seconds between a standby's attempts to take the lock


class SequencerCommandError(Exception):
    """The sequencer cannot run here; the message says why."""


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
    from firsthand.cli import setup_django

    setup_django(args)
    import psycopg
    from django.conf import settings
    from django.core.management import call_command

    from firsthand.web import runtime
    from firsthand.web.api.sequencing import (
        PENDING,
        SEQUENCED,
        notify,
        row_ids_payload,
        sequence_pending_rows,
    )

    url = settings.FIRSTHAND_DATABASE_URL
    if not url:
        raise SequencerCommandError(
            "the sequencer runs apart from the web workers only on PostgreSQL: set "
            "FIRSTHAND_DATABASE_URL (with SQLite, `firsthand serve` logs what it receives)"
        )
    if args.witness:
        settings.FIRSTHAND_WITNESSES = args.witness
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
    with lock, psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {PENDING}")
        # The edge is read from storage now, under the lock: what a dead predecessor logged.
        start_sequencing(args.period, args.witness_timeout)
        sequencer = runtime.sequencer()
        assert sequencer is not None
        print(f"sequencing {runtime.log().signer.name} at size {sequencer.size}", flush=True)
        while not stopping:
            if logged := sequence_pending_rows(sequencer):
                notify(SEQUENCED, row_ids_payload(logged))
                continue
            for _ in listener.notifies(timeout=STANDBY_PERIOD, stop_after=1):
                pass
        runtime.stop_sequencer()
    return 0


def add_commands(commands: Any) -> None:
    from firsthand.cli import add_data_option

    p = commands.add_parser(
        "sequencer",
        help="log statements for many web workers (PostgreSQL); a second one stands by",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    add_data_option(p)
    p.add_argument("--period", type=float, default=0.05, help="seconds between batches")
    p.add_argument("--witness", action="append", metavar="URL=KEY", help="as for serve")
    p.add_argument("--witness-timeout", type=float, default=10.0)
    p.set_defaults(func=cmd_sequencer)
