"""The newest cosigned checkpoint, kept in the log's data directory for every worker to serve.

The collector (firsthand.log.witness_client) gathers cosignatures on a
background thread of the process that sequences. Web workers may be other
processes, so the result is written to one small file, replaced atomically
(temp file, fsync, rename): a reader sees the old note or the new one, never
half of either, and a crash mid-write leaves the old one in place.

Readers check the file's identity (inode, size, mtime) before parsing it
again, so serving ``/checkpoint`` costs one ``stat`` while nothing changed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.errors import LogError
from firsthand.log.files import write_atomically
from firsthand.log.note import Verifier
from firsthand.log.storage import StoredCheckpoint

COSIGNED_NAME = "checkpoint.cosigned"


class CosignedCheckpointFile:
    """One file holding the largest checkpoint note that witnesses have cosigned."""

    def __init__(self, path: Path, log_key: Verifier) -> None:
        self.path = path
        self._log_key = log_key
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._cached: StoredCheckpoint | None = None

    def save(self, note: bytes) -> bool:
        """Keep ``note`` if it is signed by the log and not smaller than the kept one.

        Returns whether it was kept. A smaller tree never replaces a larger
        one: witnesses have already seen the larger, and so may readers.
        """
        checkpoint, _ = open_checkpoint(note, self._log_key)
        with self._lock:
            current = self._load_locked()
            if current is not None and current.size > checkpoint.size:
                return False
            write_atomically(self.path, note)
            self._seen = None
            return True

    def load(self) -> StoredCheckpoint | None:
        """The kept cosigned checkpoint, or None if witnesses have cosigned nothing yet."""
        with self._lock:
            return self._load_locked()

    def _load_locked(self) -> StoredCheckpoint | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._seen, self._cached = None, None
            return None
        identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if identity == self._seen:
            return self._cached
        note = self.path.read_bytes()
        try:
            checkpoint, _ = open_checkpoint(note, self._log_key)
        except LogError as error:
            # Only this process writes the file, atomically; a bad one was put there by hand.
            raise LogError(f"{self.path} does not hold a checkpoint of this log: {error}") from None
        self._seen, self._cached = identity, StoredCheckpoint(checkpoint.size, note)
        return self._cached
