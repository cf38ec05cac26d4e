"""What every command module shares: the --data option and starting Django on it.

Command modules import this one, never the entry point (firsthand/cli/main.py),
so the CLI has no circle of imports.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

Command = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A failure the user can fix; printed as one line, exit status 1."""


def _use_data_dir(args: argparse.Namespace) -> None:
    """Point Django and the log at --data before anything imports the settings."""
    os.environ["FIRSTHAND_DATA"] = str(Path(args.data).resolve())
    if getattr(args, "origin", None):
        os.environ["FIRSTHAND_ORIGIN"] = args.origin
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")


def setup_django(args: argparse.Namespace) -> None:
    _use_data_dir(args)
    import django

    django.setup()


def add_data_option(parser: argparse.ArgumentParser) -> None:
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
