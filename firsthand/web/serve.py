"""`firsthand serve`: the site under Granian (Rust HTTP/1.1) in one worker process.

Under a load of signed statements, waitress's pure-Python event loop cost
about a quarter of the one process's CPU, and more the more connections were
open (it asks every connection whether it is readable on every turn of its
loop). Granian parses HTTP and holds idle and slow connections in Rust, and
hands Python only the WSGI call: the same process accepted 1.7x the
statements a second (bench/load.py prints the figures).

By default there is one worker, and it runs the log's sequencer
(publishing/process.py): the fewest moving parts, and the shortest wait for an index.
With ``--workers N`` (N > 1) the site runs in N worker processes, each with
its own interpreter and GIL, and `firsthand serve` starts `firsthand
sequencer` as one more child process (``SequencerChild``), started again if it
dies: a log has one writer. On SQLite the workers hand it the statements and
wait for its answer (publishing/intake.py); on PostgreSQL they store the rows and
wait on LISTEN (publishing/notify.py). Under a load of signed statements one
process is held by its GIL to one core; two use both.

Granian forks the workers. Nothing the parent opened (the database, the log)
may cross the fork, so the parent closes them first and each worker opens its
own. Every child asks the kernel to kill it if the parent dies
(PR_SET_PDEATHSIG), so `kill -9` of `firsthand serve` leaves no orphan
answering on the port or writing the log. On a clean stop the sequencer logs
what is pooled before it exits.

Hostile clients: Granian keeps slow and idle connections in its Rust event
loop (up to ``CONNECTIONS`` at once), not in a Python thread, and drops a
client that has not sent its headers within ``HEADER_SECONDS``. A body
declared larger than an endpoint takes is refused with 413 before it is read
(publish.py, media.py check Content-Length first).
"""

from __future__ import annotations

import errno
import multiprocessing.util
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from granian.http import HTTP1Settings
from granian.log import LogLevels

from firsthand.log.errors import LogError
from firsthand.log.storage import FileLock
from firsthand.log.witness_serve import die_with_parent, serve_in_workers

CONNECTIONS = 2000
HEADER_SECONDS = 30
LOCK_NAME = "serve.lock"
CLAIM_SECONDS = 3.0


class AlreadyServing(LogError):
    """Another server holds the port, or sequences this data directory."""


def claim_data_directory(directory: os.PathLike[str] | str) -> FileLock:
    """Hold the data directory's lock for as long as this process (and its workers) lives.

    One SQLite log has one sequencer: a second `firsthand serve` on the same data
    directory would give two rows one index. The lock is an flock, so the kernel
    frees it when the last process holding it dies, SIGKILL included.
    """
    path = Path(directory) / LOCK_NAME
    # A server killed a moment ago may leave its worker alive for a few milliseconds
    # more (it dies with its parent, but not in the same instant): wait that out.
    deadline = time.monotonic() + CLAIM_SECONDS
    while (lock := FileLock.try_take(path)) is None:
        if time.monotonic() >= deadline:
            raise AlreadyServing(
                f"another firsthand serve (process {FileLock.holder(path)}) is serving "
                f"{directory}; stop it first, or serve another data directory"
            )
        time.sleep(0.05)
    return lock


def refuse_taken_port(host: str, port: int) -> None:
    """Fail with a clear error if something already listens on the port.

    Granian binds with SO_REUSEPORT, so without this check a second server on
    the same port would silently share its connections with the first.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + CLAIM_SECONDS  # as for the lock: a dying server's worker
    while True:
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no user
            try:
                probe.bind((host, port))
                return
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
        if time.monotonic() >= deadline:
            raise AlreadyServing(
                f"port {port} on {host} is already in use; choose another with --port"
            )
        time.sleep(0.05)


def serve_site(
    host: str,
    port: int,
    threads: int,
    start_worker: Callable[[], None],
    stop_worker: Callable[[], None],
    workers: int = 1,
) -> None:
    """Serve the Django site until SIGINT or SIGTERM.

    ``start_worker`` runs in the worker before the first request (it starts
    the sequencer there); ``stop_worker`` runs there on a clean stop.
    """

    def build() -> Any:
        from firsthand.web.wsgi import application

        start_worker()
        # multiprocessing runs its finalizers when the worker process ends cleanly
        # (atexit handlers do not run in a forked child).
        multiprocessing.util.Finalize(None, stop_worker, exitpriority=100)
        return application

    serve_in_workers(
        "firsthand.web.wsgi:application",
        build,
        host,
        port,
        threads,
        workers,
        # Granian admits at most this many connections a worker at once: slow clients
        # beyond it would lock out everyone else.
        backpressure=CONNECTIONS,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_SECONDS * 1000),
        # Error, not warning: Granian warns at every start that 64 threads exceed the cores,
        # but our threads mostly wait for the sequencer, not for the CPU.
        log_level=LogLevels.error,
    )


class SequencerChild:
    """`firsthand sequencer` as a child of `firsthand serve --workers N`, started again
    whenever it dies, until ``stop``.

    It is started and watched from one thread, which lives as long as it does:
    PR_SET_PDEATHSIG fires when the thread that forked the child ends.
    """

    RESTART_SECONDS = 0.5

    def __init__(self, arguments: Sequence[str]) -> None:
        self._command = [sys.executable, "-m", "firsthand.cli", "sequencer", *arguments]
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="firsthand-sequencer-child")
        self._thread.daemon = True
        self._thread.start()
        self._started.wait(30)

    def _run(self) -> None:
        parent = os.getpid()
        while not self._stopping.is_set():
            self._process = subprocess.Popen(
                self._command, preexec_fn=lambda: die_with_parent(parent)
            )
            self._started.set()
            status = self._process.wait()
            if not self._stopping.is_set():
                print(
                    f"firsthand serve: the sequencer (process {self._process.pid}) ended "
                    f"with status {status}; starting it again",
                    file=sys.stderr,
                    flush=True,
                )
                self._stopping.wait(self.RESTART_SECONDS)

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM: it logs what is pooled, then exits."""
        self._stopping.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(timeout)
