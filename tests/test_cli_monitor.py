"""`firsthand monitor` end to end against `firsthand serve` with the demo loaded."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from firsthand.log.datadir import LOG_KEY_NAME
from firsthand.log.evidence import NOT_A_PREFIX, verify_evidence
from firsthand.log.note import Verifier
from firsthand.statements.identity import fingerprint
from firsthand.web.demo import demo_signer
from tests.serving import load_demo, running_server
from tests.statements.test_cli import firsthand


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    data = tmp_path_factory.mktemp("monitor-demo")
    load_demo(data)
    log_key = firsthand("log-key", "--data", str(data), cwd=data).stdout.strip()
    with running_server(data, "--period", "0.05") as url:
        yield url, log_key, data


def publish(url: str, key_file: Path, text: str, cwd: Path) -> int:
    (cwd / "text.txt").write_text(text, encoding="utf-8")
    signed = firsthand("sign", "--key", str(key_file), "text.txt", cwd=cwd)
    assert signed.returncode == 0, signed.stderr
    (cwd / "statement.txt").write_text(signed.stdout, encoding="utf-8")
    published = firsthand("publish", "--server", url, "statement.txt", cwd=cwd)
    assert published.returncode == 0, published.stderr
    return int(published.stdout.split("index ")[-1])


class Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Collector.received.append(self.rfile.read(length))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    Collector.received = []
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_a_statement_published_under_a_watched_key_comes_out_as_a_json_line(
    demo: tuple[str, str, Path], tmp_path: Path, webhook: str
) -> None:
    url, log_key, _ = demo
    vkey = firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "leila.example",
        "--out",
        "leila.key",
        cwd=tmp_path,
    )
    assert vkey.returncode == 0, vkey.stderr
    rana = demo_signer("rana.tavakoli.demo").verifier().text()
    monitor = ("monitor", "--log", url, "--log-key", log_key, "--state", "state", "--once")
    watching = (*monitor, "--author", vkey.stdout.strip(), "--author", rana)

    first = firsthand(*watching, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert [(r["type"], r["kind"]) for r in lines(first)] == [
        ("statement", "declaration"),
        ("denial", "denial"),
    ]
    assert all(r["author"] == rana for r in lines(first))
    assert all(
        r["author_fingerprint"] == fingerprint(Verifier.from_text(rana)) for r in lines(first)
    )

    index = publish(url, tmp_path / "leila.key", "I left the Circle in 2020.\n", tmp_path)
    second = firsthand(*watching, "--webhook", webhook, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    (report,) = lines(second)
    assert report["type"] == "statement" and report["index"] == index
    assert report["author"] == report["watched"] == vkey.stdout.strip()
    assert [json.loads(body) for body in Collector.received] == [report]

    again = firsthand(*monitor, cwd=tmp_path)  # the watched keys are in the state
    assert again.returncode == 0 and again.stdout == ""

    publish(url, tmp_path / "leila.key", "And I speak for myself.\n", tmp_path)
    dead = firsthand(*monitor, "--webhook", "http://127.0.0.1:9/hook", cwd=tmp_path)
    assert dead.returncode == 0, dead.stderr
    assert [r["type"] for r in lines(dead)] == ["statement"]
    assert "webhook: cannot reach http://127.0.0.1:9/hook" in dead.stderr


def test_a_log_that_rewrites_history_exits_2_with_evidence(
    demo: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, log_key, data = demo
    # A second server with the same log key and origin, and a different history.
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(data / LOG_KEY_NAME, other / LOG_KEY_NAME)
    firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "x.example",
        "--out",
        "x.key",
        cwd=tmp_path,
    )
    with running_server(other, "--period", "0.05") as other_url:
        publish(other_url, tmp_path / "x.key", "Another past.\n", tmp_path)
        monitor = ("monitor", "--log-key", log_key, "--state", "state", "--once")
        seen = firsthand(*monitor, "--log", other_url, cwd=tmp_path)
        assert seen.returncode == 0 and seen.stdout == "", seen.stderr
    forked = firsthand(*monitor, "--log", url, cwd=tmp_path)
    assert forked.returncode == 2, forked.stderr
    (report,) = lines(forked)
    assert report["type"] == "inconsistency" and report["old_size"] == 1
    view = verify_evidence(Path(report["evidence"]).read_bytes(), Verifier.from_text(log_key))
    assert view.kind == NOT_A_PREFIX


def test_an_unreachable_log_or_a_bad_interval_is_one_line_and_exit_1(tmp_path: Path) -> None:
    key = Verifier("firsthand.localhost/log", bytes(32)).text()
    base = ("monitor", "--log-key", key, "--state", "state")
    down = firsthand(*base, "--log", "http://127.0.0.1:9", "--once", cwd=tmp_path)
    assert down.returncode == 1 and down.stderr.count("\n") == 1
    assert "cannot read http://127.0.0.1:9/checkpoint" in down.stderr
    bad = firsthand(*base, "--log", "http://127.0.0.1:9", "--interval", "0", cwd=tmp_path)
    assert bad.returncode == 1 and "--interval" in bad.stderr and bad.stderr.count("\n") == 1


def test_a_key_id_or_a_fingerprint_is_no_author_to_watch(tmp_path: Path) -> None:
    key = Verifier("firsthand.localhost/log", bytes(32)).text()
    base = ("monitor", "--log", "http://127.0.0.1:9", "--log-key", key, "--once")
    rana = demo_signer("rana.tavakoli.demo").verifier()
    key_id = firsthand(*base, "--author", rana.key_id.hex(), cwd=tmp_path)
    assert key_id.returncode == 1 and key_id.stderr.count("\n") == 1
    assert f"--author {rana.key_id.hex()} is a key ID: 32 bits" in key_id.stderr
    assert "give the author's verifier key" in key_id.stderr
    by_fingerprint = firsthand(*base, "--author", fingerprint(rana), cwd=tmp_path)
    assert by_fingerprint.returncode == 1 and "is a fingerprint" in by_fingerprint.stderr
    nonsense = firsthand(*base, "--author", "rana.tavakoli.demo", cwd=tmp_path)
    assert nonsense.returncode == 1 and "is not a verifier key" in nonsense.stderr
    assert not (tmp_path / "state").exists()
