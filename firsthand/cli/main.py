"""The `firsthand` command: one entry point, one subcommand per job.

Each command group lives in its own module of this package and registers its
subcommands with ``add_commands``; this module only assembles them.
Every subcommand exits non-zero with one line a person can act on when
something goes wrong; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from firsthand.cli import (
    backup,
    check,
    console,
    init,
    media,
    media_export,
    monitor,
    recovery,
    sequencer,
    site,
    statements,
    succession,
    witness,
)
from firsthand.cli.common import Command, CommandError
from firsthand.log.errors import LogError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firsthand", description="Publish and verify first-person statements."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    site.add_commands(commands)
    statements.add_commands(commands)
    recovery.add_commands(commands)
    succession.add_commands(commands)
    witness.add_commands(commands)
    media.add_commands(commands)
    media_export.add_commands(commands)
    backup.add_commands(commands)
    monitor.add_commands(commands)
    sequencer.add_commands(commands)
    check.add_commands(commands)
    init.add_commands(commands)
    console.add_commands(commands)
    return parser


# Failures a person can act on: one line, exit status 1. Anything else is a bug.
USER_ERRORS = (
    CommandError,
    LogError,
    statements.ServerError,
    witness.WitnessCommandError,
    media.MediaCommandError,
    monitor.MonitorCommandError,
    check.CheckCommandError,
    media_export.MediaExportCommandError,
    OSError,
)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except USER_ERRORS as error:
        print(f"firsthand {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
