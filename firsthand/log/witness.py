"""A C2SP tlog-witness v1.0.0 witness (https://c2sp.org/tlog-witness@v1.0.0).

A witness follows a set of trusted logs. For each origin it keeps one thing:
the latest checkpoint it cosigned. A log sends ``POST /add-checkpoint``::

    old <size the log believes the witness holds>
    <consistency proof hashes, base64, one per line, at most 63>
    <empty line>
    <signed checkpoint note>

and the witness answers, in the spec's order of checks:

    400  the request is malformed, or old size > checkpoint size
    404  the checkpoint's origin is not a log we follow
    403  no signature by the log's trusted key, or one that fails
    409  old size is not the size we hold; body ``<our size>\\n``, ``text/x.tlog.size``
    409  old size = checkpoint size = our size, but another root hash (see below)
    422  the consistency proof does not lead from our root to the new one
         (old size 0 needs an empty proof: the empty tree is a prefix of every tree)
    200  one cosignature line per witness key; the new checkpoint is stored first

Same size, different root: v1.0.0 says 409 and the spec's later text says 422.
We follow v1.0.0, and send our size in the body as for any 409, so a client
that retries with that size sees the same refusal instead of looping.

Atomicity (spec, end of "add-checkpoint"): the check of the old size and proof
and the update of the stored checkpoint happen in one SQLite transaction taken
with BEGIN IMMEDIATE, and the update is a compare-and-swap on the size and root
that were checked. Two requests, two threads or two processes can therefore
never both pass against the same stored tree, and a crash leaves either the old
or the new checkpoint, never a mix. The cosignature is released only after the
COMMIT (``synchronous=FULL``: on disk, not just in the OS cache), so the
witness never cosigns a tree it could forget, and never cosigns a smaller or
conflicting tree after a larger one.

A refused checkpoint that carries a valid log signature (409 root mismatch,
422) may be proof that the log lies; the spec lets us keep it, and we do (the
last few per origin) so ``evidence.py`` can turn it into split-view evidence.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from firsthand.log.checkpoint import Checkpoint
from firsthand.log.cosignature import CosignatureSigner, CosignatureVerifier
from firsthand.log.errors import (
    AmbiguousKey,
    InvalidProof,
    InvalidSignature,
    LogError,
    MalformedNote,
    UnverifiedNote,
)
from firsthand.log.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from firsthand.log.note import Note, Verifier, parse_note, verify_note

MAX_PROOF_LINES = 63
MAX_REQUEST_SIZE = 64 * 1024  # 63 proof lines and a checkpoint with 100 signatures fit easily
SIZE_MEDIA_TYPE = "text/x.tlog.size"
KEPT_REFUSALS = 16  # per origin: enough to show a fork, too few to fill a disk

_OLD_LINE = re.compile(rb"old (0|[1-9][0-9]{0,19})")


class MalformedRequest(LogError):
    """An add-checkpoint request body does not follow tlog-witness's grammar."""


@dataclass(frozen=True)
class TrustedLog:
    """A log the witness follows: its origin line and the keys that may sign its checkpoints.

    Unlike firsthand's own logs, a witness cannot assume that the key name is the
    origin (Go's checksum database signs "go.sum database tree" as sum.golang.org).
    """

    origin: str
    verifiers: tuple[Verifier, ...]

    def __post_init__(self) -> None:
        if not self.verifiers:
            raise MalformedNote(f"the log {self.origin!r} needs at least one verifier key")
        seen: dict[tuple[str, bytes], Verifier] = {}
        for v in self.verifiers:
            if seen.setdefault((v.name, v.key_id), v) != v:
                raise AmbiguousKey(f"two keys for {self.origin!r} share {v.name}+{v.key_id.hex()}")


@dataclass(frozen=True)
class AddCheckpointRequest:
    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes  # the signed note, as sent

    def encode(self) -> bytes:
        lines = [f"old {self.old_size}\n".encode()]
        lines += [base64.b64encode(h) + b"\n" for h in self.proof]
        return b"".join(lines) + b"\n" + self.checkpoint


@dataclass(frozen=True)
class WitnessResponse:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class WitnessedCheckpoint:
    """What the witness holds for one origin: the latest checkpoint it cosigned."""

    origin: str
    size: int
    root_hash: bytes
    note: bytes


@dataclass(frozen=True)
class Refusal:
    """A validly signed checkpoint the witness refused because it contradicts the stored one."""

    origin: str
    reason: str  # "same-size-different-root" or "inconsistent-proof"
    received_at: float
    stored_note: bytes
    request: AddCheckpointRequest


