"""`firsthand export-media`: the media everyone may fetch, to a directory or object store.

firsthand export-media --data DIR --to DIR|s3://BUCKET/PREFIX

It writes what `firsthand export-tiles` leaves out: each cleaned file (and its
rendition) that a logged, non-withheld statement lists, under media/, and deletes
from there every file a withheld statement lists (firsthand/web/media_export.py).
"""

from __future__ import annotations

import argparse
from typing import Any

from tqdm import tqdm


class MediaExportCommandError(Exception):
    """The sink refused or could not be reached: one line a person can act on."""


def _store_errors() -> tuple[type[Exception], ...]:
    """What boto3 raises when a store refuses or cannot be reached (nothing without boto3)."""
    try:
        from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
            BotoCoreError,
            ClientError,
        )
    except ImportError:
        return ()
    return (BotoCoreError, ClientError)


def export_to(location: str, *, show_progress: bool = True) -> str:
    """Export to ``location`` (Django set up already); the one-line summary to print."""
    from firsthand.log.export import open_sink
    from firsthand.web.media_export import MediaFile, carry_out, plan_export

    try:
        sink = open_sink(location)
    except ModuleNotFoundError:
        raise MediaExportCommandError(
            f"{location} needs boto3: pip install 'firsthand[s3]'"
        ) from None
    try:
        plan = plan_export(sink)
        with tqdm(
            total=plan.size,
            unit="B",
            unit_scale=True,
            desc="exporting media",
            leave=False,
            disable=not show_progress,
        ) as bar:

            def moved(item: MediaFile) -> None:
                bar.update(item.size)

            done = carry_out(plan, sink, moved)
    except _store_errors() as error:
        raise MediaExportCommandError(f"cannot write to {location}: {error}") from None
    return (
        f"{done.written:,} media files written ({done.written_bytes:,} bytes), "
        f"{done.deleted:,} withheld ones deleted, {done.kept:,} already there, in {location}"
    )


def cmd_export_media(args: argparse.Namespace) -> int:
    from firsthand.cli.common import setup_django

    setup_django(args)
    print(export_to(args.to))
    return 0


def add_commands(commands: Any) -> None:
    from firsthand.cli.common import add_data_option

    p = commands.add_parser(
        "export-media",
        help="write the public media to a directory or s3://bucket/prefix, delete withheld ones",
        description="Copy each cleaned photo or video (and its thumbnail) that a logged, "
        "non-withheld statement lists to media/<sha256> (and media/<sha256>.thumb.webp) at the "
        "destination, skipping what it holds already, and delete from there the files that a "
        "withheld statement lists. S3-compatible stores are reached with boto3's usual settings "
        "(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...).",
    )
    add_data_option(p)
    p.add_argument("--to", required=True, metavar="DIR|s3://BUCKET/PREFIX")
    p.set_defaults(func=cmd_export_media)
