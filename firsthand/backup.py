"""Online backups of a data directory, and restores that prove they hold the same log.

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
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from firsthand.log import merkle
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.datadir import DATABASE_NAME, open_log
from firsthand.log.errors import LogError
from firsthand.log.note import Verifier
from firsthand.log.reader import LogReader
from firsthand.log.storage import SQLiteStorage, StoredCheckpoint

MANIFEST = "firsthand-backup.json"
FORMAT = "firsthand-backup/v1"
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


def _snapshot_database(source: Path, target: Path, progress: Callable[[int, int], None]) -> None:
    """SQLite's online backup: a consistent copy taken while others write."""
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(target) as copy:
        live.backup(copy, pages=4096, progress=lambda _s, rem, total: progress(total - rem, total))
    copy.close()
    live.close()


def backup(
    data: Path, out: Path, progress: Callable[[int, int], None] = lambda done, total: None
) -> dict[str, object]:
    """Write a backup of ``data`` to ``out`` (a .tar.gz, mode 0600); returns its manifest."""
    if not (data / DATABASE_NAME).is_file():
        raise BackupError(f"{data} holds no firsthand database ({DATABASE_NAME})")
    if out.exists():
        raise BackupError(f"{out} already exists; a backup never overwrites a file")
    with tempfile.TemporaryDirectory(prefix="firsthand-backup-") as tmp:
        staged = Path(tmp)
        _snapshot_database(data / DATABASE_NAME, staged / DATABASE_NAME, progress)
        files = {DATABASE_NAME: staged / DATABASE_NAME}
        for path in sorted(data.rglob("*")):
            relative = path.relative_to(data).as_posix()
            if not path.is_file() or relative.startswith(DATABASE_NAME):
                continue
            if path.name.endswith(_SKIPPED_SUFFIXES) or path.name.startswith("."):
                continue
            files[relative] = path
        latest = _latest_checkpoint(staged / DATABASE_NAME)
        manifest: dict[str, object] = {
            "format": FORMAT,
            "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "origin": latest.note.split(b"\n", 1)[0].decode("utf-8"),
            "tree_size": latest.size,
            "checkpoint": latest.note.decode("utf-8"),
            "files": {name: _sha256(path) for name, path in files.items()},
        }
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


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode = 0o600 if info.isfile() else 0o700
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def restore(
    archive: Path,
    data: Path,
    published: Sequence[bytes] = (),
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Restored:
    """Unpack ``archive`` into the empty directory ``data`` and prove it holds the same log."""
    if data.exists() and any(data.iterdir()):
        raise BackupError(f"{data} is not empty; restore into a new directory")
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
    return _verify_log(data, published, progress)


def _read_manifest(tar: tarfile.TarFile) -> dict[str, dict[str, str]]:
    try:
        member = tar.extractfile(MANIFEST)
        document = json.loads(member.read()) if member else None
    except (KeyError, ValueError):
        document = None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"the archive has no {FORMAT} manifest: it is not a firsthand backup")
    files = document.get("files")
    if not isinstance(files, dict) or DATABASE_NAME not in files:
        raise BackupError("the backup's manifest lists no database")
    return document


def _verify_log(
    data: Path, published: Sequence[bytes], progress: Callable[[int, int], None]
) -> Restored:
    log = open_log(data, None)
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
        raise BackupError(
            f"the old instance published a checkpoint of {old.size} entries, but the backup "
            f"holds {size}: entries {size} to {old.size - 1} are missing. Serving this backup "
            "would fork the log; restore a newer backup"
        )
    if old.size == 0:
        return
    proof = reader.consistency_proof(old.size, size)
    try:
        merkle.verify_consistency(old.size, size, old.root_hash, root, proof)
    except LogError:
        raise BackupError(
            f"the published checkpoint of {old.size} entries is not consistent with the backup"
        ) from None