def parse_request(body: bytes) -> AddCheckpointRequest:
    """Split an add-checkpoint body into old size, proof and checkpoint note (no checks)."""
    end = body.find(b"\n")
    if end < 0 or not (old := _OLD_LINE.fullmatch(body[:end])):
        raise MalformedRequest(
            "the request starts with the line 'old <size>' (decimal, no leading zeros)"
        )
    proof: list[bytes] = []
    position = end + 1
    while True:
        end = body.find(b"\n", position)
        if end < 0:
            raise MalformedRequest("the request has no empty line before its checkpoint")
        line = body[position:end]
        position = end + 1
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise MalformedRequest(f"a consistency proof has at most {MAX_PROOF_LINES} lines")
        try:
            node = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise MalformedRequest(f"proof line {len(proof) + 1} is not base64") from None
        if len(node) != HASH_SIZE:
            raise MalformedRequest(
                f"proof line {len(proof) + 1} holds {len(node)} bytes, not a 32-byte hash"
            )
        proof.append(node)
    return AddCheckpointRequest(int(old.group(1)), tuple(proof), body[position:])


def _answer(status: int, message: str) -> WitnessResponse:
    return WitnessResponse(status, "text/plain; charset=utf-8", (message + "\n").encode())


def _conflict(size: int) -> WitnessResponse:
    return WitnessResponse(409, SIZE_MEDIA_TYPE, f"{size}\n".encode())


_SCHEMA = """
CREATE TABLE IF NOT EXISTS witnessed (
    origin TEXT PRIMARY KEY,
    size TEXT NOT NULL,          -- decimal: a tree size is a uint64, SQLite's INTEGER an int64
    root BLOB NOT NULL,
    note BLOB NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at REAL NOT NULL,
    stored_note BLOB NOT NULL,
    request BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS refused_by_origin ON refused (origin, id);
"""


@dataclass
class _Pending:
    request: AddCheckpointRequest
    checkpoint: Checkpoint
    response: WitnessResponse | None = None
    error: Exception | None = None


