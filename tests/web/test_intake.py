"""The intake socket between SQLite web workers and their sequencer (publishing/intake.py):
batches, answers to the right request, failures as answers, and a sequencer started again."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from firsthand.publishing import intake
from firsthand.publishing.intake import IntakeClient, IntakeServer, IntakeUnavailable


def _numbered(files: list[bytes]) -> list[dict[str, Any]]:
    """A stand-in for the log: the index is the number each file carries."""
    return [{"index": int(f), "new": True, "checkpoint": f"note {int(f)}\n"} for f in files]


@contextmanager
def serving(path: Path, handle: Any = _numbered, period: float = 0.01) -> Iterator[IntakeServer]:
    server = IntakeServer(path, handle, period)
    stop = threading.Event()
    thread = threading.Thread(target=server.serve, args=(stop.is_set,))
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(5)
        server.close()


def test_each_thread_gets_its_own_answer_and_requests_share_batches(tmp_path: Path) -> None:
    path = intake.socket_path(tmp_path)
    assert path.parent == tmp_path.resolve() / "run"
    client = IntakeClient(path)
    answers: dict[int, int] = {}
    with serving(path) as server:

        def send(numbers: range) -> None:
            for n in numbers:
                recorded = client.record(str(n).encode(), timeout=10)
                assert recorded.checkpoint == f"note {n}\n".encode()
                answers[n] = recorded.index

        threads = [threading.Thread(target=send, args=(range(i, 400, 8),)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert answers == {n: n for n in range(400)}
        assert server.batches < 400  # what came meanwhile went in together


def test_a_failing_batch_is_an_answer_for_each_and_the_server_goes_on(tmp_path: Path) -> None:
    path = intake.socket_path(tmp_path)
    calls = 0

    def flaky(files: list[bytes]) -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        return _numbered(files)

    with serving(path, flaky):
        client = IntakeClient(path)
        with pytest.raises(IntakeUnavailable, match="disk full") as refused:
            client.record(b"1", timeout=10)
        assert refused.value.status == 503
        assert client.record(b"2", timeout=10).index == 2


def test_a_refusal_keeps_its_status(tmp_path: Path) -> None:
    path = intake.socket_path(tmp_path)
    with serving(path, lambda files: [{"status": 400, "error": "no"} for _ in files]):
        with pytest.raises(IntakeUnavailable) as refused:
            IntakeClient(path).record(b"1", timeout=10)
        assert refused.value.status == 400


def test_an_oversized_frame_closes_that_connection_only(tmp_path: Path) -> None:
    path = intake.socket_path(tmp_path)
    with serving(path):
        hostile = socket.socket(socket.AF_UNIX)
        hostile.connect(str(path))
        hostile.sendall(struct.pack(">I", 1 << 30) + b"x" * 100)
        hostile.settimeout(5)
        assert hostile.recv(10) == b""  # dropped
        hostile.close()
        assert IntakeClient(path).record(b"7", timeout=10).index == 7


def test_a_client_waits_for_a_sequencer_started_again(tmp_path: Path) -> None:
    path = intake.socket_path(tmp_path)
    client = IntakeClient(path)
    with serving(path):
        assert client.record(b"1", timeout=10).index == 1
    result: dict[str, int] = {}

    def send() -> None:
        result["index"] = client.record(b"2", timeout=10).index

    sender = threading.Thread(target=send)
    sender.start()  # its old connection is closed: it reconnects, and waits for the socket
    time.sleep(0.5)
    with serving(path):
        sender.join(15)
    assert result == {"index": 2}


def test_no_sequencer_at_all_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "CONNECT_SECONDS", 0.2)
    with pytest.raises(IntakeUnavailable, match="not running"):
        IntakeClient(intake.socket_path(tmp_path)).record(b"1", timeout=1)


def test_a_deep_data_directory_gets_its_socket_in_tmp(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    path = intake.socket_path(deep)
    assert not path.is_relative_to(deep) and len(str(path)) <= 107
    assert path == intake.socket_path(deep)  # the same for every process
    with serving(path):
        assert IntakeClient(path).record(b"3", timeout=10).index == 3
