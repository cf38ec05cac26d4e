"""A log's data directory: its database and its signing key, created on first use.

The directory and the database in it are the log's only state. The private
key file is written once, with mode 0600, and never overwritten: losing it
means the log can no longer sign, and replacing it would fork the log's
identity.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from firsthand.log.note import Signer, Verifier
from firsthand.log.reader import LogReader
from firsthand.log.sequencer import DEFAULT_MAX_BATCH, DEFAULT_PERIOD, Sequencer
from firsthand.log.storage import SQLiteStorage

DEFAULT_ORIGIN = "firsthand.localhost/log"
DATABASE_NAME = "firsthand.sqlite3"
LOG_KEY_NAME = "log.key"


def ensure_data_dir(path: str | os.PathLike[str]) -> Path:
    directory = Path(path)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def write_private_file(path: Path, text: str) -> None:
    """Write a secret once: refuse to replace an existing file, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def load_or_create_log_key(directory: Path, origin: str | None = None) -> Signer:
    """The log's signing key; on first use, a new key named ``origin``."""
    key_path = directory / LOG_KEY_NAME
    if key_path.exists():
        signer = Signer.from_private_key(key_path.read_text(encoding="utf-8").strip())
        if origin is not None and origin != signer.name:
            raise ValueError(
                f"{directory} holds the log {signer.name!r}, not {origin!r}; "
                "a log's origin cannot change"
            )
        return signer
    signer = Signer.generate(origin or DEFAULT_ORIGIN)
    try:
        write_private_file(key_path, signer.private_key_text() + "\n")
    except FileExistsError:
        # Another process created it first: use theirs, never overwrite it.
        return load_or_create_log_key(directory, origin)
    return signer


@dataclass
class LogInstance:
    """Everything needed to run or read the log in one data directory."""

    directory: Path
    storage: SQLiteStorage
    signer: Signer
    reader: LogReader

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier()

    def sequencer(
        self, *, period: float = DEFAULT_PERIOD, max_batch: int = DEFAULT_MAX_BATCH
    ) -> Sequencer:
        return Sequencer(self.storage, self.signer, period=period, max_batch=max_batch)


def open_log(path: str | os.PathLike[str], origin: str | None = None) -> LogInstance:
    directory = ensure_data_dir(path)
    signer = load_or_create_log_key(directory, origin)
    storage = SQLiteStorage(directory / DATABASE_NAME)
    return LogInstance(directory, storage, signer, LogReader(storage))
