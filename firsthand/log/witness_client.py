"""The log's side of tlog-witness v1.0.0: gathering cosignatures on its checkpoints.

``WitnessClient.cosign`` sends a signed checkpoint to every configured witness
at once, each with a consistency proof from the size that witness holds, and
returns what each answered. It learns a witness's size from its 409 answer
(``text/x.tlog.size``) and retries; network errors and 5xx are retried with a
short back-off; every request has a time-out. A cosignature is kept only if it
verifies with that witness's key (tlog-cosignature v1.0.1) on our checkpoint.

``CosignatureCollector`` runs the client on a background thread. The sequencer
hands it each new checkpoint with ``submit``, which never blocks: a newer
checkpoint replaces one still waiting, since a witness only needs the latest.
The gathered cosignatures are merged into the checkpoint note
(``merge_cosignatures``) for ``/checkpoint`` to serve, and passed to a callback.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from firsthand.log.checkpoint import Checkpoint, open_checkpoint
from firsthand.log.cosignature import CosignatureVerifier, verify_cosignatures
from firsthand.log.errors import LogError
from firsthand.log.note import MAX_SIGNATURES, Note, NoteSignature, Verifier, parse_note
from firsthand.log.witness import SIZE_MEDIA_TYPE, AddCheckpointRequest

ProofSource = Callable[[int, int], Sequence[bytes]]
"""(old size, new size) -> the RFC 6962 consistency proof between them, from the log's tree."""

_SIZE_BODY = re.compile(rb"(0|[1-9][0-9]{0,19})\n")
_RETRYABLE = {429, 500, 502, 503, 504}


class WitnessFailure(LogError):
    """A witness did not cosign: it refused, could not be reached, or answered nonsense."""


