"""Statements handed to the one process that writes a SQLite log, over a Unix socket.

One of the three routes to the sequencer (routes.py: ``ThroughIntake``).

SQLite lets one writer in at a time. With several web workers each writing
its own rows (`firsthand serve --workers N`), every worker's transaction
waited on the file's write lock, and held it longer the busier its process
was: back from each SQLite call a thread waits for the GIL, up to 5 ms, while
the other processes wait for the lock. At a million statements the lock was
the bottleneck at about 850 statements a second, with a core's fifth idle.

So on SQLite the web workers write nothing. A worker checks a statement
(size, signature, kind) and sends the statement file to the sequencer
process's intake socket (``run/intake.sock``); that process stores the rows,
logs the heads and writes the indices for everything that came meanwhile, in
one thread and a few transactions, then answers each. A worker's answer comes
only once its statement is durable, exactly as in one process.

The protocol is frames: a 4-byte big-endian length, then that many bytes.
The worker sends the statement file; the answer is JSON, either
``{"index", "new", "checkpoint"}`` or ``{"status", "error"}``. A connection
carries one request at a time; each worker thread keeps its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import selectors
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INTAKE = "intake.sock"
# sun_path holds 108 bytes with its NUL: a deeper data directory gets a folder in /tmp.
_MAX_SOCKET_PATH = 107
_LENGTH = struct.Struct(">I")
_LARGEST_FRAME = 16 << 20  # a statement file is at most about 1 MB
CONNECT_SECONDS = 10.0  # how long a request waits for a sequencer being started again


def socket_path(data_directory: os.PathLike[str] | str) -> Path:
    """The intake socket of a data directory: in its ``run/`` (made 0700), or, when that
    path would be too long for a socket, in a folder of our own under /tmp."""
    preferred = Path(data_directory).resolve() / "run"
    if len(str(preferred / INTAKE)) <= _MAX_SOCKET_PATH:
        directory = preferred
    else:
        digest = hashlib.sha256(str(preferred).encode("utf-8")).hexdigest()[:24]
        directory = Path(tempfile.gettempdir()) / f"firsthand-{os.getuid()}" / digest
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory / INTAKE


class IntakeUnavailable(Exception):
    """The sequencer process cannot be reached, did not answer in time, or refused."""

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status the worker answers with


@dataclass(frozen=True)
class Recorded:
    index: int
    new: bool
    checkpoint: bytes  # the note of a checkpoint that holds the entry


class IntakeClient:
    """A web worker's side: one connection per thread, opened on first use."""

    def __init__(self, path: Path, connect_seconds: float = CONNECT_SECONDS) -> None:
        self.path = path
        # How long a request waits for a sequencer to be listening: one being started
        # again, on SQLite; none on PostgreSQL, where a worker can store the row instead.
        self.connect_seconds = connect_seconds
        self._local = threading.local()

    def record(self, statement_file: bytes, timeout: float) -> Recorded:
        """Hand the statement over and wait until it is logged, or raise."""
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.settimeout(timeout)
                _send_frame(connection, statement_file)
                answer = json.loads(_read_frame(connection))
                break
            except (OSError, ValueError) as error:
                self._local.connection = None
                connection.close()
                # A connection the sequencer closed (it was restarted) fails at once: try
                # a new one. A time-out is not tried again: the statement may be in a batch.
                if attempt == 2 or isinstance(error, TimeoutError):
                    raise IntakeUnavailable(str(error) or type(error).__name__) from None
        if "error" in answer:
            raise IntakeUnavailable(str(answer["error"]), int(answer.get("status", 503)))
        return Recorded(int(answer["index"]), bool(answer["new"]), answer["checkpoint"].encode())

    def _connection(self) -> socket.socket:
        connection: socket.socket | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        # A sequencer that died is started again within a second or two (serve.py): a
        # request waits that out rather than fail. Only then is the socket looked for
        # again and again, and only by the requests that arrive meanwhile.
        deadline = time.monotonic() + self.connect_seconds
        while True:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.connect(str(self.path))
                break
            except OSError as error:
                connection.close()
                if time.monotonic() >= deadline:
                    raise IntakeUnavailable(
                        f"the log's sequencer is not running ({error.strerror or error})"
                    ) from None
                time.sleep(0.05)
        self._local.connection = connection
        return connection


