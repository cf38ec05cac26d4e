"""Backups taken while `firsthand serve` runs, restored and proved to hold the same log.

With FIRSTHAND_TEST_BACKEND=postgresql each data directory has a database of its own
(tests/serving.py database_for), backed up with pg_dump and restored into a new one;
tests/postgres/test_backup_pg.py covers what only PostgreSQL does.
"""

from __future__ import annotations

import io
import tarfile
import urllib.request
from pathlib import Path

import pytest

from firsthand.log.datadir import open_log
from firsthand.ops.backup import BackupError, backup, restore
from tests.serving import database_for, running_server
from tests.statements.test_cli import firsthand


def _database_option(data: Path) -> list[str]:
    """--database URL of ``data``'s own database on PostgreSQL; nothing on SQLite."""
    database = database_for(data)
    return [] if database is None else ["--database", database]


def _publish(url: str, directory: Path, count: int) -> None:
    firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "sara.example",
        "--out",
        "k.key",
        cwd=directory,
    )
    for i in range(count):
        (directory / "t.txt").write_text(f"Statement {i} for the backup test.\n", encoding="utf-8")
        signed = firsthand("sign", "--key", "k.key", "t.txt", cwd=directory)
        (directory / "s.txt").write_text(signed.stdout, encoding="utf-8")
        assert firsthand("publish", "--server", url, "s.txt", cwd=directory).returncode == 0


def _checkpoint(url: str) -> bytes:
    with urllib.request.urlopen(url + "/checkpoint", timeout=5) as response:
        return bytes(response.read())


def test_a_backup_of_a_running_server_restores_and_matches_what_it_published(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with running_server(data, "--period", "0.05") as url:
        _publish(url, tmp_path, 3)
        early = _checkpoint(url)
        made = firsthand(
            "backup", "--data", str(data), *_database_option(data), str(tmp_path / "b.tar.gz"),
            cwd=tmp_path,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert "private keys" in made.stdout
        _publish(url, tmp_path, 2)  # published after the backup
        late = _checkpoint(url)
    assert (tmp_path / "b.tar.gz").stat().st_mode & 0o777 == 0o600
    (tmp_path / "early").write_bytes(early)
    (tmp_path / "late").write_bytes(late)

    restored = firsthand(
        "restore",
        str(tmp_path / "b.tar.gz"),
        "--data",
        str(tmp_path / "new"),
        *_database_option(tmp_path / "new"),
        "--checkpoint",
        str(tmp_path / "early"),
        cwd=tmp_path,
    )
    assert restored.returncode == 0, restored.stderr
    assert "1 published checkpoint(s) are consistent" in restored.stdout
    log = open_log(tmp_path / "new", None, database_for(tmp_path / "new"))
    try:
        assert log.reader.latest().size >= 3
        assert log.verifier == open_log(data, None, database_for(data)).verifier  # same log key
    finally:
        log.storage.close()

    # A backup older than what the old instance published would fork the log: refused.
    stale = firsthand(
        "restore",
        str(tmp_path / "b.tar.gz"),
        "--data",
        str(tmp_path / "newer"),
        *_database_option(tmp_path / "newer"),
        "--checkpoint",
        str(tmp_path / "late"),
        cwd=tmp_path,
    )
    assert stale.returncode == 1 and "would fork the log" in stale.stderr


def test_a_damaged_backup_is_refused_with_the_file_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = open_log(data, None, database_for(data))
    sequencer = log.sequencer()
    sequencer.submit(b"an entry")
    sequencer.run_until_empty()
    log.storage.close()
    backup(data, tmp_path / "b.tar.gz", database=database_for(data))
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members["log.key"] = members["log.key"].replace(b"PRIVATE", b"private")
    with tarfile.open(tmp_path / "bad.tar.gz", "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    with pytest.raises(BackupError, match=r"log\.key in the backup is damaged"):
        restore(tmp_path / "bad.tar.gz", tmp_path / "restored", database=database_for(tmp_path))
    with pytest.raises(BackupError, match="not empty"):
        restore(tmp_path / "b.tar.gz", data, database=database_for(tmp_path))
    with pytest.raises(BackupError, match="already exists"):
        backup(data, tmp_path / "b.tar.gz", database=database_for(data))
