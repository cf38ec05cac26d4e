"""`firsthand serve --workers N`: several web worker processes and one `firsthand sequencer`
beside them, on SQLite as on PostgreSQL; and the sequencer lock that keeps a SQLite log to
one writer whichever way it is served."""

from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path

import pytest

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from tests import serving
from tests.serving import CliProcess, running_server, server_env


def _post(url: str, statement: bytes) -> dict[str, object]:
    request = urllib.request.Request(
        url + "/api/v1/statements",
        data=statement,
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        answer: dict[str, object] = json.loads(response.read())
        return answer


def _statements(count: int) -> list[bytes]:
    author = Signer.from_seed("workers.example", bytes(range(32)))
    return [
        sign_statement(author, f"Statement {i} through several workers.\n").file_bytes()
        for i in range(count)
    ]


def test_two_workers_and_their_sequencer_give_every_statement_its_own_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRSTHAND_POST_RATE_PER_MINUTE", "100000")  # one client sends them all
    statements = _statements(60)
    answers: list[dict[str, object]] = []
    lock = threading.Lock()
    with running_server(tmp_path / "data", "--workers", "2", "--period", "0.02") as url:

        def send(part: list[bytes]) -> None:
            for statement in part:
                answer = _post(url, statement)
                with lock:
                    answers.append(answer)

        threads = [threading.Thread(target=send, args=(statements[i::6],)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(int(a["index"]) for a in answers) == list(range(60))  # type: ignore[call-overload]
        for answer in answers[:10]:
            with urllib.request.urlopen(f"{url}/api/v1/statements/{answer['index']}") as r:
                assert json.loads(r.read())["leaf_hash"] == answer["leaf_hash"]


@pytest.mark.skipif(
    serving.SUITE_CLUSTER is not None, reason="the flock beside the SQLite file is SQLite's"
)
def test_a_sequencer_beside_a_one_worker_server_stands_by_until_it_stops(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data):
        standby = CliProcess("sequencer", "--data", str(data), env=server_env(data))
        try:
            standby.wait_for("standing by")
        except BaseException:
            standby.stop()
            raise
    try:
        standby.wait_for("sequencing")  # the server is gone, and its lock with it
    finally:
        standby.stop()


def test_external_sequencers_on_the_data_directory_and_a_standby_taking_over(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    statements = _statements(4)
    first = CliProcess("sequencer", "--data", str(data), env=server_env(data))
    first.wait_for("sequencing")
    second = CliProcess("sequencer", "--data", str(data), env=server_env(data))
    try:
        second.wait_for("standing by")
        with running_server(data, "--sequencer", "external") as url:
            assert [_post(url, s)["index"] for s in statements[:3]] == [0, 1, 2]
            first.popen.kill()  # SIGKILL: no chance to release anything
            second.wait_for("sequencing", timeout=30)
            assert _post(url, statements[3])["index"] == 3
    finally:
        first.stop()
        second.stop()
