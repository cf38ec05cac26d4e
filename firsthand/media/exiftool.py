"""A long-lived exiftool (`-stay_open True -@ -`), fenced like every other tool run.

Perl and exiftool's modules take about 0.3 s to start, more than reading a photo's
metadata. One process per file made cleaning slower than mat2, so each Python process
keeps a few exiftool processes alive and sends them one request at a time:

    -j -G1 -a -u -n -api LargeFileSupport=1 FILE... -echo4 {readyN} -executeN

and reads the JSON on stdout until exiftool's `{readyN}` line, and stderr until the
`{readyN}` that -echo4 writes there after the command. Each request has the caller's
wall-clock limit: past it the process group is killed and `ToolFailed` raised, and the
next request starts a new process. The process gets the same fence as any tool
(tools.fence: address space, CPU seconds, no file writes, no core dumps, minimal
environment, no stdin but our pipe). RLIMIT_CPU counts over the process's life, so a
worker is retired after `_REQUESTS_PER_WORKER` requests or 60 % of its CPU budget.

Paths are absolute paths in our private workspaces (names we chose), one per line of
the argument file, so no file name can be read as an option.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import selectors
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from firsthand.media.errors import ToolFailed
from firsthand.media.limits import Limits
from firsthand.media.tools import ENV, fence

_REQUESTS_PER_WORKER = 500
_IDLE_WORKERS = 4  # two cleaners at once, each with an upload listing beside its read-back
_ARGS = ("-j", "-G1", "-a", "-u", "-n", "-api", "LargeFileSupport=1")
# For listing an upload (the report of what was removed), not for a read-back: composite
# tags (GPSPosition, ImageSize, LensID...) are computed from fields that are listed
# anyway, and computing them was a quarter of exiftool's time on a camera's JPEG.
LISTING = ("-x", "Composite:all")


class _Worker:
    def __init__(self, limits: Limits) -> None:
        program = shutil.which("exiftool", path=ENV["PATH"])
        if program is None:
            raise ToolFailed("exiftool is not installed on this server")
        self.key = (limits.tool_memory_bytes, limits.tool_cpu_seconds)
        self.owner = os.getpid()
        self.requests = 0
        self.cpu_budget = limits.tool_cpu_seconds
        self.numbers = itertools.count(1)
        try:
            self.process = subprocess.Popen(
                [program, "-stay_open", "True", "-@", "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd="/",
                env=ENV,
                preexec_fn=fence(limits, 0),
                start_new_session=True,
            )
        except OSError as error:
            raise ToolFailed(f"exiftool could not be started: {error.strerror}") from None

    def usable(self) -> bool:
        return (
            self.owner == os.getpid()
            and self.process.poll() is None
            and self.requests < _REQUESTS_PER_WORKER
            and _cpu_seconds(self.process.pid) < 0.6 * self.cpu_budget
        )

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Ask exiftool to stop; kill it if it does not."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(b"-stay_open\nFalse\n")
            self.process.stdin.flush()
            self.process.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def send(self, paths: Sequence[Path], options: Sequence[str] = ()) -> bytes:
        """Write one request; returns the marker that ends its answer."""
        number = next(self.numbers)
        marker = f"{{ready{number}}}".encode()
        lines = [*_ARGS, *options, *(str(path) for path in paths), "-echo4", marker.decode()]
        lines.append(f"-execute{number}")
        self.requests += 1
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(("\n".join(lines) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            raise ToolFailed("exiftool stopped unexpectedly") from None
        return marker

    def receive(self, marker: bytes, seconds: float) -> tuple[bytes, bytes]:
        """Read one answer (stdout, stderr) within `seconds`."""
        assert self.process.stdout is not None and self.process.stderr is not None
        out, err = bytearray(), bytearray()
        done = {self.process.stdout.fileno(): False, self.process.stderr.fileno(): False}
        buffers = {self.process.stdout.fileno(): out, self.process.stderr.fileno(): err}
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as selector:
            for fd in done:
                selector.register(fd, selectors.EVENT_READ)
            while not all(done.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ToolFailed(
                        f"exiftool took longer than {seconds:g} s on this file and was stopped"
                    )
                for key, _ in selector.select(timeout=left):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        raise ToolFailed("exiftool was killed, probably by its CPU or memory limit")
                    buffer = buffers[key.fd]
                    buffer += chunk
                    if buffer.endswith(marker + b"\n"):
                        done[key.fd] = True
                        selector.unregister(key.fd)
        return bytes(out[: -len(marker) - 1]), bytes(err[: -len(marker) - 1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a child process so far (Linux /proc), 0 if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


_idle: list[_Worker] = []
_lock = threading.Lock()


def _take(limits: Limits) -> _Worker:
    key = (limits.tool_memory_bytes, limits.tool_cpu_seconds)
    with _lock:
        for worker in list(_idle):
            if worker.key == key:
                _idle.remove(worker)
                if worker.usable():
                    return worker
                if worker.owner == os.getpid():
                    worker.close()
    return _Worker(limits)


def _give_back(worker: _Worker) -> None:
    with _lock:
        if worker.usable() and len(_idle) < _IDLE_WORKERS:
            _idle.append(worker)
            return
    worker.close()


Records = tuple[list[dict[str, Any]] | None, bytes]


class Pending:
    """A request sent to an exiftool of our own; `result()` waits for its answer.

    exiftool reads an upload's metadata (for the report) while ffmpeg copies its
    streams: the two run side by side instead of one after the other.
    """

    def __init__(self, paths: Sequence[Path], limits: Limits, options: Sequence[str] = ()) -> None:
        self.limits = limits
        self.worker: _Worker | None = _take(limits)
        try:
            self.marker = self.worker.send([path.resolve() for path in paths], options)
        except BaseException:
            self.worker.kill()
            raise

    def result(self) -> Records:
        worker, self.worker = self.worker, None
        assert worker is not None, "result() was already taken"
        try:
            out, err = worker.receive(self.marker, self.limits.tool_seconds)
        except BaseException:
            worker.kill()
            raise
        _give_back(worker)
        try:
            records = json.loads(out.decode("utf-8", "replace"))
        except ValueError:
            return None, err
        return (records if isinstance(records, list) else None), err

    def cancel(self) -> None:
        """Give up on the answer: the worker may be mid-file, so it is stopped."""
        if self.worker is not None:
            self.worker.kill()
            self.worker = None


def start(paths: Sequence[Path], limits: Limits, options: Sequence[str] = ()) -> Pending:
    """Send a request now, take its answer later; `options` are added to the usual ones
    (only fixed options of ours, such as LISTING)."""
    return Pending(paths, limits, options)


def read(paths: Sequence[Path], limits: Limits) -> Records:
    """exiftool's JSON records for these files (None if it printed no JSON), and stderr."""
    return Pending(paths, limits).result()


@atexit.register
def shutdown() -> None:
    """Stop the idle workers (at exit, and in tests that count processes)."""
    with _lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        if worker.owner == os.getpid():
            worker.close()
