"""`firsthand serve` as a real subprocess on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(data: Path, *options: str) -> Iterator[str]:
    """Serve ``data`` until the block ends; yields the base URL once /checkpoint answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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
