"""Backups of a site on PostgreSQL: pg_dump's custom format in firsthand's backup archive.

The log's tables (entries, tiles, checkpoints) and Django's share one
database, so one ``pg_dump`` holds both. To make the manifest's checkpoint the
very one in the dump, the backup opens a REPEATABLE READ transaction, exports
its snapshot (``pg_export_snapshot``), reads the newest checkpoint in it, and
runs ``pg_dump --snapshot`` on the same snapshot. pg_dump takes only ACCESS
SHARE locks, which the sequencer's ``LOCK TABLE checkpoints IN SHARE ROW
EXCLUSIVE MODE`` does not wait for: the server keeps publishing throughout.

``restore`` runs ``pg_restore`` into a new, empty database (``--no-owner
--no-acl``: the new server's roles need not be the old one's; one transaction,
so a failure leaves the database empty), then the checks of
firsthand/ops/archive.py on the restored log.

pg_dump refuses a server of a newer major version than itself, and pg_restore
an archive from a newer pg_dump, so each is chosen as the newest installed:
Debian's /usr/lib/postgresql/*/bin, then PATH, or only FIRSTHAND_PG_BIN when
set.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.datadir import LOG_KEY_NAME
from firsthand.log.note import Signer
from firsthand.log.storage import StoredCheckpoint
from firsthand.log.storage_pg import is_postgres_url, redacted
from firsthand.ops.archive import (
    DUMP_NAME,
    FORMAT_POSTGRESQL,
    BackupError,
    Restored,
    data_files,
    new_manifest,
    older_than_published,
    unpack,
    verify_log,
    write_archive,
)

Progress = Callable[[int, int], None]
Stage = Callable[[str], None]

_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")
_TABLES = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
"""
# What makes a database not empty: any relation or schema of its own (PostgreSQL's
# own schemas and the empty public schema every new database has do not count).
_ANYTHING = """
SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
UNION ALL
SELECT 'schema ' || nspname FROM pg_namespace
WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
LIMIT 1
"""


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _connect(url: str, *, autocommit: bool = True) -> psycopg.Connection[tuple[Any, ...]]:
    if not is_postgres_url(url):
        raise BackupError(f"{redacted(url)} is not a PostgreSQL URL (postgresql://...)")
    try:
        return psycopg.connect(url, autocommit=autocommit, application_name="firsthand backup")
    except psycopg.Error as error:
        raise BackupError(
            f"cannot connect to the PostgreSQL database {redacted(url)}: {_one_line(error)}"
        ) from None


def _major(version_num: int) -> int:
    """PostgreSQL's major version from server_version_num (150018 is 15, 90624 is 9.6)."""
    return version_num // 10000 if version_num >= 100000 else version_num // 100


def _candidates(name: str) -> Iterator[Path]:
    override = os.environ.get("FIRSTHAND_PG_BIN")
    if override:
        yield Path(override, name)
        return
    for directory in glob.glob("/usr/lib/postgresql/*/bin"):
        yield Path(directory, name)
    on_path = shutil.which(name)
    if on_path:
        yield Path(on_path)


def _tool_version(path: Path) -> int | None:
    """The major version ``path --version`` reports, or None where it is not a working tool."""
    if not os.access(path, os.X_OK):
        return None
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    found = _VERSION.search(done.stdout)
    if done.returncode != 0 or not found:
        return None
    major = int(found.group(1))
    return major if major >= 10 else major * 10 + int(found.group(2) or 0)


def find_tool(name: str, needed: int, what: str) -> Path:
    """The newest installed ``name`` (pg_dump or pg_restore), if it is at least ``needed``;
    ``what`` says what it must do, ``{}`` standing for ``needed``."""
    found = [(v, p) for p in _candidates(name) if (v := _tool_version(p)) is not None]
    if not found:
        where = os.environ.get("FIRSTHAND_PG_BIN") or "/usr/lib/postgresql/*/bin or PATH"
        raise BackupError(
            f"{name} is not installed (looked in {where}); "
            "on Debian: apt-get install postgresql-client"
        )
    version, path = max(found)
    require_version(name, version, needed, what)
    return path


def require_version(name: str, version: int, needed: int, what: str) -> None:
    """pg_dump cannot read a newer server, nor pg_restore a newer pg_dump's archive."""
    if version < needed:
        raise BackupError(
            f"{name} {version} cannot {what.format(needed)}; "
            f"install {name} {needed} or newer (on Debian: postgresql-client-{needed})"
        )


def libpq_arguments(url: str) -> tuple[str, dict[str, str]]:
    """``--dbname=`` for pg_dump or pg_restore, and its environment: the password goes in
    PGPASSWORD, never on the command line, where any user could read it (ps)."""
    params = conninfo_to_dict(url)
    password = params.pop("password", None)
    environment = {**os.environ}
    if password is not None:
        environment["PGPASSWORD"] = str(password)
    return f"--dbname={make_conninfo('', **params)}", environment


