"""Online backups of a data directory, and restores that prove they hold the same log.

``backup`` copies the SQLite database with SQLite's online backup API (a
consistent snapshot while the server keeps writing) and every other file of
the data directory into one archive (firsthand/ops/archive.py); a site on
PostgreSQL is handed to firsthand/ops/backup_pg.py (pg_dump). ``restore``
unpacks an archive of either kind into an empty directory and proves it holds
the same log before anyone serves from it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from firsthand.log.datadir import DATABASE_NAME
from firsthand.log.storage import SQLiteStorage, StoredCheckpoint
from firsthand.ops import backup_pg
from firsthand.ops.archive import (
    FORMAT,
    FORMAT_POSTGRESQL,
    BackupError,
    Restored,
    data_files,
    new_manifest,
    read_manifest,
    unpack,
    verify_log,
    write_archive,
)

__all__ = ["BackupError", "Restored", "backup", "restore"]


def _snapshot_database(source: Path, target: Path, progress: Callable[[int, int], None]) -> None:
    """SQLite's online backup: a consistent copy taken while others write."""
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(target) as copy:
        live.backup(copy, pages=4096, progress=lambda _s, rem, total: progress(total - rem, total))
    copy.close()
    live.close()


def backup(
    data: Path,
    out: Path,
    progress: Callable[[int, int], None] = lambda done, total: None,
    *,
    database: str | None = None,
    stage: Callable[[str], None] = lambda what: None,
) -> dict[str, object]:
    """Write a backup of ``data`` to ``out`` (a .tar.gz, mode 0600); returns its manifest.

    With ``database`` (a PostgreSQL URL) the database is dumped with pg_dump."""
    if out.exists():
        raise BackupError(f"{out} already exists; a backup never overwrites a file")
    if database is not None:
        return backup_pg.backup(data, out, database, progress, stage)
    if not (data / DATABASE_NAME).is_file():
        raise BackupError(f"{data} holds no firsthand database ({DATABASE_NAME})")
    with tempfile.TemporaryDirectory(prefix="firsthand-backup-") as tmp:
        staged = Path(tmp)
        _snapshot_database(data / DATABASE_NAME, staged / DATABASE_NAME, progress)
        files = {DATABASE_NAME: staged / DATABASE_NAME, **data_files(data)}
        manifest = new_manifest(FORMAT, _latest_checkpoint(staged / DATABASE_NAME), files)
        write_archive(out, manifest, files)
    return manifest


def _latest_checkpoint(database: Path) -> StoredCheckpoint:
    storage = SQLiteStorage(database)
    try:
        latest = storage.latest_checkpoint()
    finally:
        storage.close()
    if latest is None:
        raise BackupError("the database holds no checkpoint yet: there is no log to back up")
    return latest


def restore(
    archive: Path,
    data: Path,
    published: Sequence[bytes] = (),
    progress: Callable[[int, int], None] = lambda done, total: None,
    *,
    database: str | None = None,
    stage: Callable[[str], None] = lambda what: None,
) -> Restored:
    """Unpack ``archive`` into the empty directory ``data`` and prove it holds the same log.

    A backup of a PostgreSQL site is restored into ``database``, a new, empty database."""
    if data.exists() and any(data.iterdir()):
        raise BackupError(f"{data} is not empty; restore into a new directory")
    manifest = read_manifest(archive)
    if manifest["format"] == FORMAT_POSTGRESQL:
        return backup_pg.restore(archive, manifest, data, database, published, progress, stage)
    if database is not None:
        raise BackupError(
            f"{archive} holds a SQLite database, which restores into the data directory: "
            "leave out the PostgreSQL URL"
        )
    unpack(archive, data)
    return verify_log(data, published, progress)