class WitnessConflict(WitnessFailure):
    """A witness holds a checkpoint that contradicts ours: a fork or a split view to look into."""


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness: its submission prefix (``https://host/path``) and its cosigner key."""

    url: str
    verifier: CosignatureVerifier

    @classmethod
    def from_text(cls, text: str) -> WitnessEndpoint:
        """``<submission URL>=<cosigner vkey>``, the form used in configuration."""
        url, equals, vkey = text.partition("=")
        if not equals or not url.startswith(("http://", "https://")):
            raise LogError("a witness is given as <http(s) URL>=<cosigner verifier key>")
        return cls(url.rstrip("/"), CosignatureVerifier.from_text(vkey))


@dataclass(frozen=True)
class CosignOutcome:
    """What one witness did with one checkpoint."""

    witness: WitnessEndpoint
    cosignatures: tuple[NoteSignature, ...] = ()
    timestamp: int | None = None
    error: str | None = None
    conflict: bool = False  # the witness holds a contradicting checkpoint

    @property
    def ok(self) -> bool:
        return bool(self.cosignatures)


class _Connection:
    """One keep-alive HTTP connection to a witness, reopened after any error."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LogError(f"the witness URL {url!r} is not an http(s) URL")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self.path = parts.path.rstrip("/") + "/add-checkpoint"
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self.lock = threading.Lock()

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self._timeout)
        try:
            self._conn.request(
                "POST", self.path, body, {"Content-Type": "text/plain; charset=utf-8"}
            )
            response = self._conn.getresponse()
            data = response.read(1 << 20)
            return response.status, response.getheader("Content-Type", ""), data
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class WitnessClient:
    """Ask witnesses to cosign checkpoints, in parallel, with time-outs and retries."""

    def __init__(
        self,
        witnesses: Sequence[WitnessEndpoint],
        prove: ProofSource,
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self.witnesses = tuple(witnesses)
        self._prove = prove
        self._attempts = attempts
        self._backoff = backoff
        self._connections = {w.url: _Connection(w.url, timeout) for w in self.witnesses}
        # The size each witness last told us it holds, so the next request needs no 409.
        self._known_sizes: dict[str, int] = {}
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, len(self.witnesses)), thread_name_prefix="firsthand-witness-client"
        )

    def cosign(self, checkpoint_note: bytes, checkpoint: Checkpoint) -> list[CosignOutcome]:
        """Every witness's answer on this signed checkpoint, in the configured order."""
        note = parse_note(checkpoint_note)
        futures = [
            self._pool.submit(self._cosign_one, w, note, checkpoint_note, checkpoint)
            for w in self.witnesses
        ]
        return [f.result() for f in futures]

    def _cosign_one(
        self, witness: WitnessEndpoint, note: Note, note_bytes: bytes, checkpoint: Checkpoint
    ) -> CosignOutcome:
        try:
            with self._connections[witness.url].lock:
                lines, timestamp = self._exchange(witness, note, note_bytes, checkpoint)
            return CosignOutcome(witness, lines, timestamp)
        except WitnessConflict as error:
            return CosignOutcome(witness, error=str(error), conflict=True)
        except (WitnessFailure, LogError) as error:
            return CosignOutcome(witness, error=str(error))

    def _exchange(
        self, witness: WitnessEndpoint, note: Note, note_bytes: bytes, checkpoint: Checkpoint
    ) -> tuple[tuple[NoteSignature, ...], int]:
        old = min(self._known_sizes.get(witness.url, 0), checkpoint.size)
        tried_sizes: set[int] = set()
        failures = 0
        while True:
            tried_sizes.add(old)
            proof = tuple(self._prove(old, checkpoint.size)) if 0 < old < checkpoint.size else ()
            body = AddCheckpointRequest(old, proof, note_bytes).encode()
            try:
                status, content_type, answer = self._connections[witness.url].post(body)
            except (OSError, http.client.HTTPException) as error:
                status, content_type, answer = 0, "", str(error).encode()
            if status == 200:
                self._known_sizes[witness.url] = checkpoint.size
                return _verified(witness, note, answer)
            if status == 409:
                size = _witness_size(witness, content_type, answer)
                self._known_sizes[witness.url] = size
                if size > checkpoint.size:
                    raise WitnessConflict(
                        f"{witness.url} holds a checkpoint of size {size}, larger than ours "
                        f"({checkpoint.size}): our log went backwards, or showed it another tree"
                    )
                if size in tried_sizes:
                    raise WitnessConflict(
                        f"{witness.url} holds another root hash at size {size}: a split view"
                    )
                if len(tried_sizes) > self._attempts:
                    raise WitnessFailure(f"{witness.url} keeps changing its size (now {size})")
                old = size
                continue
            if status in _RETRYABLE or status == 0:
                failures += 1
                if failures < self._attempts:
                    time.sleep(self._backoff * 2 ** (failures - 1))
                    continue
            reason = answer.decode("utf-8", "replace").strip()[:300]
            what = f"answered {status}" if status else "could not be reached"
            if status == 422:
                raise WitnessConflict(
                    f"{witness.url} refused our consistency proof from size {old}: {reason}"
                )
            raise WitnessFailure(f"{witness.url} {what}: {reason}")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for connection in self._connections.values():
            with connection.lock:
                connection.close()


def _witness_size(witness: WitnessEndpoint, content_type: str, body: bytes) -> int:
    if content_type.split(";")[0].strip() != SIZE_MEDIA_TYPE or not (
        match := _SIZE_BODY.fullmatch(body)
    ):
        raise WitnessFailure(f"{witness.url} answered 409 without a {SIZE_MEDIA_TYPE} tree size")
    return int(match.group(1))


def _verified(
    witness: WitnessEndpoint, note: Note, answer: bytes
) -> tuple[tuple[NoteSignature, ...], int]:
    """The witness's own cosignature lines from a 200 answer, each checked with its key."""
    try:
        # The spec's suggestion: append the answer to the checkpoint and parse it as a note.
        answered = parse_note(note.text.encode("utf-8") + b"\n" + answer)
        found = verify_cosignatures(answered, [witness.verifier])
    except LogError as error:
        raise WitnessFailure(f"{witness.url} answered an unusable cosignature: {error}") from None
    if not found:
        raise WitnessFailure(f"{witness.url} answered no cosignature by {witness.verifier.name}")
    lines = tuple(s for s in answered.signatures if witness.verifier.matches(s))
    return lines, found[0].timestamp


def merge_cosignatures(checkpoint_note: bytes, cosignatures: Iterable[NoteSignature]) -> bytes:
    """The checkpoint note with the given signature lines added after its own.

    A new line by a key that already signed the note (same name and key ID)
    replaces the old one, so a note never carries two cosignatures by one witness.
    """
    note = parse_note(checkpoint_note)
    added = list(cosignatures)
    replaced = {(s.name, s.key_id) for s in added}
    kept = [s for s in note.signatures if (s.name, s.key_id) not in replaced]
    signatures = (*kept, *dict.fromkeys(added))
    if len(signatures) > MAX_SIGNATURES:
        raise LogError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return Note(note.text, signatures).encode()


@dataclass(frozen=True)
class CosignedCheckpoint:
    """A checkpoint and what the witnesses said about it."""

    checkpoint: Checkpoint
    note: bytes  # the log's note with every verified cosignature merged in
    outcomes: tuple[CosignOutcome, ...]

    @property
    def cosigners(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)


@dataclass
class _State:
    pending: bytes | None = None
    busy: bool = False
    stopping: bool = False
    latest: CosignedCheckpoint | None = None
    retry_at: float | None = None
    errors: list[str] = field(default_factory=list)


class CosignatureCollector:
    """Gathers cosignatures in the background; ``submit`` never waits for a witness."""

    def __init__(
        self,
        client: WitnessClient,
        log_key: Verifier,
        on_cosigned: Callable[[CosignedCheckpoint], None] | None = None,
        *,
        retry_period: float = 30.0,
    ) -> None:
        self._client = client
        self._log_key = log_key
        self._on_cosigned = on_cosigned
        self._retry_period = retry_period
        self._state = _State()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="firsthand-cosignature-collector", daemon=True
            )
            self._thread.start()

    def submit(self, checkpoint_note: bytes) -> None:
        """Queue a newly signed checkpoint; one still waiting is dropped for it."""
        with self._changed:
            self._state.pending = checkpoint_note
            self._changed.notify_all()

    def latest(self) -> CosignedCheckpoint | None:
        """The newest checkpoint that went round the witnesses, with its cosignatures."""
        with self._changed:
            return self._state.latest

    def errors(self) -> list[str]:
        """Recent failures (bad checkpoints handed in, callback errors), newest last."""
        with self._changed:
            return list(self._state.errors)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight (for tests and orderly shutdown)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._state.pending is None and not self._state.busy, timeout
            )

    def stop(self, timeout: float = 30.0) -> None:
        with self._changed:
            self._state.stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._client.close()

    def _next(self) -> bytes | None:
        state = self._state
        with self._changed:
            while True:
                if state.stopping:
                    return None
                if state.pending is not None:
                    note, state.pending, state.busy = state.pending, None, True
                    return note
                if state.retry_at is not None and state.latest is not None:
                    delay = state.retry_at - time.monotonic()
                    if delay <= 0:
                        state.retry_at, state.busy = None, True
                        return state.latest.note
                    self._changed.wait(delay)
                else:
                    self._changed.wait()

    def _run(self) -> None:
        while (note := self._next()) is not None:
            try:
                self._collect(note)
            except Exception as error:  # one bad checkpoint must not stop the collector
                self._record_error(f"{type(error).__name__}: {error}")
            finally:
                with self._changed:
                    self._state.busy = False
                    self._changed.notify_all()

    def _collect(self, note: bytes) -> None:
        checkpoint, _ = open_checkpoint(note, self._log_key)
        latest = self.latest()
        if latest is not None and checkpoint.size < latest.checkpoint.size:
            return  # witnesses have seen a larger tree from us; this one is stale
        outcomes = self._client.cosign(note, checkpoint)
        lines = [line for o in outcomes for line in o.cosignatures]
        if latest is not None and latest.checkpoint == checkpoint:
            # A retry of the same checkpoint keeps what earlier rounds gathered.
            earlier = parse_note(latest.note).signatures
            lines = [*earlier, *lines]
        cosigned = CosignedCheckpoint(checkpoint, merge_cosignatures(note, lines), tuple(outcomes))
        with self._changed:
            self._state.latest = cosigned
            failed = any(not o.ok for o in outcomes)
            self._state.retry_at = time.monotonic() + self._retry_period if failed else None
        if self._on_cosigned is not None:
            try:
                self._on_cosigned(cosigned)
            except Exception as error:
                self._record_error(f"the cosignature callback failed: {error}")

    def _record_error(self, message: str) -> None:
        with self._changed:
            self._state.errors = [*self._state.errors[-19:], message]
