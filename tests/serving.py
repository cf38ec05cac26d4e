"""`firsthand serve` as a real subprocess on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Set by tests/conftest.py when the suite runs on PostgreSQL (FIRSTHAND_TEST_BACKEND).
SUITE_CLUSTER: Any = None
_databases: dict[Path, str] = {}


def database_for(data: Path) -> str | None:
    """The PostgreSQL database of this data directory's own when the suite runs on
    PostgreSQL (each server its own log, as each has its own directory), else None."""
    if SUITE_CLUSTER is None:
        return None
    key = data.resolve()
    if key not in _databases:
        _databases[key] = SUITE_CLUSTER.create_database(f"server_{len(_databases)}")
    return _databases[key]


def server_env(data: Path) -> dict[str, str]:
    """The environment of a `firsthand` subprocess serving ``data``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    database = database_for(data)
    if database is not None and "FIRSTHAND_DATABASE_URL" not in env:  # a test's own wins
        env["FIRSTHAND_DATABASE_URL"] = database
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(data: Path, *options: str) -> Iterator[str]:
    """Serve ``data`` until the block ends; yields the base URL once /checkpoint answers."""
    port = free_port()
    env = server_env(data)
    command = [sys.executable, "-m", "firsthand.cli", "serve", "--data", str(data)]
    server = subprocess.Popen(
        [*command, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/checkpoint", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"firsthand serve exited with status {server.returncode}"
                    ) from None
                time.sleep(0.1)
        else:
            raise RuntimeError("firsthand serve did not answer /checkpoint within 20 seconds")
        yield url
    finally:
        server.terminate()
        server.wait(10)


def load_demo(data: Path) -> None:
    """Migrate ``data`` and load the fictional demo, in the database its server will read."""
    env = server_env(data)
    for command in ("migrate", "demo"):
        done = subprocess.run(
            [sys.executable, "-m", "firsthand.cli", command, "--data", str(data)],
            capture_output=True,
            text=True,
            env=env,
        )
        assert done.returncode == 0, done.stderr


class CliProcess:
    """A CLI process whose output lines can be awaited."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "firsthand.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        while True:
            line = self.lines.get(timeout=timeout)
            if text in line:
                return line

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
