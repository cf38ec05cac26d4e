"""The `firsthand` command: one entry point, one subcommand per job.

Every subcommand exits non-zero with one line a person can act on when
something goes wrong; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from firsthand.cli_statements import ServerError
from firsthand.cli_statements import add_commands as add_statement_commands
from firsthand.log.errors import LogError

Command = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A failure the user can fix; printed as one line, exit status 1."""


def _use_data_dir(args: argparse.Namespace) -> None:
    """Point Django and the log at --data before anything imports the settings."""
    os.environ["FIRSTHAND_DATA"] = str(Path(args.data).resolve())
    if getattr(args, "origin", None):
        os.environ["FIRSTHAND_ORIGIN"] = args.origin
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")


def _setup_django(args: argparse.Namespace) -> None:
    _use_data_dir(args)
    import django

    django.setup()


def cmd_log_key(args: argparse.Namespace) -> int:
    from firsthand.log.datadir import open_log

    instance = open_log(args.data, args.origin)
    print(instance.verifier.text())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup_django(args)
    from django.core.management import call_command

    from firsthand.web import runtime

    call_command("migrate", interactive=False, verbosity=0)
    runtime.log()  # creates the log key, the tables and the empty checkpoint
    print(f"database ready in {Path(args.data).resolve()}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django(args)
    from django.conf import settings
    from django.core.management import call_command

    if args.host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append(args.host)
    import waitress

    from firsthand.web import runtime
    from firsthand.web.wsgi import application

    call_command("migrate", interactive=False, verbosity=0)
    instance = runtime.log()
    runtime.start_sequencer(args.period)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"log {instance.signer.name} at size {instance.reader.latest().size}", flush=True)
    print(f"serving http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    try:
        waitress.serve(
            application,
            host=args.host,
            port=args.port,
            threads=args.threads,
            ident="firsthand",
            _quiet=True,
        )
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop_sequencer()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django(args)
    from firsthand.demo import load_demo

    count = load_demo()
    print(f"demo loaded: {count} new fictional statements")
    return 0


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        default=os.environ.get("FIRSTHAND_DATA", "data"),
        help="data directory (created on first use; default: ./data or $FIRSTHAND_DATA)",
    )
    parser.add_argument(
        "--origin",
        default=None,
        help="the log's origin, fixed when the data directory is created",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firsthand", description="Publish and verify first-person statements."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("serve", help="serve the site, the API and the log")
    _add_data(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument(
        "--period",
        type=float,
        default=0.25,
        help="seconds between sequencer batches (default 0.25)",
    )
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("log-key", help="print the log's verifier key")
    _add_data(p)
    p.set_defaults(func=cmd_log_key)

    p = commands.add_parser("migrate", help="create or update the database")
    _add_data(p)
    p.set_defaults(func=cmd_migrate)

    add_statement_commands(commands)

    p = commands.add_parser("demo", help="load the small fictional demo")
    _add_data(p)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except (CommandError, LogError, ServerError, OSError) as error:
        print(f"firsthand {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
