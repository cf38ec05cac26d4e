"""`firsthand sequencer`: the one process that logs statements for many web workers.

Web workers (`firsthand serve --workers N` starts this process beside them,
or `--sequencer external`) take statements; this process holds the log's
sequencer lock and logs them in batches at most one ``--period`` apart. A
second `firsthand sequencer` waits as a hot standby and takes over within a
second of the first one's death.

On SQLite the lock is an flock beside the database, and the workers write
nothing: they hand statements to this process over its intake socket
(firsthand/publishing/intake.py), and it is the file's one writer. Every process must
then run on the machine that holds the data directory.

On PostgreSQL the lock is an advisory lock. Workers on this machine with
FIRSTHAND_INTAKE (those `firsthand serve --workers N` starts) use the intake
socket too; workers anywhere else store each statement's row and NOTIFY, and
this process logs the pending rows, writes their indices and NOTIFYs them
back. It does both, one batch at a time, so no row is logged by both ways.

This module reads the command line; firsthand/publishing/sequencer_process.py
does the rest, without the web.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType
from typing import Any


def cmd_sequencer(args: argparse.Namespace) -> int:
    from firsthand.cli.common import setup_django

    setup_django(args)
    from django.conf import settings
    from django.core.management import call_command

    from firsthand.publishing import sequencer_process

    settings.FIRSTHAND_SEQUENCER = "here"  # whatever the environment says: this is it
    if args.witness:
        settings.FIRSTHAND_WITNESSES = args.witness
    if args.export_tiles:
        settings.FIRSTHAND_TILES_EXPORT = args.export_tiles
    call_command("migrate", interactive=False, verbosity=0)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sequencer_process.run(args.period, args.witness_timeout, stopping)
    return 0


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