def _run(command: list[str], url: str, progress: Callable[[str], None]) -> None:
    """Run pg_dump or pg_restore --verbose on ``url``, passing each line it writes to
    ``progress``."""
    lines: list[str] = []
    dbname, environment = libpq_arguments(url)
    try:
        child = subprocess.Popen(
            [*command, dbname],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=environment,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise BackupError(f"cannot run {command[0]}: {error}") from None
    assert child.stderr is not None
    with child:
        for line in child.stderr:
            lines.append(line.rstrip())
            progress(line)
    if child.returncode != 0:
        errors = [line for line in lines if "error:" in line] or lines or ["no message"]
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed: {errors[0].partition('error:')[2].strip() or errors[0]}")


def _counter(marker: str, total: int, progress: Progress) -> Callable[[str], None]:
    done = 0

    def seen(line: str) -> None:
        nonlocal done
        if marker in line:
            done += 1
            progress(min(done, total), total)

    return seen


def backup(
    data: Path, out: Path, database: str, progress: Progress, stage: Stage
) -> dict[str, object]:
    """Dump ``database`` and archive it with the data directory's files into ``out``."""
    if not (data / LOG_KEY_NAME).is_file():
        raise BackupError(f"{data} holds no log key ({LOG_KEY_NAME}): it is not a data directory")
    with (
        _connect(database, autocommit=False) as snapshot,
        tempfile.TemporaryDirectory(prefix="firsthand-backup-") as tmp,
    ):
        pg_dump = find_tool(
            "pg_dump", _major(snapshot.info.server_version), "dump a PostgreSQL {} server"
        )
        snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot.read_only = True
        # The snapshot this transaction sees, which pg_dump will see too: it stays usable
        # for as long as this transaction stays open.
        row = snapshot.execute("SELECT pg_export_snapshot(), current_schema()").fetchone()
        assert row is not None
        exported, schema = str(row[0]), str(row[1])
        latest = _latest_checkpoint(snapshot, schema)
        tables = int(snapshot.execute(_TABLES).fetchone()[0])  # type: ignore[index]
        dump = Path(tmp, DUMP_NAME)
        stage("dumping the database")
        command = [
            str(pg_dump), "--format=custom", "--verbose", "--no-password",
            f"--snapshot={exported}", f"--file={dump}",
        ]  # fmt: skip
        _run(command, database, _counter("dumping contents of table", tables, progress))
        stage("archiving the data directory")
        files = {DUMP_NAME: dump, **data_files(data)}
        database_facts = {
            "server_version": snapshot.info.server_version,
            "pg_dump_version": _tool_version(pg_dump),
            "log_schema": schema,
        }
        manifest = new_manifest(FORMAT_POSTGRESQL, latest, files, postgresql=database_facts)
        write_archive(out, manifest, files)
        snapshot.rollback()
    return manifest


def _latest_checkpoint(
    snapshot: psycopg.Connection[tuple[Any, ...]], schema: str
) -> StoredCheckpoint:
    try:
        row = snapshot.execute(
            "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1"
        ).fetchone()
    except pg_errors.UndefinedTable:
        raise BackupError(
            f"the database has no log (no checkpoints table in schema {schema}): "
            "is FIRSTHAND_DATABASE_URL the site's database?"
        ) from None
    if row is None:
        raise BackupError("the database holds no checkpoint yet: there is no log to back up")
    return StoredCheckpoint(int(row[0]), bytes(row[1]))


def restore(
    archive: Path,
    manifest: dict[str, Any],
    data: Path,
    database: str | None,
    published: Sequence[bytes],
    progress: Progress,
    stage: Stage,
) -> Restored:
    """pg_restore ``archive``'s dump into the empty ``database``, its files into ``data``."""
    if database is None:
        raise BackupError(
            f"{archive} holds a PostgreSQL database: give the URL of a new, empty database "
            "to restore it into (--database postgresql://...)"
        )
    facts = manifest.get("postgresql")
    if not isinstance(facts, dict) or not isinstance(facts.get("pg_dump_version"), int):
        raise BackupError("the backup's manifest does not say which pg_dump wrote it")
    with _connect(database) as target:
        _require_empty(target, database)
    pg_restore = find_tool(
        "pg_restore", facts["pg_dump_version"], "read an archive written by pg_dump {}"
    )
    unpack(archive, data)
    dump = data / DUMP_NAME
    try:
        _refuse_older_than_published(data, published, int(manifest["tree_size"]))
        stage("restoring the database")
        listed = subprocess.run(
            [str(pg_restore), "--list", str(dump)], capture_output=True, text=True, check=False
        )
        tables = listed.stdout.count(" TABLE DATA ")
        command = [
            str(pg_restore), "--verbose", "--no-password", "--no-owner", "--no-acl",
            "--exit-on-error", "--single-transaction", str(dump),
        ]  # fmt: skip
        _run(command, database, _counter("processing data for table", tables, progress))
    finally:
        dump.unlink(missing_ok=True)
    _require_schema(database, str(facts.get("log_schema", "public")))
    stage("checking the entries")
    return verify_log(data, published, progress, database)


def _require_empty(target: psycopg.Connection[tuple[Any, ...]], url: str) -> None:
    row = target.execute(_ANYTHING).fetchone()
    if row is not None:
        raise BackupError(
            f"the database {redacted(url)} is not empty (it holds {row[0]}); "
            "restore into a new database (createdb)"
        )


def _refuse_older_than_published(data: Path, published: Sequence[bytes], size: int) -> None:
    """Refuse a stale backup before it is restored: the database is then left empty."""
    key = data / LOG_KEY_NAME
    if not key.is_file():
        raise BackupError(f"the backup holds no log key ({LOG_KEY_NAME})")
    verifier = Signer.from_private_key(key.read_text(encoding="utf-8").strip()).verifier()
    for note in published:
        old, _ = open_checkpoint(note, verifier)
        if old.size > size:
            raise older_than_published(old.size, size)


def _require_schema(url: str, schema: str) -> None:
    """The URL must find the log where the old site kept it (a search_path in its options)."""
    with _connect(url) as target:
        row = target.execute("SELECT current_schema()").fetchone()
    found = row[0] if row else None
    if found != schema:
        raise BackupError(
            f"the log's tables are restored in schema {schema}, but the URL's search_path "
            f"finds {found}: add options=-csearch_path%3D{schema} to the URL"
        )
