"""`firsthand sequencer` on PostgreSQL: web workers publish through it, a second one stands
by, and takes over when the first is killed."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres.cluster import ThrowawayCluster
from tests.serving import ROOT, running_server
from tests.statements.test_cli import firsthand


class Process:
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


@pytest.fixture
def database(postgres_cluster: ThrowawayCluster) -> Iterator[dict[str, str]]:
    yield {"FIRSTHAND_DATABASE_URL": postgres_cluster.create_database("firsthand_sequencer")}


def _publish(url: str, directory: Path, text: str) -> int:
    if not (directory / "k.key").exists():
        firsthand("keygen", "--name", "dana.example", "--out", "k.key", cwd=directory)
    (directory / "t.txt").write_text(text, encoding="utf-8")
    signed = firsthand("sign", "--key", "k.key", "t.txt", cwd=directory)
    (directory / "s.txt").write_text(signed.stdout, encoding="utf-8")
    published = firsthand("publish", "--server", url, "s.txt", cwd=directory)
    assert published.returncode == 0, published.stderr
    return int(published.stdout.split("index")[1].split()[0].strip(":,"))


def test_web_workers_publish_through_one_sequencer_and_a_standby_takes_over(
    database: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    env = database
    first = Process("sequencer", "--data", str(data), env=env)
    first.wait_for("sequencing")
    second = Process("sequencer", "--data", str(data), env=env)
    try:
        second.wait_for("standing by")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        with running_server(data, "--sequencer", "external") as url:
            assert [_publish(url, tmp_path, f"Statement {i}.\n") for i in range(3)] == [0, 1, 2]
            first.popen.kill()  # SIGKILL: no chance to release anything
            second.wait_for("sequencing", timeout=30)
            assert _publish(url, tmp_path, "After the takeover.\n") == 3
            bundle = firsthand("bundle", "--server", url, "3", cwd=tmp_path)
            assert json.loads(bundle.stdout)["index"] == 3
    finally:
        first.stop()
        second.stop()


def test_the_sequencer_refuses_to_run_without_postgresql(tmp_path: Path) -> None:
    result = firsthand("sequencer", "--data", str(tmp_path / "d"), cwd=tmp_path)
    assert result.returncode == 1 and "FIRSTHAND_DATABASE_URL" in result.stderr
