"""A log's data directory: its database and its signing key, created on first use.

The directory and the database in it are the log's only state. The private
key file is written once, with mode 0600, and never overwritten: losing it
means the log can no longer sign, and replacing it would fork the log's
identity.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from firsthand.log.errors import KeyNameMismatch
from firsthand.log.note import Signer, Verifier
from firsthand.log.reader import LogReader
from firsthand.log.sequencer import DEFAULT_MAX_BATCH, DEFAULT_PERIOD, Sequencer
from firsthand.log.storage import LogStorage
from firsthand.log.storage_factory import open_storage

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


class _PrivateKey(Protocol):
    @property
    def name(self) -> str: ...

    def private_key_text(self) -> str: ...


K = TypeVar("K", bound=_PrivateKey)


def load_or_create_key(
    path: Path,
    name: str | None,
    *,
    default_name: str,
    parse: Callable[[str], K],
    generate: Callable[[str], K],
    what: str,
) -> K:
    """The private key in ``path``; on first use, a new key named ``name`` (mode 0600).

    A key's name is fixed when it is made: asking for another name is an error,
    never a new key, since a new key would be a new identity.
    """
    if path.exists():
        key = parse(path.read_text(encoding="utf-8").strip())
        if name is not None and name != key.name:
            raise KeyNameMismatch(
                f"{path} holds the {what} {key.name!r}, not {name!r}; "
                f"a {what}'s name is fixed when it is made (a new one would be a new identity: "
                f"start a new data directory for a new {what})"
            )
        return key
    key = generate(name or default_name)
    try:
        write_private_file(path, key.private_key_text() + "\n")
    except FileExistsError:
        # Another process created it first: use theirs, never overwrite it.
        return load_or_create_key(
            path, name, default_name=default_name, parse=parse, generate=generate, what=what
        )
    return key


def load_or_create_log_key(directory: Path, origin: str | None = None) -> Signer:
    """The log's signing key; on first use, a new key named ``origin``."""
    return load_or_create_key(
        directory / LOG_KEY_NAME,
        origin,
        default_name=DEFAULT_ORIGIN,
        parse=Signer.from_private_key,
        generate=Signer.generate,
        what="log",
    )


@dataclass
class LogInstance:
    """Everything needed to run or read the log in one data directory."""

    directory: Path
    storage: LogStorage
    signer: Signer
    reader: LogReader

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier()

    def sequencer(
        self, *, period: float = DEFAULT_PERIOD, max_batch: int = DEFAULT_MAX_BATCH
    ) -> Sequencer:
        return Sequencer(self.storage, self.signer, period=period, max_batch=max_batch)


def open_log(
    path: str | os.PathLike[str], origin: str | None = None, database: str | None = None
) -> LogInstance:
    """The log in ``path`` (its key), stored in ``database`` (a PostgreSQL URL) or, by
    default, in the SQLite file of the data directory."""
    directory = ensure_data_dir(path)
    signer = load_or_create_log_key(directory, origin)
    storage = open_storage(database or directory / DATABASE_NAME)
    return LogInstance(directory, storage, signer, LogReader(storage))
