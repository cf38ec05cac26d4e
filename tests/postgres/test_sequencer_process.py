"""`firsthand sequencer` on PostgreSQL: web workers publish through it (storing rows, or over
its intake socket), a second one stands by, and takes over when the first is killed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from firsthand.publishing.intake import socket_path
from tests.postgres.cluster import ThrowawayCluster
from tests.serving import CliProcess as Process
from tests.serving import running_server
from tests.statements.test_cli import firsthand


@pytest.fixture
def database(postgres_cluster: ThrowawayCluster) -> Iterator[dict[str, str]]:
    yield {"FIRSTHAND_DATABASE_URL": postgres_cluster.create_database("firsthand_sequencer")}


def _publish(url: str, directory: Path, text: str) -> int:
    if not (directory / "k.key").exists():
        firsthand(
            "keygen",
            "--no-passphrase",
            "--no-recovery",
            "--name",
            "dana.example",
            "--out",
            "k.key",
            cwd=directory,
        )
    (directory / "t.txt").write_text(text, encoding="utf-8")
    signed = firsthand("sign", "--key", "k.key", "t.txt", cwd=directory)
    (directory / "s.txt").write_text(signed.stdout, encoding="utf-8")
    published = firsthand("publish", "--server", url, "s.txt", cwd=directory)
    assert published.returncode == 0, published.stderr
    return int(published.stdout.split("index")[1].split()[0].strip(":,"))


def _published_again(url: str, directory: Path) -> int:
    """The last statement _publish signed, sent again (to another server)."""
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
            # A server beside it on this machine hands statements over the intake socket;
            # the sequencer logs those and the other server's rows, each once.
            monkeypatch.setenv("FIRSTHAND_INTAKE", "1")
            with running_server(data, "--sequencer", "external") as beside:
                assert _publish(beside, tmp_path, "Over the intake socket.\n") == 4
                assert _published_again(url, tmp_path) == 4  # the same statement, as a row
                assert _publish(url, tmp_path, "As a row.\n") == 5
                assert _published_again(beside, tmp_path) == 5
            # serve --workers 2 on another machine (its own copy of the data directory, the
            # same database) while this one's sequencer holds the lock: its own sequencer
            # stands by and has no socket, so its workers store rows for the active one.
            monkeypatch.delenv("FIRSTHAND_INTAKE")
            elsewhere = tmp_path / "elsewhere"
            shutil.copytree(data, elsewhere, ignore=shutil.ignore_patterns("run", "*lock"))
            with running_server(elsewhere, "--workers", "2") as workers:
                assert _publish(workers, tmp_path, "While our sequencer stands by.\n") == 6
                assert not socket_path(elsewhere).exists()  # so it went as a row
    finally:
        first.stop()
        second.stop()
