"""Running a witness as a service: Granian (Rust HTTP/1.1) in front of the WSGI app.

A cosignature costs an Ed25519 verification, a signature and a durable
commit; on two cores waitress's pure-Python HTTP handling cost about as much
again, and held the witness near 1,200 requests/s. Granian parses HTTP in
Rust and hands Python only the WSGI call, which more than doubles that
(bench/witness.py prints both).

Granian serves from a worker process that it forks. The witness's SQLite
connection and key are opened in that worker, never inherited across the
fork. The worker asks the kernel to kill it if its parent dies
(PR_SET_PDEATHSIG), so a witness killed with SIGKILL leaves no orphan still
answering on its port; its state is safe either way (see witness.py).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

from firsthand.log.witness import Witness
from firsthand.log.witness_http import WSGIApp, make_app

_PR_SET_PDEATHSIG = 1


def free_port(host: str) -> int:
    """A port the kernel says is free now (for ``--port 0``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _call_when_listening(host: str, port: int, ready: Callable[[], None]) -> None:
    # Granian starts listening only after the app is loaded, in its Rust runtime.
    for _ in range(1000):
        try:
            socket.create_connection((host, port), timeout=1).close()
        except OSError:
            time.sleep(0.01)
            continue
        ready()
        return


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when ``parent`` (its parent) dies, SIGKILL included."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the call above took effect
        os._exit(1)


def serve_witness(
    open_witness: Callable[[], Witness],
    host: str,
    port: int,
    threads: int = 4,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve ``POST /add-checkpoint`` until interrupted.

    ``open_witness`` runs in the worker. ``ready`` runs there too, once the
    port accepts connections, so whoever waits for it is never refused.
    """

    def build() -> WSGIApp:
        app = make_app(open_witness())
        threading.Thread(target=_call_when_listening, args=(host, port, ready), daemon=True).start()
        return app

    serve_in_workers(
        "firsthand.log.witness_http:make_app",
        build,
        host,
        port,
        threads,
        log_level=LogLevels.warning,
    )


def serve_in_workers(
    target: str,
    build: Callable[[], Any],
    host: str,
    port: int,
    threads: int,
    workers: int = 1,
    **options: Any,
) -> None:
    """Serve the WSGI app ``build`` makes, from Granian workers that die with their parent.

    ``build`` runs in the worker, so nothing it opens crosses Granian's fork;
    ``target`` only names the app in Granian's logs. ``options`` go to Granian.
    """
    parent = os.getpid()

    def load(*_: Any) -> Any:
        die_with_parent(parent)
        return build()

    server = Granian(
        target,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        **options,
    )
    server.serve(target_loader=load)
