"""Wake-ups between the processes of one machine that share a SQLite log.

On PostgreSQL, web workers and `firsthand sequencer` wake each other with
NOTIFY. SQLite has nothing of the kind, so with several web workers
(`firsthand serve --workers N`) they use Unix datagram sockets in the data
directory's ``run/`` folder instead: the sequencer reads ``sequencer.sock``
(a worker stored a row), and each worker's waiter reads its own
``waiter-<pid>-<random>.sock`` (a batch is logged, with the row ids named as
in a NOTIFY payload). A datagram is one whole message or none; nobody polls.

A wake-up is only ever a hint: a lost one costs a second (the waiters' and
the sequencer's fallback timers), never a statement. So sending never
blocks: a full queue means its reader is awake and behind already, and a
socket left by a process that died is removed by the next sender.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import socket
import tempfile
from pathlib import Path

SEQUENCER = "sequencer.sock"
_WAITER_PREFIX = "waiter-"
# sun_path holds 108 bytes with its NUL: a deeper data directory gets a folder in /tmp.
_MAX_SOCKET_PATH = 107
_LONGEST_NAME = f"{_WAITER_PREFIX}{'9' * 10}-{'f' * 16}.sock"
_LARGEST_MESSAGE = 65536


def run_directory(data_directory: os.PathLike[str] | str) -> Path:
    """Where the sockets of this data directory's processes live (made 0700 if new)."""
    preferred = Path(data_directory).resolve() / "run"
    if len(str(preferred / _LONGEST_NAME)) <= _MAX_SOCKET_PATH:
        directory = preferred
    else:
        digest = hashlib.sha256(str(preferred).encode("utf-8")).hexdigest()[:24]
        directory = Path(tempfile.gettempdir()) / f"firsthand-{os.getuid()}" / digest
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


class Mailbox:
    """A socket this process reads its wake-ups from, removed when closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        # A path left by a process that died (a sequencer killed with SIGKILL) is stale.
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._socket.bind(str(path))

    @classmethod
    def for_waiter(cls, directory: Path) -> Mailbox:
        return cls(directory / f"{_WAITER_PREFIX}{os.getpid()}-{secrets.token_hex(8)}.sock")

    def receive(self, timeout: float) -> list[str] | None:
        """The messages that came within ``timeout`` seconds (all that are queued once
        one has come), or None if none did."""
        self._socket.settimeout(timeout)
        try:
            messages = [self._socket.recv(_LARGEST_MESSAGE).decode("utf-8", "replace")]
        except TimeoutError:
            return None
        self._socket.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while True:
                messages.append(self._socket.recv(_LARGEST_MESSAGE).decode("utf-8", "replace"))
        return messages

    def close(self) -> None:
        self._socket.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def send(path: Path, message: str) -> bool:
    """Put ``message`` in the mailbox at ``path``; False if no process reads it any more."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        try:
            sender.sendto(message.encode("utf-8"), str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            return False
        except BlockingIOError:
            pass  # its queue is full: the reader is awake, and behind
    return True


def wake_sequencer(directory: Path) -> None:
    send(directory / SEQUENCER, "")


def wake_waiters(directory: Path, message: str) -> int:
    """Send ``message`` to every worker's waiter; how many there were. A mailbox no
    process reads any more (its worker was killed) is removed."""
    woken = 0
    for path in directory.glob(f"{_WAITER_PREFIX}*.sock"):
        if send(path, message):
            woken += 1
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return woken
