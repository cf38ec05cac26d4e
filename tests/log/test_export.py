"""Exporting the log's tlog-tiles files to a directory or an S3-compatible store (moto's
S3 server here; tests/web/test_media_export.py also uses Ceph's radosgw), read back by Go's
x/mod."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from firsthand.log.datadir import LogInstance, open_log
from firsthand.log.export import (
    CHECKPOINT,
    DirectorySink,
    S3Sink,
    changed_tiles,
    export_tiles,
    exported_size,
)
from firsthand.log.tiles import TILE_WIDTH, TileRequest, tile_path
from tests.interop.test_go_xmod import run, tlogcheck  # noqa: F401  (the Go checker fixture)


def grow(log: LogInstance, size: int) -> None:
    sequencer = log.sequencer(max_batch=4096)
    for i in range(log.reader.latest().size, size):
        sequencer.submit(b"exported entry %d" % i)
    sequencer.run_until_empty()


@pytest.fixture
def log(tmp_path: Path) -> Iterator[LogInstance]:
    instance = open_log(tmp_path / "log", "export.example/log")
    yield instance
    instance.storage.close()


def served(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def test_changed_tiles_are_exactly_what_the_new_tree_adds() -> None:
    assert list(changed_tiles(0, 0)) == []
    first = set(changed_tiles(0, 300))
    assert len([t for t, w in first if w == TILE_WIDTH]) == 2  # tile 0/000 and entries/000
    later = set(changed_tiles(300, 70_000))
    assert not {(t, w) for t, w in first if w == TILE_WIDTH} & later  # full tiles never again
    assert set(changed_tiles(70_000, 70_000)) == set()


def test_a_directory_export_is_a_log_gos_tlog_client_verifies(
    log: LogInstance,
    tmp_path: Path,
    tlogcheck: Path,  # noqa: F811
) -> None:
    sink = DirectorySink(tmp_path / "static")
    grow(log, 1000)
    export_tiles(log.reader, sink)
    (tmp_path / "old").write_bytes(sink.get(CHECKPOINT) or b"")
    grow(log, 70_000)
    written, size = export_tiles(log.reader, sink)  # only what changed since 1,000
    assert size == 70_000 and exported_size(sink) == 70_000
    assert written < 70_000 // TILE_WIDTH * 2 + 10
    server, url = served(tmp_path / "static")
    try:
        checked = run(
            tlogcheck,
            "-url",
            url,
            "-key",
            log.verifier.text(),
            "-index",
            "0,999,69999",
            "-old",
            str(tmp_path / "old"),
        )
    finally:
        server.shutdown()
    assert checked.returncode == 0, checked.stderr
    assert "consistent" in checked.stdout.lower() or checked.stdout.count("OK") >= 5


def test_an_s3_export_holds_the_same_bytes_with_cache_headers(
    log: LogInstance, tmp_path: Path
) -> None:
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{host}:{port}",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        client.create_bucket(Bucket="tiles")
        sink = S3Sink("tiles", "logs/example", client=client)
        grow(log, 600)
        export_tiles(log.reader, sink)
        request = TileRequest(next(t for t, w in changed_tiles(0, 600) if w == TILE_WIDTH), 256)
        key = "logs/example/" + tile_path(request.tile)
        stored = client.get_object(Bucket="tiles", Key=key)
        assert stored["Body"].read() == log.reader.tile(request)
        assert "immutable" in stored["CacheControl"]
        checkpoint = client.get_object(Bucket="tiles", Key="logs/example/checkpoint")
        assert checkpoint["Body"].read() == log.reader.latest().note
        assert "max-age=1" in checkpoint["CacheControl"]
        assert exported_size(sink) == 600
    finally:
        server.stop()


def test_an_export_refuses_a_destination_ahead_of_the_log(log: LogInstance, tmp_path: Path) -> None:
    from firsthand.log.export import ExportError

    grow(log, 10)
    other = open_log(tmp_path / "other", "export.example/log")
    sequencer = other.sequencer()
    for i in range(20):
        sequencer.submit(b"other %d" % i)
    sequencer.run_until_empty()
    sink = DirectorySink(tmp_path / "static")
    export_tiles(other.reader, sink)
    with pytest.raises(ExportError, match="more than this log"):
        export_tiles(log.reader, sink)
    other.storage.close()


def test_serve_exports_after_each_batch(tmp_path: Path) -> None:
    import time

    from tests.serving import running_server
    from tests.statements.test_cli import firsthand

    static = tmp_path / "static"
    with running_server(
        tmp_path / "data", "--period", "0.05", "--export-tiles", str(static)
    ) as url:
        firsthand(
            "keygen",
            "--no-passphrase",
            "--no-recovery",
            "--name",
            "ex.example",
            "--out",
            "k.key",
            cwd=tmp_path,
        )
        (tmp_path / "t.txt").write_text("Exported as soon as it is logged.\n", encoding="utf-8")
        signed = firsthand("sign", "--key", "k.key", "t.txt", cwd=tmp_path)
        (tmp_path / "s.txt").write_text(signed.stdout, encoding="utf-8")
        assert firsthand("publish", "--server", url, "s.txt", cwd=tmp_path).returncode == 0
        for _ in range(100):
            if exported_size(DirectorySink(static)) == 1:
                break
            time.sleep(0.1)
        assert exported_size(DirectorySink(static)) == 1
        assert (static / "tile/entries/000.p/1").is_file()
