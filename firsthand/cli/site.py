"""The commands that run a site from its data directory: serve, migrate, demo,
export-tiles, log-key, operator-key, withhold."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from firsthand.cli.common import CommandError, add_data_option, setup_django


def cmd_export_tiles(args: argparse.Namespace) -> int:
    from firsthand.log.datadir import open_log
    from firsthand.log.export import export_tiles, open_sink

    instance = open_log(args.data, None, os.environ.get("FIRSTHAND_DATABASE_URL") or None)
    try:
        written, size = export_tiles(instance.reader, open_sink(args.to))
    finally:
        instance.storage.close()
    print(f"{written:,} files written to {args.to}; it now serves the log at {size:,} entries")
    return 0


def cmd_log_key(args: argparse.Namespace) -> int:
    from firsthand.log.datadir import open_log

    instance = open_log(args.data, args.origin)
    print(instance.verifier.text())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.core.management import call_command

    from firsthand.log.datadir import LOG_KEY_NAME
    from firsthand.web import runtime

    new = not (Path(args.data) / LOG_KEY_NAME).exists()
    call_command("migrate", interactive=False, verbosity=0)
    instance = runtime.log()  # creates the log key, the tables and the empty checkpoint
    print(f"database ready in {Path(args.data).resolve()}")
    if new:
        print(
            f"the log's origin is {instance.signer.name}, fixed from now on (choose it with "
            "--origin or `firsthand init` when the data directory is made)"
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.conf import settings
    from django.core.management import call_command

    if args.host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append(args.host)
    from firsthand.web import runtime
    from firsthand.web.serve import (
        AlreadyServing,
        SequencerChild,
        claim_data_directory,
        refuse_taken_port,
        serve_site,
    )

    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    call_command("migrate", interactive=False, verbosity=0)
    instance = runtime.log()
    if args.witness:
        settings.FIRSTHAND_WITNESSES = args.witness
    for about in args.witness_about or ():
        name, equals, text = about.partition("=")
        if not equals or not name.strip():
            raise CommandError("--witness-about is NAME=TEXT: a witness key's name, '=', text")
        settings.FIRSTHAND_WITNESS_ABOUT = {**settings.FIRSTHAND_WITNESS_ABOUT, name.strip(): text}
    if args.sequencer:
        settings.FIRSTHAND_SEQUENCER = args.sequencer
    if args.export_tiles:
        settings.FIRSTHAND_TILES_EXPORT = args.export_tiles
    external = runtime.sequenced_elsewhere()
    # One worker sequences itself; several leave it to one `firsthand sequencer`, our child.
    child = not external and args.workers > 1
    in_worker = not external and not child
    refuse_taken_port(args.host, args.port)
    sqlite = not settings.FIRSTHAND_DATABASE_URL
    # Both held (by reference) while this process and its workers live; the workers share
    # them by fork, so a second server, or a `firsthand sequencer` started beside a
    # one-worker server, is refused or stands by instead of writing too.
    served = claim_data_directory(instance.directory) if not external else None
    from firsthand.web import leftovers

    # What a server killed mid-clean left (its workers are gone: they held the lock above).
    leftovers.sweep_scratch()
    sequencer_lock = instance.storage.try_sequencer_lock() if sqlite and in_worker else None
    if sqlite and in_worker and sequencer_lock is None:
        raise AlreadyServing(
            "a `firsthand sequencer` already logs this data directory; stop it, or start "
            "this server with --sequencer external"
        )
    if external:
        print("statements are logged by `firsthand sequencer`", flush=True)
    from firsthand.cli.init import is_local

    if settings.FIRSTHAND_PUBLIC_URL and is_local(instance.signer.name.split("/", 1)[0]):
        print(
            f"warning: the log's origin {instance.signer.name} names this machine only, yet the "
            f"site is public at {settings.FIRSTHAND_PUBLIC_URL}; an origin cannot change, so "
            "start a new data directory with `firsthand init` before anyone relies on this log",
            file=sys.stderr,
            flush=True,
        )
    if not in_worker:
        settings.FIRSTHAND_SEQUENCER = "external"  # for the workers forked below
    if child:
        # Our own sequencer runs on this machine: PostgreSQL workers too hand it statements
        # over its intake socket, which costs them and the database less than rows and NOTIFY.
        settings.FIRSTHAND_INTAKE = True

    def start_worker() -> None:
        leftovers.use_scratch()  # uploads are cleaned in <scratch>/<pid>, swept on a schedule
        leftovers.Sweeper()
        if in_worker:
            from firsthand.publishing.sequencer_process import start_sequencing

            start_sequencing(args.period, args.witness_timeout)  # signs the first checkpoint
        elif settings.FIRSTHAND_DATABASE_URL:
            # Listening before the first statement is stored, even beside the intake socket:
            # a worker that cannot reach it stores the row instead (record_statement).
            runtime.sequenced_waiter()
        latest = runtime.log().storage.latest_checkpoint()
        print(f"log {instance.signer.name} at size {latest.size if latest else 0}", flush=True)

    sequencer = None
    if child:
        sequencer = SequencerChild(_sequencer_arguments(args, instance.directory))
    print(f"serving http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    runtime.close()  # the workers open their own: no database connection crosses the fork
    try:
        serve_site(
            args.host, args.port, args.threads, start_worker, runtime.stop_sequencer, args.workers
        )
    finally:
        if sequencer is not None:
            sequencer.stop()
        for lock in (served, sequencer_lock):
            if lock is not None:
                lock.release()
    return 0


def _sequencer_arguments(args: argparse.Namespace, directory: Path) -> list[str]:
    """`firsthand sequencer`'s arguments for what this `firsthand serve` was asked."""
    arguments = ["--data", str(directory), "--period", str(args.period)]
    arguments += ["--witness-timeout", str(args.witness_timeout)]
    for witness in args.witness or ():
        arguments += ["--witness", witness]
    if args.export_tiles:
        arguments += ["--export-tiles", args.export_tiles]
    return arguments


