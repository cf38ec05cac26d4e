"""`firsthand backup` and `firsthand restore`: online backups, and restores that are checked.

firsthand backup --data DIR [--database URL] OUT.tar.gz
firsthand restore BACKUP.tar.gz --data NEWDIR [--database NEWURL] [--checkpoint FILE ...]

On PostgreSQL (FIRSTHAND_DATABASE_URL, or --database) the database is dumped with
pg_dump and restored with pg_restore into a new, empty database (firsthand/ops/backup_pg.py).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from firsthand.ops.backup import backup, restore


def _shown_on(bar: tqdm[Any]) -> Callable[[int, int], None]:
    """A (done, total) progress callback that moves ``bar``."""

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return progress


def _labelled(bar: tqdm[Any]) -> Callable[[str], None]:
    """A stage callback: the bar shows what is being done now."""

    def stage(what: str) -> None:
        bar.set_description(what)
        bar.reset()
        bar.total = None  # unknown until the stage reports it

    return stage


def cmd_backup(args: argparse.Namespace) -> int:
    database = args.database or None
    with tqdm(desc="copying the database", unit="step", leave=False) as bar:
        manifest = backup(
            Path(args.data), Path(args.out), _shown_on(bar), database=database, stage=_labelled(bar)
        )
    files = manifest["files"]
    assert isinstance(files, dict)
    print(
        f"backed up {manifest['origin']} at {manifest['tree_size']:,} entries "
        f"({len(files)} files) to {args.out}"
    )
    print("It holds the log's and the operator's private keys: keep it as safe as the server.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    published = [Path(p).read_bytes() for p in args.checkpoint or []]
    with tqdm(desc="checking the entries", unit="step", leave=False) as bar:
        restored = restore(
            Path(args.backup),
            Path(args.data),
            published,
            _shown_on(bar),
            database=args.database,
            stage=_labelled(bar),
        )
    print(
        f"restored {restored.origin} at {restored.size:,} entries into {restored.directory}"
        + (" and the new database" if args.database else "")
        + "; the entries, the tiles and the checkpoint agree"
        + (
            f", and {restored.checked_checkpoints} published checkpoint(s) are consistent with it"
            if restored.checked_checkpoints
            else ""
        )
    )
    return 0


def add_commands(commands: Any) -> None:
    p = commands.add_parser(
        "backup",
        help="back up a data directory while the server runs",
        description="Write one .tar.gz (mode 0600) with a consistent snapshot of the database "
        "(SQLite's online backup, or pg_dump on PostgreSQL) and every other file of the data "
        "directory.",
    )
    p.add_argument("--data", default=os.environ.get("FIRSTHAND_DATA", "data"))
    p.add_argument(
        "--database",
        default=os.environ.get("FIRSTHAND_DATABASE_URL", ""),
        metavar="URL",
        help="the site's PostgreSQL database (default: FIRSTHAND_DATABASE_URL; unset: SQLite)",
    )
    p.add_argument("out", metavar="OUT.tar.gz")
    p.set_defaults(func=cmd_backup)

    p = commands.add_parser(
        "restore",
        help="restore a backup into a new data directory, and prove it holds the same log",
        description="Unpack a backup into an empty directory, check every file against the "
        "backup's manifest, the entries against the tiles and the checkpoint, and each "
        "--checkpoint the old instance published for consistency with the restored log.",
    )
    p.add_argument("backup", metavar="BACKUP.tar.gz")
    p.add_argument("--data", required=True, help="a new, empty data directory")
    p.add_argument(
        "--database",
        metavar="URL",
        help="for a backup of a site on PostgreSQL: a new, empty database (postgresql://...); "
        "point FIRSTHAND_DATABASE_URL at it afterwards",
    )
    p.add_argument(
        "--checkpoint",
        action="append",
        metavar="FILE",
        help="a checkpoint the old instance published (from a reader, monitor or witness); "
        "repeatable",
    )
    p.set_defaults(func=cmd_restore)
