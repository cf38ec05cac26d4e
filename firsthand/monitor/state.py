"""What a monitor remembers between passes, and the lock that keeps it to one monitor.

One JSON file in the state directory (``state.json``), replaced atomically:
the last verified checkpoint, how far the entries were read, the watched keys
with their rotations, and the misbehaviour already reported, so a restart
continues where the last pass stopped and never reports twice.

Keys are known by their fingerprint, SHA-256 of the raw public key (the
statements layer's identity.fingerprint, written out here since the log imports
nothing else of firsthand): never by name or by the 32-bit key ID, which anyone
can match with a key of their own.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firsthand.log.checkpoint import Checkpoint, open_checkpoint
from firsthand.log.errors import LogError
from firsthand.log.files import write_atomically
from firsthand.log.note import Verifier


class MonitorError(LogError):
    """The monitor cannot do its job as asked: a wrong key, a state of another log."""


__all__ = [
    "STATE_FILE",
    "MonitorError",
    "MonitorState",
    "StateLock",
    "WatchedKey",
    "fingerprint",
    "fingerprint_of_text",
]

STATE_FILE = "state.json"
STATE_FORMAT = "firsthand/monitor-state/v1"
LOCK_FILE = "lock"


def fingerprint(key: Verifier) -> str:
    """SHA-256 of the key's 32 raw public-key bytes, 64 hex: who a key's holder is."""
    return hashlib.sha256(key.public_key).hexdigest()


def fingerprint_of_text(verifier_key: str) -> str:
    return fingerprint(Verifier.from_text(verifier_key))


def _signer_id(key: Verifier) -> str:
    # The public key alone, not its 4-byte key ID (anyone can match one) nor its name.
    return fingerprint(key)[:32]


def _legacy_signer_id(key: Verifier) -> str:
    # What states written before fingerprints hold: a hash of the key's whole text.
    return hashlib.sha256(key.text().encode("utf-8")).hexdigest()[:32]


@dataclass
class WatchedKey:
    """A key whose statements are reported."""

    key: str  # its verifier key text
    since: int  # the first log index whose statements count for it
    watched_as: str  # the --author key it succeeds (itself, for a key that was given)
    rotated: bool = False  # its first two-way rotation was seen, followed or not
    names: list[str] = field(default_factory=list)  # display names its profiles gave

    @property
    def fingerprint(self) -> str:
        return fingerprint_of_text(self.key)


def _watched_key(saved: Any) -> WatchedKey:
    return WatchedKey(**saved)  # a TypeError if it is not one: the state is refused


@dataclass
class MonitorState:
    """Everything a monitor remembers between passes (one JSON file in the state directory)."""

    log_key: str
    checkpoint: str | None = None  # the last verified checkpoint note, verbatim
    next_index: int = 0  # every entry before it was read, checked and reported
    watched: dict[str, WatchedKey] = field(default_factory=dict)  # by fingerprint
    watched_leaves: set[str] = field(default_factory=set)  # hex leaf hashes, for denials
    signers: set[str] = field(default_factory=set)  # every key that signed an entry
    alarms: dict[str, str] = field(default_factory=dict)  # misbehaviour reported -> evidence
    # For the rotation rules (docs/statement-format.md), over every key in the log:
    rotated: set[str] = field(default_factory=set)  # fingerprints that made a two-way rotation
    claimed: set[str] = field(default_factory=set)  # fingerprints a two-way rotation named new

    def add_signer(self, key: Verifier) -> None:
        self.signers.add(_signer_id(key))

    def has_signed(self, key: Verifier) -> bool:
        return _signer_id(key) in self.signers or _legacy_signer_id(key) in self.signers

    def verified_checkpoint(self, log_key: Verifier) -> tuple[Checkpoint, bytes] | None:
        if self.checkpoint is None:
            return None
        note = self.checkpoint.encode("utf-8")
        return open_checkpoint(note, log_key)[0], note

    def encode(self) -> bytes:
        document = {
            "format": STATE_FORMAT,
            "log_key": self.log_key,
            "checkpoint": self.checkpoint,
            "next_index": self.next_index,
            "watched": [vars(w) for w in self.watched.values()],
            "watched_leaves": sorted(self.watched_leaves),
            "signers": sorted(self.signers),
            "alarms": self.alarms,
            "rotated": sorted(self.rotated),
            "claimed": sorted(self.claimed),
        }
        return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")

    def save(self, directory: Path) -> None:
        write_atomically(directory / STATE_FILE, self.encode())

    @classmethod
    def load(cls, directory: Path, log_key: Verifier) -> MonitorState:
        """The state saved in ``directory``, or a fresh one; MonitorError if it is not ours."""
        path = directory / STATE_FILE
        if not path.exists():
            return cls(log_key.text())
        try:
            document = json.loads(path.read_bytes().decode("utf-8"))
            if document.get("format") != STATE_FORMAT:
                raise ValueError(f"its format is not {STATE_FORMAT}")
            state = cls(
                log_key=str(document["log_key"]),
                checkpoint=document["checkpoint"],
                next_index=int(document["next_index"]),
                watched={
                    fingerprint_of_text(w["key"]): WatchedKey(**w) for w in document["watched"]
                },
                watched_leaves=set(document["watched_leaves"]),
                signers=set(document["signers"]),
                alarms=dict(document["alarms"]),
                # Absent from states written before two-way rotations: none seen yet.
                rotated=set(document.get("rotated", ())),
                claimed=set(document.get("claimed", ())),
            )
        except (ValueError, KeyError, TypeError, AttributeError, LogError) as error:
            raise MonitorError(
                f"{path} is not a monitor state ({error}); move it away to start afresh"
            ) from None
        if state.log_key != log_key.text():
            raise MonitorError(
                f"{directory} follows the log {state.log_key}, not {log_key.text()}; "
                "give each log its own --state directory"
            )
        try:
            state.verified_checkpoint(log_key)
        except LogError as error:
            raise MonitorError(
                f"{path} holds a checkpoint the log key does not verify ({error}); move it away"
            ) from None
        return state


class StateLock:
    """One monitor per state directory: a second would report the same entries again."""

    def __init__(self, directory: Path) -> None:
        self._file = open(directory / LOCK_FILE, "a+b")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise MonitorError(f"another monitor is using {directory}") from None

    def release(self) -> None:
        if not self._file.closed:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