def cmd_operator_key(args: argparse.Namespace) -> int:
    from firsthand.log.datadir import open_log
    from firsthand.statements.keys import load_or_create_operator_key

    instance = open_log(args.data, args.origin)
    print(load_or_create_operator_key(instance.directory, instance.signer.name).verifier().text())
    return 0


def cmd_withhold(args: argparse.Namespace) -> int:
    """Sign a withholding notice with the operator key and publish it through the server."""
    from firsthand.cli.statements import server_request
    from firsthand.log.datadir import open_log
    from firsthand.statements.format import Reference, sign_statement
    from firsthand.statements.keys import load_or_create_operator_key

    instance = open_log(args.data, args.origin)
    operator = load_or_create_operator_key(instance.directory, instance.signer.name)
    server = args.server.rstrip("/")
    _, target = server_request(f"{server}/api/v1/statements/{args.index}")
    if target.get("withheld"):
        raise CommandError(f"statement {args.index} is already {target['withheld']['message']}")
    notice = sign_statement(
        operator,
        args.explanation or args.reason,
        kind="withholding",
        lang=args.lang,
        refers=[Reference("leaf", target["leaf_hash"])],
        reason=args.reason,
    )
    _, reply = server_request(f"{server}/api/v1/statements", notice.file_bytes())
    print(f"statement {args.index} is withheld; the notice is entry {reply['index']} of the log")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django(args)
    from firsthand.web.demo import load_demo

    count = load_demo()
    print(f"demo loaded: {count} new fictional statements")
    return 0


def add_commands(commands: Any) -> None:

    p = commands.add_parser("serve", help="serve the site, the API and the log")
    add_data_option(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--threads",
        type=int,
        default=64,
        help="request threads (default 64; a publish waits in one until its batch is logged)",
    )
    p.add_argument(
        "--period",
        type=float,
        default=0.25,
        help="seconds between sequencer batches (default 0.25)",
    )
    p.add_argument(
        "--witness",
        action="append",
        metavar="URL=KEY",
        help="a witness to cosign each checkpoint: its tlog-witness URL, '=', its cosigner "
        "verifier key; repeat for each (default: $FIRSTHAND_WITNESSES, space separated)",
    )
    p.add_argument(
        "--witness-about",
        action="append",
        metavar="NAME=TEXT",
        help="who runs the witness whose key is named NAME, shown to readers beside it; repeat "
        'for each (default: $FIRSTHAND_WITNESS_ABOUT, a JSON object {"NAME": "TEXT"})',
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web worker processes (default 1, which also logs what it receives); with more, "
        "`firsthand sequencer` runs beside them as one more child process",
    )
    p.add_argument(
        "--sequencer",
        choices=("here", "external"),
        help="'here' (default): this server logs what it receives; 'external': a separate "
        "`firsthand sequencer` you run does, for any number of web workers",
    )
    p.add_argument(
        "--export-tiles",
        metavar="DIR|s3://BUCKET/PREFIX",
        default=os.environ.get("FIRSTHAND_TILES_EXPORT", ""),
        help="also write the tlog-tiles files (checkpoint, tiles, entry bundles) there after "
        "each batch, for a CDN or static host ($FIRSTHAND_TILES_EXPORT)",
    )
    p.add_argument(
        "--witness-timeout",
        type=float,
        default=10.0,
        help="seconds to wait for a witness's answer (default 10)",
    )
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser(
        "export-tiles",
        help="write the log's tlog-tiles files to a directory or s3://bucket/prefix",
        description="Bring a static copy of the log's public files up to date: the tiles that "
        "filled up, the new partial ones, and last the checkpoint. S3-compatible stores are "
        "reached with boto3's usual settings (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...).",
    )
    add_data_option(p)
    p.add_argument("--to", required=True, metavar="DIR|s3://BUCKET/PREFIX")
    p.set_defaults(func=cmd_export_tiles)

    p = commands.add_parser("log-key", help="print the log's verifier key")
    add_data_option(p)
    p.set_defaults(func=cmd_log_key)

    p = commands.add_parser("migrate", help="create or update the database")
    add_data_option(p)
    p.set_defaults(func=cmd_migrate)


    p = commands.add_parser("operator-key", help="print the operator's verifier key")
    add_data_option(p)
    p.set_defaults(func=cmd_operator_key)

    p = commands.add_parser(
        "withhold",
        help="stop serving a statement's body, with a signed and logged notice",
        description="Withhold the body of log entry INDEX (doxxing, a court order). The head "
        "stays in the log; a notice signed by the operator key (in --data) gives the date "
        "and the reason, and is itself logged. Run it where the data directory is, "
        "with the server running.",
    )
    add_data_option(p)
    p.add_argument("--server", default="http://127.0.0.1:8000", help="the running server")
    p.add_argument("--reason", required=True, help="shown to readers in place of the text")
    p.add_argument("--explanation", help="a longer text for the notice's body (default: reason)")
    p.add_argument("--lang", default="en", help="the language of the reason (BCP 47)")
    p.add_argument("index", type=int)
    p.set_defaults(func=cmd_withhold)

    p = commands.add_parser("demo", help="load the small fictional demo")
    add_data_option(p)
    p.set_defaults(func=cmd_demo)
