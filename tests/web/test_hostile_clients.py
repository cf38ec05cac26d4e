"""Hostile clients against `firsthand serve`: slow ones (slowloris) and oversized bodies."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.request
from pathlib import Path

from tests.serving import running_server


def _a_reader_gets_through(url: str, count: int, unfinished_request: bytes, what: str) -> None:
    """Open ``count`` connections that each send ``unfinished_request`` and no more; a
    reader must still get /checkpoint at once."""
    port = int(url.rsplit(":", 1)[1])
    slow = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(unfinished_request)
            slow.append(s)
        time.sleep(0.5)
        began = time.monotonic()
        with urllib.request.urlopen(url + "/checkpoint", timeout=10) as response:
            assert response.status == 200
        assert time.monotonic() - began < 5, f"a reader waited behind {what}"
    finally:
        for s in slow:
            s.close()


def test_hundreds_of_slow_clients_do_not_lock_out_a_reader(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as url:
        headers = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "  # never finished
        _a_reader_gets_through(url, 300, headers, "slow clients")


def test_hundreds_of_slow_bodies_do_not_lock_out_a_reader(tmp_path: Path) -> None:
    """A slow POST ("R-U-Dead-Yet"): headers at once, then a body that never finishes.
    The request threads (64) must not all end up waiting for such bodies."""
    with running_server(tmp_path / "data") as url:
        post = (
            b"POST /api/v1/statements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 1000\r\n\r\nabc"
        )
        _a_reader_gets_through(url, 200, post, "slow bodies")


def test_a_body_larger_than_any_endpoint_takes_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "data") as url:
        port = int(url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.putrequest("POST", "/api/v1/statements")
        connection.putheader("Content-Type", "text/plain; charset=utf-8")
        connection.putheader("Content-Length", str(500 * 1024 * 1024))
        connection.endheaders()
        connection.send(b"x" * 1024)  # the server must answer without waiting for 500 MB
        response = connection.getresponse()
        assert response.status == 413
        connection.close()


def test_a_killed_server_leaves_no_worker_answering(tmp_path: Path) -> None:
    """`firsthand serve` answers from a worker process Granian forks: a SIGKILL of the
    server must take the worker (and its sequencer) with it, or a restart would find a
    second writer still holding the port and the log."""
    import os
    import signal
    import subprocess
    import sys

    from tests.serving import free_port, server_env

    port = free_port()
    data = tmp_path / "data"
    server = subprocess.Popen(
        [sys.executable, "-m", "firsthand.cli", "serve", "--data", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=server_env(data),
    )
    try:
        url = f"http://127.0.0.1:{port}/checkpoint"
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert children, "the server has no worker process"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        for _ in range(100):
            if not any(Path(f"/proc/{child}").exists() for child in children):
                break
            time.sleep(0.05)
        assert not any(Path(f"/proc/{child}").exists() for child in children)
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "something still answers"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_second_server_is_refused_the_port_and_the_data_directory(tmp_path: Path) -> None:
    """Granian binds with SO_REUSEPORT: without our checks a second `firsthand serve`
    would share the first one's port, or run a second sequencer on its log."""
    import subprocess
    import sys

    from tests.serving import free_port, running_server, server_env

    def serve(data: Path, port: int) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "firsthand.cli", "serve", "--data", str(data)]
        return subprocess.run(
            [*command, "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=server_env(data),
        )

    with running_server(tmp_path / "data") as url:
        port = int(url.rsplit(":", 1)[1])
        taken = serve(tmp_path / "other", port)
        assert taken.returncode == 1
        assert f"port {port} on 127.0.0.1 is already in use" in taken.stderr
        twice = serve(tmp_path / "data", free_port())
        assert twice.returncode == 1
        assert "another firsthand serve (process" in twice.stderr
        assert "serving http" not in taken.stdout + twice.stdout
