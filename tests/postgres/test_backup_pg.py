"""`firsthand backup` and `firsthand restore` for a site on PostgreSQL (pg_dump, pg_restore),
against a real throw-away cluster."""

from __future__ import annotations

import io
import itertools
import json
import tarfile
import threading
import urllib.request
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from firsthand.cli.statements import server_request
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.datadir import ensure_data_dir, load_or_create_log_key, open_log
from firsthand.log.merkle import verify_consistency
from firsthand.log.note import Signer, Verifier
from firsthand.ops.archive import DUMP_NAME, MANIFEST
from firsthand.ops.backup import BackupError, backup, restore
from firsthand.ops.backup_pg import find_tool, libpq_arguments
from firsthand.statements.format import sign_statement
from tests.postgres.cluster import ThrowawayCluster
from tests.serving import running_server
from tests.statements.test_cli import firsthand

_numbers = itertools.count()


def _new_database(cluster: ThrowawayCluster) -> str:
    return cluster.create_database(f"backup_{next(_numbers)}")


def _relations(url: str) -> list[str]:
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname NOT IN "
            "('pg_catalog', 'information_schema') ORDER BY 1"
        ).fetchall()
    return [str(row[0]) for row in rows]


def _log_with_entries(data: Path, url: str, count: int, start: int = 0) -> None:
    log = open_log(data, None, url)
    try:
        sequencer = log.sequencer()
        for i in range(start, start + count):
            sequencer.submit(f"entry {i}".encode())
        sequencer.run_until_empty()
    finally:
        log.storage.close()


def _latest_note(data: Path, url: str) -> bytes:
    log = open_log(data, None, url)
    try:
        return log.reader.latest().note
    finally:
        log.storage.close()


def _log_verifier(data: Path) -> Verifier:
    return load_or_create_log_key(data).verifier()


def _publish(url: str, author: Signer, text: str) -> None:
    server_request(url + "/api/v1/statements", sign_statement(author, text).file_bytes())


def _checkpoint(url: str) -> bytes:
    with urllib.request.urlopen(url + "/checkpoint", timeout=5) as response:
        return bytes(response.read())


def _error_line(stderr: str) -> str:
    """The command's one-line error (after what tqdm drew on stderr)."""
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("firsthand restore: ")
    return last


