"""`firsthand witness serve` as a service: no orphan keeps answering after a SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from firsthand.log.note import Signer

REPO = Path(__file__).resolve().parents[2]
WITNESS = (sys.executable, "-m", "firsthand.cli", "witness", "serve")


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_a_witness_killed_with_sigkill_leaves_nothing_answering_on_its_port(
    tmp_path: Path,
) -> None:
    log = Signer.generate("orphan.example/log")
    follow = f"{log.name}={log.verifier().text()}"
    process = subprocess.Popen(
        [*WITNESS, "--data", str(tmp_path), "--port", "0", "--log", follow],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()
        port = int(process.stdout.readline().rsplit(":", 1)[1].split("/")[0])
        assert _answers(port)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        deadline = time.monotonic() + 10
        while _answers(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _answers(port), "the Granian worker outlived its parent"
    finally:
        process.kill()
        process.wait()
