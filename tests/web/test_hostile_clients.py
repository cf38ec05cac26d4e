"""Hostile clients against `firsthand serve`: slow ones (slowloris) and oversized bodies."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.request
from pathlib import Path

from tests.serving import running_server


def test_hundreds_of_slow_clients_do_not_lock_out_a_reader(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as url:
        port = int(url.rsplit(":", 1)[1])
        slow = []
        try:
            for _ in range(300):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
                slow.append(s)
            time.sleep(0.5)
            began = time.monotonic()
            with urllib.request.urlopen(url + "/checkpoint", timeout=10) as response:
                assert response.status == 200
            assert time.monotonic() - began < 5, "a reader waited behind slow clients"
        finally:
            for s in slow:
                s.close()


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