def _rewritten(archive: Path, out: Path, change: dict[str, bytes]) -> Path:
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members.update(change)
    with tarfile.open(out, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out


def test_a_backup_taken_while_statements_are_published_restores_the_same_log(
    postgres_cluster: ThrowawayCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_url, new_url = _new_database(postgres_cluster), _new_database(postgres_cluster)
    monkeypatch.setenv("FIRSTHAND_POST_RATE_PER_MINUTE", "1000000")
    monkeypatch.setenv("FIRSTHAND_DATABASE_URL", old_url)
    author = Signer.generate("sara.example")
    data, archive = tmp_path / "data", tmp_path / "b.tar.gz"
    with running_server(data, "--period", "0.02") as url:
        for i in range(3):
            _publish(url, author, f"Statement {i}, published before the backup.\n")
        early = _checkpoint(url)
        stop, during = threading.Event(), [0]

        def keep_publishing() -> None:
            while not stop.is_set():
                _publish(url, author, f"Statement {during[0]}, published during the backup.\n")
                during[0] += 1

        publisher = threading.Thread(target=keep_publishing)
        publisher.start()
        try:
            made = firsthand("backup", "--data", str(data), str(archive), cwd=tmp_path)
            published_while_backing_up = during[0]
        finally:
            stop.set()
            publisher.join(30)
        assert made.returncode == 0, made.stderr
        assert published_while_backing_up > 0  # pg_dump did not hold the server's writes up
        _publish(url, author, "Published after the backup.\n")
        late = _checkpoint(url)
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        assert {DUMP_NAME, "log.key"} <= set(tar.getnames())
    assert manifest["format"] == "firsthand-backup-postgresql/v1"
    (tmp_path / "early").write_bytes(early)
    (tmp_path / "late").write_bytes(late)

    restored = firsthand(
        "restore", str(archive), "--data", str(tmp_path / "new"), "--database", new_url,
        "--checkpoint", str(tmp_path / "early"), cwd=tmp_path,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert "1 published checkpoint(s) are consistent" in restored.stdout
    # One snapshot: the entries are exactly those of the manifest's checkpoint, and
    # Django's tables came back beside the log's.
    with psycopg.connect(new_url) as db:
        entries = db.execute("SELECT count(*) FROM entries").fetchone()
        statements = db.execute("SELECT count(*) FROM api_publishedstatement").fetchone()
        # Rows stored but not yet logged when the snapshot was taken: the restored
        # server logs them when it starts, as after a crash. (A row whose head was
        # logged but whose index was not yet written back gets its index, not a new entry.)
        unlogged = db.execute(
            "SELECT count(*) FROM api_publishedstatement s WHERE s.index IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM entries e WHERE e.data = convert_to(s.head, 'UTF8'))"
        ).fetchone()
    assert entries == (manifest["tree_size"],) and manifest["tree_size"] > 4
    assert statements is not None and statements[0] >= 3
    assert unlogged is not None

    # The restored site serves the log it had, under the old log key, grown only by
    # what it held unlogged, and consistent with what the old site published.
    monkeypatch.setenv("FIRSTHAND_DATABASE_URL", new_url)
    with running_server(tmp_path / "new", "--period", "0.02") as url:
        served, _ = open_checkpoint(_checkpoint(url), _log_verifier(data))
    assert served.size == manifest["tree_size"] + unlogged[0]
    with psycopg.connect(new_url) as db:
        without_index = db.execute(
            "SELECT count(*) FROM api_publishedstatement WHERE index IS NULL"
        ).fetchone()
    assert without_index == (0,)
    log = open_log(tmp_path / "new", None, new_url)
    try:
        for note in (early, manifest["checkpoint"].encode()):
            old, _ = open_checkpoint(note, _log_verifier(data))
            proof = log.reader.consistency_proof(old.size, served.size)
            verify_consistency(old.size, served.size, old.root_hash, served.root_hash, proof)
    finally:
        log.storage.close()

    # The old site had published past the backup: restoring it would fork the log.
    stale = firsthand(
        "restore", str(archive), "--data", str(tmp_path / "newer"),
        "--database", _new_database(postgres_cluster), "--checkpoint", str(tmp_path / "late"),
        cwd=tmp_path,
    )  # fmt: skip
    assert stale.returncode == 1
    assert _error_line(stale.stderr).endswith("would fork the log; restore a newer backup")


def test_a_backup_older_than_a_published_checkpoint_is_refused_before_the_database_is_touched(
    postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    url, target = _new_database(postgres_cluster), _new_database(postgres_cluster)
    _log_with_entries(tmp_path / "data", url, 3)
    backup(tmp_path / "data", tmp_path / "b.tar.gz", database=url)
    _log_with_entries(tmp_path / "data", url, 2, start=3)
    published = _latest_note(tmp_path / "data", url)
    with pytest.raises(BackupError, match="published a checkpoint of 5 entries, but the backup "):
        restore(tmp_path / "b.tar.gz", tmp_path / "new", [published], database=target)
    assert _relations(target) == []


def test_a_tampered_dump_is_refused_with_the_file_named(
    postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    url, target = _new_database(postgres_cluster), _new_database(postgres_cluster)
    _log_with_entries(tmp_path / "data", url, 3)
    backup(tmp_path / "data", tmp_path / "b.tar.gz", database=url)
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        dump = bytearray(tar.extractfile(DUMP_NAME).read())  # type: ignore[union-attr]
    dump[len(dump) // 2] ^= 1
    bad = _rewritten(tmp_path / "b.tar.gz", tmp_path / "bad.tar.gz", {DUMP_NAME: bytes(dump)})
    with pytest.raises(BackupError, match=r"firsthand\.pgdump in the backup is damaged"):
        restore(bad, tmp_path / "new", database=target)
    assert _relations(target) == []

    # The untouched backup restores, and its log verifies.
    restored = restore(tmp_path / "b.tar.gz", tmp_path / "good", database=target)
    assert restored.size == 3
    assert {"entries", "tiles", "checkpoints"} <= set(_relations(target))


def test_restoring_into_a_database_that_is_not_empty_is_refused(
    postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    url = _new_database(postgres_cluster)
    _log_with_entries(tmp_path / "data", url, 1)
    backup(tmp_path / "data", tmp_path / "b.tar.gz", database=url)
    with pytest.raises(BackupError, match=r"is not empty \(it holds public\.\w+\); restore into"):
        restore(tmp_path / "b.tar.gz", tmp_path / "new", database=url)
    assert not (tmp_path / "new").exists()


def test_a_backup_needs_a_postgresql_url_to_restore_into(
    postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    url = _new_database(postgres_cluster)
    _log_with_entries(tmp_path / "data", url, 1)
    backup(tmp_path / "data", tmp_path / "b.tar.gz", database=url)
    done = firsthand("restore", "b.tar.gz", "--data", "new", cwd=tmp_path)
    assert done.returncode == 1
    assert "give the URL of a new, empty database" in _error_line(done.stderr)


def test_a_missing_pg_dump_is_one_clear_error_and_writes_nothing(
    postgres_cluster: ThrowawayCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _new_database(postgres_cluster)
    _log_with_entries(tmp_path / "data", url, 1)
    monkeypatch.setenv("FIRSTHAND_PG_BIN", str(tmp_path))
    with pytest.raises(BackupError, match=r"pg_dump is not installed .* apt-get install"):
        backup(tmp_path / "data", tmp_path / "b.tar.gz", database=url)
    assert not (tmp_path / "b.tar.gz").exists()


def test_a_pg_dump_older_than_the_server_is_refused_with_both_versions() -> None:
    installed = int(find_tool("pg_dump", 0, "dump a PostgreSQL {} server").parent.parent.name)
    newer = installed + 1
    with pytest.raises(BackupError, match=f"pg_dump {installed} cannot dump a PostgreSQL {newer}"):
        find_tool("pg_dump", newer, "dump a PostgreSQL {} server")


def test_an_archive_from_a_newer_pg_dump_is_refused_before_anything_is_restored(
    postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    url, target = _new_database(postgres_cluster), _new_database(postgres_cluster)
    _log_with_entries(tmp_path / "data", url, 1)
    manifest = backup(tmp_path / "data", tmp_path / "b.tar.gz", database=url)
    facts = manifest["postgresql"]
    assert isinstance(facts, dict)
    manifest["postgresql"] = {**facts, "pg_dump_version": 99}
    text = json.dumps(manifest).encode()
    newer = _rewritten(tmp_path / "b.tar.gz", tmp_path / "newer.tar.gz", {MANIFEST: text})
    with pytest.raises(BackupError, match="cannot read an archive written by pg_dump 99"):
        restore(newer, tmp_path / "new", database=target)
    assert _relations(target) == [] and not (tmp_path / "new").exists()


def test_a_refused_connection_is_one_clear_error(tmp_path: Path) -> None:
    load_or_create_log_key(ensure_data_dir(tmp_path / "data"))
    with pytest.raises(BackupError) as refused:
        backup(tmp_path / "data", tmp_path / "b.tar.gz", database="postgresql://x@127.0.0.1:1/y")
    assert "cannot connect to the PostgreSQL database" in str(refused.value)
    assert "refused" in str(refused.value) and "\n" not in str(refused.value)


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line() -> None:
    url = "postgresql://site:s%40cret@db.example:5433/firsthand?options=-csearch_path%3Dlog"
    argument, environment = libpq_arguments(url)
    assert "cret" not in argument and environment["PGPASSWORD"] == "s@cret"
    assert conninfo_to_dict(argument.removeprefix("--dbname=")) == {
        "user": "site", "dbname": "firsthand", "host": "db.example", "port": "5433",
        "options": "-csearch_path=log",
    }  # fmt: skip


def test_a_sqlite_backup_given_a_database_url_is_refused_with_the_reason(
    postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    target = _new_database(postgres_cluster)
    sqlite = open_log(tmp_path / "data")
    sequencer = sqlite.sequencer()
    sequencer.submit(b"an entry")
    sequencer.run_until_empty()
    sqlite.storage.close()
    backup(tmp_path / "data", tmp_path / "b.tar.gz")
    with pytest.raises(BackupError, match=r"holds a SQLite database.*leave out the PostgreSQL URL"):
        restore(tmp_path / "b.tar.gz", tmp_path / "new", database=target)
    assert _relations(target) == []
