"""Clients that cope (cli/patience.py, cli/resume.py): `firsthand publish` and `import` wait as
Retry-After says, give up after a bounded number of waits, and an import resumes where it
stopped without signing anything twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from firsthand.cli import main as cli
from firsthand.cli import patience as cli_patience
from firsthand.cli.resume import LEDGER_NAME
from firsthand.log.note import Signer
from firsthand.statements.format import read_statement, sign_statement
from firsthand.statements.keys import write_key_file

# Each answer: (status, headers) for a refusal, or None to accept.
Script = Callable[[int], tuple[int, dict[str, str]] | None]


class FakeServer:
    """Answers POST /api/v1/statements as the script says; counts and keeps what it got."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.received: list[bytes] = []
        self.logged: dict[bytes, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                server.received.append(data)
                refusal = server.script(len(server.received))
                if refusal is not None:
                    status, headers = refusal
                    self._answer(status, {"error": "too many statements"}, headers)
                    return
                index = server.logged.setdefault(data, len(server.logged))
                self._answer(201, {"index": index, "bundle_url": f"/b/{index}"}, {})

            def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(cli_patience.time, "sleep", waits.append)
    return waits


@pytest.fixture
def serve() -> Iterator[Callable[[Script], FakeServer]]:
    servers: list[FakeServer] = []

    def start(script: Script) -> FakeServer:
        servers.append(FakeServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def statement_files(directory: Path, count: int) -> list[str]:
    signer = Signer.generate("author.example")
    paths = []
    for n in range(count):
        path = directory / f"s{n}.txt"
        path.write_bytes(sign_statement(signer, f"Statement {n}.").file_bytes())
        paths.append(str(path))
    return paths


def test_publish_waits_as_retry_after_says_and_then_succeeds(
    tmp_path: Path,
    serve: Callable[[Script], FakeServer],
    slept: list[float],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = serve(lambda n: (429, {"Retry-After": "7"}) if n in (2, 3) else None)
    assert cli.main(["publish", "--server", server.url, *statement_files(tmp_path, 3)]) == 0
    assert slept == [7.0, 7.0]
    out, err = capsys.readouterr()
    assert [line.rsplit(" ", 1)[-1] for line in out.splitlines()] == ["0", "1", "2"]
    # stderr is no terminal here: one plain line a wait, no bar.
    assert err.count("waiting 7 s as the server asks: the server answered 429") == 2
    assert "\r" not in err


def test_a_503_with_retry_after_is_waited_on_and_one_without_is_not(
    tmp_path: Path, serve: Callable[[Script], FakeServer], slept: list[float]
) -> None:
    server = serve(lambda n: (503, {"Retry-After": "5"}) if n == 1 else None)
    assert cli.main(["publish", "--server", server.url, *statement_files(tmp_path, 1)]) == 0
    assert slept == [5.0]
    server = serve(lambda n: (503, {}))
    assert cli.main(["publish", "--server", server.url, *statement_files(tmp_path, 1)]) == 1
    assert slept == [5.0] and len(server.received) == 1


def test_publish_gives_up_after_a_bounded_number_of_waits(
    tmp_path: Path,
    serve: Callable[[Script], FakeServer],
    slept: list[float],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = serve(lambda n: (429, {"Retry-After": "1"}))
    assert cli.main(["publish", "--server", server.url, *statement_files(tmp_path, 1)]) == 1
    assert len(slept) == cli_patience.TRIES and len(server.received) == cli_patience.TRIES + 1
    assert "gave up after waiting" in capsys.readouterr().err


def test_a_wait_longer_than_patience_allows_is_not_waited(
    tmp_path: Path, serve: Callable[[Script], FakeServer], slept: list[float]
) -> None:
    server = serve(lambda n: (429, {"Retry-After": "86400"}))
    assert cli.main(["publish", "--server", server.url, *statement_files(tmp_path, 1)]) == 1
    assert slept == []


def test_import_resumes_where_it_stopped_without_signing_a_text_twice(
    tmp_path: Path, serve: Callable[[Script], FakeServer], slept: list[float]
) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    for n in range(4):
        (folder / f"{n}.txt").write_text(f"Testimony number {n}.", encoding="utf-8")
    key = tmp_path / "author.key"
    write_key_file(key, Signer.generate("newsroom.example"))
    command = ["import", "--key", str(key), "--server"]

    # The first run: the third statement is refused for longer than patience allows.
    first = serve(lambda n: (429, {"Retry-After": "99999"}) if n == 3 else None)
    assert cli.main([*command, first.url, str(folder)]) == 1
    sent_third = first.received[2]
    ledger = json.loads((folder / LEDGER_NAME).read_text())["files"]
    assert [ledger[f"{n}.txt"]["index"] for n in range(3)] == [0, 1, None]

    # The second run skips what is logged and sends the very same third statement again.
    second = serve(lambda n: None)
    second.logged = dict(first.logged)
    assert cli.main([*command, second.url, str(folder)]) == 0
    assert second.received[0] == sent_third
    assert len(second.received) == 2  # the third again, and the fourth
    texts = [read_statement(data).body for data in second.received]
    assert texts == ["Testimony number 2.", "Testimony number 3."]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert cli_patience.retry_after("30") == 30.0
    assert cli_patience.retry_after("Wed, 01 Jan 2025 12:00:42 GMT", now) == 42.0
    assert cli_patience.retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert cli_patience.retry_after("soon") is None
    assert cli_patience.retry_after(None) is None