class Witness:
    """The witness state machine over one SQLite file. Safe to share between threads."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        signers: Sequence[CosignatureSigner],
        logs: Iterable[TrustedLog],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signers:
            raise ValueError("a witness needs at least one cosigning key")
        self.path = Path(path)
        self.signers = tuple(signers)
        self.logs: dict[str, TrustedLog] = {}
        for log in logs:
            if log.origin in self.logs:
                raise ValueError(f"the log {log.origin!r} is configured twice")
            self.logs[log.origin] = log
        self._clock = clock
        self._queue: list[_Pending] = []
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self._connection().executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")

    def verifiers(self) -> list[CosignatureVerifier]:
        return [s.verifier() for s in self.signers]

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise LogError("the witness is closed")
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # Each connection serves one thread; close() may run on another, hence the flag.
            db = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: a COMMIT is on disk before we answer, so no power cut can make us forget
            # a checkpoint we cosigned and then cosign an older or conflicting one.
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    def add_checkpoint(self, body: bytes) -> WitnessResponse:
        """Handle one add-checkpoint request body; the result is the HTTP answer."""
        if len(body) > MAX_REQUEST_SIZE:
            return _answer(413, f"the request is larger than {MAX_REQUEST_SIZE} bytes")
        try:
            request = parse_request(body)
            note = parse_note(request.checkpoint)
        except (MalformedRequest, MalformedNote) as error:
            return _answer(400, str(error))
        origin = note.text.split("\n", 1)[0]
        log = self.logs.get(origin)
        if log is None:
            return _answer(404, f"this witness does not follow the log {origin!r}")
        try:
            verify_note(note, log.verifiers)
        except (InvalidSignature, UnverifiedNote) as error:
            return _answer(403, str(error))
        try:
            checkpoint = Checkpoint.from_body(note.text)
        except MalformedNote as error:
            return _answer(400, str(error))
        if request.old_size > checkpoint.size:
            return _answer(
                400, f"old size {request.old_size} exceeds the checkpoint size {checkpoint.size}"
            )
        return self._update(request, checkpoint, note)

    def _update(
        self, request: AddCheckpointRequest, checkpoint: Checkpoint, note: Note
    ) -> WitnessResponse:
        pending = _Pending(request, checkpoint)
        with self._queue_lock:
            self._queue.append(pending)
        # Group commit: whoever holds the commit lock decides every queued request, in
        # arrival order, in one transaction, so concurrent requests share one fsync.
        with self._commit_lock:
            if pending.response is None and pending.error is None:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._decide_batch(batch)
        if pending.error is not None:
            raise pending.error
        assert pending.response is not None
        if pending.response.status != 200:
            return pending.response
        # Signed only once the new state is durable: see the module docstring.
        when = int(self._clock())
        lines = "".join(s.sign(note.text, when).line() for s in self.signers)
        return WitnessResponse(200, "text/plain; charset=utf-8", lines.encode())

    def _decide_batch(self, batch: list[_Pending]) -> None:
        db = self._connection()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                responses = [self._decide(db, p.request, p.checkpoint) for p in batch]
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except Exception as error:
            # Nothing of the batch was stored, so no request in it may be cosigned.
            for p in batch:
                p.error = error
            return
        for p, response in zip(batch, responses, strict=True):
            p.response = response

    def _decide(
        self, db: sqlite3.Connection, request: AddCheckpointRequest, checkpoint: Checkpoint
    ) -> WitnessResponse:
        """Check the request against the stored checkpoint and store it if it passes.

        Runs inside the caller's IMMEDIATE transaction, which holds the write lock.
        """
        origin = checkpoint.origin
        row = db.execute(
            "SELECT size, root, note FROM witnessed WHERE origin = ?", (origin,)
        ).fetchone()
        # Never cosigned: the empty tree, whose root is SHA-256 of nothing.
        stored_size, stored_root, stored_note = (
            (0, EMPTY_ROOT, b"") if row is None else (int(row[0]), bytes(row[1]), bytes(row[2]))
        )
        if request.old_size != stored_size:
            return _conflict(stored_size)
        if checkpoint.size == stored_size and checkpoint.root_hash != stored_root:
            if row is not None:
                self._refuse(db, origin, "same-size-different-root", stored_note, request)
            return _conflict(stored_size)
        try:
            verify_consistency(
                stored_size,
                checkpoint.size,
                stored_root,
                checkpoint.root_hash,
                request.proof,
                allow_empty_old=True,
            )
        except InvalidProof as error:
            if row is not None and request.proof:
                self._refuse(db, origin, "inconsistent-proof", stored_note, request)
            return _answer(422, f"the consistency proof does not verify: {error}")
        now = self._clock()
        values = (str(checkpoint.size), checkpoint.root_hash, request.checkpoint, now, origin)
        if row is None:
            db.execute(
                "INSERT INTO witnessed (size, root, note, updated_at, origin) "
                "VALUES (?, ?, ?, ?, ?)",
                values,
            )
        else:
            # Compare-and-swap on what was checked: belt and braces under the write lock.
            changed = db.execute(
                "UPDATE witnessed SET size = ?, root = ?, note = ?, updated_at = ? "
                "WHERE origin = ? AND size = ? AND root = ?",
                (*values, str(stored_size), stored_root),
            ).rowcount
            if changed != 1:
                raise RuntimeError(f"the stored checkpoint of {origin!r} changed under the lock")
        return WitnessResponse(200, "", b"")

    def _refuse(
        self,
        db: sqlite3.Connection,
        origin: str,
        reason: str,
        stored_note: bytes,
        request: AddCheckpointRequest,
    ) -> None:
        db.execute(
            "INSERT INTO refused (origin, reason, received_at, stored_note, request) "
            "VALUES (?, ?, ?, ?, ?)",
            (origin, reason, self._clock(), stored_note, request.encode()),
        )
        db.execute(
            "DELETE FROM refused WHERE origin = ? AND id NOT IN "
            "(SELECT id FROM refused WHERE origin = ? ORDER BY id DESC LIMIT ?)",
            (origin, origin, KEPT_REFUSALS),
        )

    def latest(self, origin: str) -> WitnessedCheckpoint | None:
        """The latest checkpoint cosigned for ``origin``, or None if none yet."""
        row = (
            self._connection()
            .execute("SELECT size, root, note FROM witnessed WHERE origin = ?", (origin,))
            .fetchone()
        )
        if row is None:
            return None
        return WitnessedCheckpoint(origin, int(row[0]), bytes(row[1]), bytes(row[2]))

    def refusals(self, origin: str) -> list[Refusal]:
        """The validly signed but contradicting checkpoints kept for ``origin``, oldest first."""
        rows = self._connection().execute(
            "SELECT reason, received_at, stored_note, request FROM refused "
            "WHERE origin = ? ORDER BY id",
            (origin,),
        )
        return [
            Refusal(origin, reason, at, bytes(stored), parse_request(bytes(request)))
            for reason, at, stored, request in rows
        ]

    def close(self) -> None:
        # Under the commit lock: a request being decided on another thread finishes first,
        # and later ones find the witness closed instead of a connection closed under them.
        with self._commit_lock, self._connections_lock:
            self._closed = True
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()