# What the sequencer does with a batch: the statement files in, one answer each out.
BatchHandler = Callable[[list[bytes]], list[dict[str, Any]]]


class IntakeServer:
    """The sequencer process's side: one thread reads every worker's requests, hands
    them to ``handle`` in batches at most ``period`` seconds apart, and answers."""

    def __init__(self, path: Path, handle: BatchHandler, period: float) -> None:
        self.path = path
        self._handle = handle
        self._period = period
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # left by a sequencer that was killed; we hold the lock now
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen(1024)
        self._listener.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._buffers: dict[socket.socket, bytearray] = {}
        self.batches = 0

    def serve(self, stopping: Callable[[], bool]) -> None:
        next_batch = 0.0
        waiting: list[tuple[socket.socket, bytes]] = []
        while not stopping():
            timeout = 1.0 if not waiting else max(0.0, next_batch - time.monotonic())
            for key, _ in self._selector.select(timeout):
                if key.fileobj is self._listener:
                    self._accept()
                else:
                    waiting.extend(self._read(key.fileobj))  # type: ignore[arg-type]
            if waiting and time.monotonic() >= next_batch:
                next_batch = time.monotonic() + self._period
                batch, waiting = waiting, []
                self._answer(batch)

    def _accept(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while True:
                connection, _ = self._listener.accept()
                connection.setblocking(False)
                self._buffers[connection] = bytearray()
                self._selector.register(connection, selectors.EVENT_READ)

    def _read(self, connection: socket.socket) -> list[tuple[socket.socket, bytes]]:
        buffer = self._buffers[connection]
        try:
            chunk = connection.recv(1 << 20)
        except BlockingIOError:
            return []
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(connection)
            return []
        buffer += chunk
        frames = []
        while len(buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer)
            if length > _LARGEST_FRAME:
                self._drop(connection)
                return []
            if len(buffer) < _LENGTH.size + length:
                break
            frames.append((connection, bytes(buffer[_LENGTH.size : _LENGTH.size + length])))
            del buffer[: _LENGTH.size + length]
        return frames

    def _answer(self, batch: list[tuple[socket.socket, bytes]]) -> None:
        try:
            answers = self._handle([payload for _, payload in batch])
        except Exception as error:  # every worker waiting must hear of it, and we go on
            failed = {"status": 503, "error": f"the log could not take it now: {error}"}
            answers = [failed] * len(batch)
        self.batches += 1
        for (connection, _), answer in zip(batch, answers, strict=True):
            if connection not in self._buffers:
                continue  # its worker went away; the statement is logged all the same
            try:
                connection.setblocking(True)
                connection.settimeout(5)
                _send_frame(connection, json.dumps(answer).encode("utf-8"))
                connection.setblocking(False)
            except OSError:
                self._drop(connection)

    def _drop(self, connection: socket.socket) -> None:
        self._buffers.pop(connection, None)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(connection)
        connection.close()

    def close(self) -> None:
        for connection in list(self._buffers):
            self._drop(connection)
        self._selector.close()
        self._listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _send_frame(connection: socket.socket, payload: bytes) -> None:
    connection.sendall(_LENGTH.pack(len(payload)) + payload)


def _read_frame(connection: socket.socket) -> bytes:
    (length,) = _LENGTH.unpack(_read_exactly(connection, _LENGTH.size))
    if length > _LARGEST_FRAME:
        raise ValueError(f"an answer of {length:,} bytes")
    return _read_exactly(connection, length)


def _read_exactly(connection: socket.socket, count: int) -> bytes:
    parts = []
    while count:
        chunk = connection.recv(count)
        if not chunk:
            raise ConnectionResetError("the sequencer closed the connection")
        parts.append(chunk)
        count -= len(chunk)
    return b"".join(parts)
