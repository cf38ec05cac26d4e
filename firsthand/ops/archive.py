"""The backup archive: its manifest, its files, and the checks of a restored log.

``backup`` copies the SQLite database with SQLite's online backup API (a
consistent snapshot while the server keeps writing) and every other file of
the data directory (the log, operator and site keys, the cosigned checkpoint,
cleaned media) into one gzipped tar, readable by its owner only, with a
manifest of SHA-256 sums.

``restore`` unpacks a backup into an empty directory and checks it before
anyone serves from it: every file against the manifest, the entries against
the tree's tiles and the newest checkpoint, and any checkpoints the old
instance published (kept by readers, monitors or witnesses) for consistency
with the restored tree. A backup older than a published checkpoint is
refused by name: serving it would fork the log.

A site on PostgreSQL is backed up by firsthand/ops/backup_pg.py (pg_dump) into
the same kind of archive. This module holds what both kinds share (the
manifest, the archive, the checks of a restored log); firsthand/ops/backup.py
chooses between them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firsthand.log import merkle
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.datadir import DATABASE_NAME, open_log
from firsthand.log.errors import LogError
from firsthand.log.note import Verifier
from firsthand.log.reader import LogReader
from firsthand.log.storage import StoredCheckpoint

MANIFEST = "firsthand-backup.json"
FORMAT = "firsthand-backup/v1"  # the database is the SQLite file DATABASE_NAME
FORMAT_POSTGRESQL = "firsthand-backup-postgresql/v1"  # the database is pg_dump's DUMP_NAME
DUMP_NAME = "firsthand.pgdump"
_SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp")
_CHUNK = 1 << 20


class BackupError(LogError):
    """A backup cannot be made or restored; the message says why."""


@dataclass(frozen=True)
class Restored:
    directory: Path
    origin: str
    size: int
    checked_checkpoints: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()






def data_files(data: Path) -> dict[str, Path]:
    """The data directory's files to keep, by their names in the archive: all but the
    database (copied apart, consistently), temporary files and hidden ones."""
    files: dict[str, Path] = {}
    for path in sorted(data.rglob("*")):
        relative = path.relative_to(data).as_posix()
        if not path.is_file() or relative.startswith((DATABASE_NAME, DUMP_NAME)):
            continue
        if path.name.endswith(_SKIPPED_SUFFIXES) or path.name.startswith("."):
            continue
        files[relative] = path
    return files


def new_manifest(
    kind: str, latest: StoredCheckpoint, files: dict[str, Path], **more: object
) -> dict[str, object]:
    return {
        "format": kind,
        "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "origin": latest.note.split(b"\n", 1)[0].decode("utf-8"),
        "tree_size": latest.size,
        "checkpoint": latest.note.decode("utf-8"),
        **more,
        "files": {name: _sha256(path) for name, path in files.items()},
    }


def write_archive(out: Path, manifest: dict[str, object], files: dict[str, Path]) -> None:
    """The manifest, then ``files``, in a new gzipped tar readable by its owner only."""
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        text = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(text), 0o600, int(time.time())
        tar.addfile(info, io.BytesIO(text))
        for name, path in files.items():
            tar.add(path, arcname=name, recursive=False, filter=_private)
        raw.flush()
        os.fsync(raw.fileno())




def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode = 0o600 if info.isfile() else 0o700
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info




def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest, read before anything is unpacked."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            return _read_manifest(tar)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable firsthand backup: {error}") from None


def unpack(archive: Path, data: Path) -> dict[str, Any]:
    """Every file of ``archive`` into ``data``, each checked against the manifest."""
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            manifest = _read_manifest(tar)
            names = manifest["files"]
            for member in tar.getmembers():
                if member.name == MANIFEST:
                    continue
                unsafe = member.name.startswith("/") or ".." in member.name.split("/")
                if unsafe or member.name not in names or not member.isfile():
                    raise BackupError(f"the backup holds {member.name!r}, which its manifest lacks")
                if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
                    tar.extract(member, data, filter="data")
                else:
                    tar.extract(member, data)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable firsthand backup: {error}") from None
    for name, expected in names.items():
        path = data / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{name} in the backup is damaged: its SHA-256 is not the manifest's")
    return manifest


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
        document = json.loads(member.read()) if member else None
    except (KeyError, ValueError):
        document = None
    if not isinstance(document, dict) or document.get("format") not in (FORMAT, FORMAT_POSTGRESQL):
        raise BackupError(
            f"the archive has no {FORMAT} or {FORMAT_POSTGRESQL} manifest: "
            "it is not a firsthand backup, or one newer than this firsthand"
        )
    files = document.get("files")
    database = DUMP_NAME if document["format"] == FORMAT_POSTGRESQL else DATABASE_NAME
    if not isinstance(files, dict) or database not in files:
        raise BackupError("the backup's manifest lists no database")
    return document


def verify_log(
    data: Path,
    published: Sequence[bytes],
    progress: Callable[[int, int], None],
    database: str | None = None,
) -> Restored:
    """The restored entries against the tiles and the newest checkpoint, and ``published``
    (checkpoints the old instance gave out) for consistency with them."""
    log = open_log(data, None, database)
    try:
        latest = log.reader.latest()
        checkpoint, _ = open_checkpoint(latest.note, log.verifier)
        leaves: list[bytes] = []
        step = 4096
        for start in range(0, checkpoint.size, step):
            entries = log.storage.read_entries(start, min(start + step, checkpoint.size))
            leaves.extend(merkle.leaf_hash(e) for e in entries)
            progress(len(leaves), checkpoint.size)
        if len(leaves) != checkpoint.size:
            raise BackupError(f"the backup holds {len(leaves)} of {checkpoint.size} entries")
        if merkle.root_from_leaf_hashes(leaves) != checkpoint.root_hash:
            raise BackupError("the restored entries do not hash to the backup's checkpoint")
        if log.reader.tree_hash(checkpoint.size) != checkpoint.root_hash:
            raise BackupError("the restored tiles do not hash to the backup's checkpoint")
        for note in published:
            _check_published(log.reader, log.verifier, note, checkpoint.size, checkpoint.root_hash)
        return Restored(data, checkpoint.origin, checkpoint.size, len(published))
    finally:
        log.storage.close()


def _check_published(
    reader: LogReader, verifier: Verifier, note: bytes, size: int, root: bytes
) -> None:
    old, _ = open_checkpoint(note, verifier)
    if old.size > size:
        raise older_than_published(old.size, size)
    if old.size == 0:
        return
    proof = reader.consistency_proof(old.size, size)
    try:
        merkle.verify_consistency(old.size, size, old.root_hash, root, proof)
    except LogError:
        raise BackupError(
            f"the published checkpoint of {old.size} entries is not consistent with the backup"
        ) from None


def older_than_published(published: int, size: int) -> BackupError:
    return BackupError(
        f"the old instance published a checkpoint of {published} entries, but the backup "
        f"holds {size}: entries {size} to {published - 1} are missing. Serving this backup "
        "would fork the log; restore a newer backup"
    )
