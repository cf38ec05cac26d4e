"""Exporting the media everyone may fetch (firsthand/web/media_export.py) to a directory and
to S3-compatible stores: moto's S3 server, and a real one, Ceph's radosgw from Debian's
packages (ceph-mon, ceph-osd, radosgw) over a one-node in-memory cluster. MinIO and Garage
install from no registry here. Photos are uploaded, cleaned, published and withheld through
the real API; what the sink holds is compared with what GET /media/... serves."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from firsthand.log.export import DirectorySink, ExportError, S3Sink, exported_size
from firsthand.log.note import Signer
from firsthand.publishing import process
from firsthand.statements.format import Media, Reference, Statement, sign_statement
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.media_serving import PUBLIC_CACHE
from firsthand.web.media_export import (
    PREFIX,
    MediaExported,
    export_media,
    file_key,
    thumb_key,
)
from tests.media import builders
from tests.serving import free_port
from tests.web.conftest import log_of_its_own

STATEMENTS = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("media-export-data")
    with override_settings(DATA_DIR=directory):
        yield directory


@pytest.fixture(scope="module")
def served_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this module's `firsthand serve --export-tiles` writes tiles and media."""
    return tmp_path_factory.mktemp("served-export")


@pytest.fixture(scope="module")
def client(
    database: None, data_dir: Path, served_export: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Client]:
    with (
        override_settings(FIRSTHAND_TILES_EXPORT=str(served_export)),
        log_of_its_own(tmp_path_factory.mktemp("media-export-log")),
    ):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


@pytest.fixture(scope="module", params=["moto", "ceph-radosgw"])
def s3(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A boto3 client of an S3-compatible server on a free port, with one bucket, "cdn":
    moto's S3 server, and a real one, Ceph's radosgw."""
    boto3 = pytest.importorskip("boto3")
    with ExitStack() as stack:
        if request.param == "moto":
            moto_server = pytest.importorskip("moto.server")
            server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
            server.start()
            stack.callback(server.stop)
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
        else:
            if os.environ.get("FIRSTHAND_TEST_BACKEND") == "postgresql":
                pytest.skip("the store does not depend on the database: the SQLite pass runs Ceph")
            root = tmp_path_factory.mktemp("ceph")
            endpoint = stack.enter_context(ceph_object_gateway(root))
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        client.create_bucket(Bucket="cdn")
        yield client


CEPH_TOOLS = ("ceph", "ceph-authtool", "monmaptool", "ceph-mon", "ceph-osd", "radosgw")
# Eight placement groups a pool, and room for them all on the one OSD: with Ceph's defaults
# radosgw's own pools can pass the per-OSD limit, and it then waits for them for ever.
CEPH_CONF = """[global]
fsid = {fsid}
mon host = v1:127.0.0.1:{mon_port}
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr2 = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 536870912
run dir = {root}/run
log file = {root}/$name.log
admin socket = {root}/run/$name.asok
mon data = {root}/mon
osd data = {root}/osd
keyring = {root}/keyring
[client.rgw.one]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port}
rgw data = {root}/rgw
"""


@contextmanager
def ceph_object_gateway(root: Path) -> Iterator[str]:
    """A real S3-compatible server: Ceph's radosgw (Debian's ceph-mon, ceph-osd and radosgw
    packages) over a one-node cluster, one monitor and one in-memory OSD, on free ports.
    Yields its endpoint, where access key "test" with secret "test" owns the buckets."""
    missing = [tool for tool in CEPH_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"Ceph's radosgw is not installed (missing {', '.join(missing)})")
    mon_port, rgw_port = free_port(), free_port()
    for folder in ("run", "mon", "osd", "rgw"):
        (root / folder).mkdir(parents=True)
    conf, fsid = root / "ceph.conf", str(uuid.uuid4())
    conf.write_text(CEPH_CONF.format(fsid=fsid, mon_port=mon_port, rgw_port=rgw_port, root=root))
    daemons: list[subprocess.Popen[bytes]] = []

    def run(*argv: str) -> None:
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def start(*argv: str) -> subprocess.Popen[bytes]:
        log = (root / f"{argv[0]}.out").open("ab")
        daemons.append(subprocess.Popen([*argv, "-f", "-c", str(conf)], stdout=log, stderr=log))
        return daemons[-1]

    try:
        keyring = str(root / "keyring")
        run("ceph-authtool", "--create-keyring", keyring, "--gen-key", "-n", "mon.")
        monmap = str(root / "monmap")
        run(
            "monmaptool",
            "--create",
            "--addv",
            "a",
            f"v1:127.0.0.1:{mon_port}",
            "--fsid",
            fsid,
            monmap,
        )
        run(
            "ceph-mon",
            "-c",
            str(conf),
            "--mkfs",
            "-i",
            "a",
            "--monmap",
            monmap,
            "--keyring",
            keyring,
        )
        start("ceph-mon", "-i", "a")
        run("ceph", "-c", str(conf), "--connect-timeout", "30", "osd", "create")
        run("ceph-osd", "-c", str(conf), "-i", "0", "--mkfs")
        osd = start("ceph-osd", "-i", "0")
        start("radosgw", "-n", "client.rgw.one")
        endpoint = f"http://127.0.0.1:{rgw_port}"
        # About 11 s on a quiet machine; minutes on a loaded one.
        deadline, restarts = time.monotonic() + 180.0, 0
        while not _answers(endpoint) and time.monotonic() < deadline:
            if restarts < 3 and _osd_failed_to_start(osd, root / "osd.0.log", restarts):
                # Ceph's own start-up race, seen twice in CI: the OSD's first command to
                # the monitor can leave before it knows the cluster's fsid, is refused
                # ("wrong fsid"), and the OSD never boots. Starting it again boots it.
                osd.terminate()
                osd.wait(10)
                restarts += 1
                osd = start("ceph-osd", "-i", "0")
            time.sleep(0.5)
        assert _answers(endpoint), (root / "client.rgw.one.log").read_text()[-2000:]
        run("radosgw-admin", "-c", str(conf), "user", "create", "--uid=firsthand",
            "--display-name=firsthand", "--access-key=test", "--secret-key=test")  # fmt: skip
        yield endpoint
    finally:
        for daemon in reversed(daemons):
            daemon.terminate()
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


def _osd_failed_to_start(osd: subprocess.Popen[bytes], log: Path, restarts: int) -> bool:
    """Whether the OSD gave up in its init (its log says so, or it exited) since its last
    start (the log is appended to: the ``restarts`` earlier failures are already in it)."""
    if osd.poll() is not None:
        return True
    try:
        return log.read_text(errors="replace").count("init unable to") > restarts
    except FileNotFoundError:
        return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.HTTPError):
        return False


_sizes = iter(range(40, 400, 4))


def photo(tmp_path: Path, kind: str = "JPEG") -> Path:
    """A picture no other test uploads: each call draws it at a new size."""
    side = next(_sizes)
    path = tmp_path / f"photo-{side}.{kind.lower()}"
    builders.quadrants(side + 16, side).save(path, kind)
    return path


def upload(client: Client, path: Path) -> Media:
    answer = client.post(
        "/api/v1/media", data=path.read_bytes(), content_type="application/octet-stream"
    )
    assert answer.status_code == 201, answer.json()
    cleaned = answer.json()
    return Media(cleaned["sha256"], cleaned["type"], cleaned["size"])


def publish(client: Client, media: Media, text: str) -> Statement:
    statement = sign_statement(Signer.generate("witness.example"), text, media=[media])
    answer = client.post(STATEMENTS, data=statement.file_bytes(), content_type=TEXT)
    assert answer.status_code == 201, answer.json()
    return statement


def withhold(client: Client, statement: Statement) -> None:
    notice = sign_statement(
        runtime.operator(),
        "it shows a private home",
        kind="withholding",
        refers=[Reference("leaf", statement.leaf_hash.hex())],
        reason="it shows a private home",
    )
    answer = client.post(STATEMENTS, data=notice.file_bytes(), content_type=TEXT)
    assert answer.status_code == 201, answer.json()


def served(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def nothing_new(done: MediaExported) -> bool:
    return done.written == 0 and done.deleted == 0 and done.kept > 0


def eventually(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_published_photo_and_its_thumbnail_reach_a_directory_as_served_but_an_upload_does_not(
    client: Client, tmp_path: Path
) -> None:
    published_media = upload(client, photo(tmp_path))
    published = published_media.sha256
    publish(client, published_media, "The photo from the meeting.")
    unpublished_media = upload(client, photo(tmp_path))
    unpublished = unpublished_media.sha256
    cdn = tmp_path / "cdn"

    done = export_media(DirectorySink(cdn))

    assert (cdn / file_key(published)).read_bytes() == served(client, f"/media/{published}")
    assert (cdn / thumb_key(published)).read_bytes() == served(client, f"/media/{published}/thumb")
    assert not [p for p in (cdn / "media").iterdir() if unpublished in p.name]
    assert done.written >= 2 and done.deleted == 0
    assert nothing_new(export_media(DirectorySink(cdn)))  # a re-run writes nothing


def test_a_withheld_photo_is_deleted_from_a_directory_and_never_exported_again(
    client: Client, tmp_path: Path
) -> None:
    doxxing_media = upload(client, photo(tmp_path))
    doxxing = doxxing_media.sha256
    kept_media = upload(client, photo(tmp_path))
    kept = kept_media.sha256
    target = publish(client, doxxing_media, "A photo of someone's front door.")
    publish(client, kept_media, "A photo of the hall.")
    cdn = tmp_path / "cdn"
    export_media(DirectorySink(cdn))
    assert (cdn / file_key(doxxing)).is_file() and (cdn / thumb_key(doxxing)).is_file()

    withhold(client, target)
    assert client.get(f"/media/{doxxing}").status_code == 410
    done = export_media(DirectorySink(cdn))

    assert done.deleted == 2 and done.written == 0
    assert not (cdn / file_key(doxxing)).exists() and not (cdn / thumb_key(doxxing)).exists()
    assert (cdn / file_key(kept)).is_file()  # only the withheld statement's file goes
    assert nothing_new(export_media(DirectorySink(cdn)))
    elsewhere = tmp_path / "fresh"
    export_media(DirectorySink(elsewhere))
    assert not (elsewhere / file_key(doxxing)).exists()
    assert (elsewhere / file_key(kept)).is_file()


def test_an_s3_export_holds_the_served_bytes_type_and_cache_life_and_drops_withheld_files(
    client: Client, s3: Any, tmp_path: Path
) -> None:
    jpeg_media = upload(client, photo(tmp_path))
    jpeg = jpeg_media.sha256
    png_media = upload(client, photo(tmp_path, "PNG"))
    png = png_media.sha256
    unpublished_media = upload(client, photo(tmp_path))
    unpublished = unpublished_media.sha256
    publish(client, jpeg_media, "The photo from the meeting.")
    target = publish(client, png_media, "PNG of a private letter.")
    sink = S3Sink("cdn", "site/one", client=s3)

    first = export_media(sink)

    assert first.written >= 4
    for sha256 in (jpeg, png):
        response = client.get(f"/media/{sha256}")
        stored = s3.get_object(Bucket="cdn", Key="site/one/" + file_key(sha256))
        assert stored["Body"].read() == served(client, f"/media/{sha256}")
        assert stored["ContentType"] == response["Content-Type"]
        assert stored["CacheControl"] == PUBLIC_CACHE == response["Cache-Control"]
        thumb = s3.get_object(Bucket="cdn", Key="site/one/" + thumb_key(sha256))
        assert thumb["Body"].read() == served(client, f"/media/{sha256}/thumb")
        assert thumb["ContentType"] == "image/webp"
    assert {s3.head_object(Bucket="cdn", Key="site/one/" + file_key(sha))["ContentType"]
            for sha in (jpeg, png)} == {"image/jpeg", "image/png"}  # fmt: skip
    keys = set(sink.keys(PREFIX))
    assert not [key for key in keys if unpublished in key]
    assert nothing_new(export_media(sink))

    withhold(client, target)
    done = export_media(sink)

    assert done.deleted == 2 and done.written == 0
    left = set(sink.keys(PREFIX))
    assert file_key(png) not in left and thumb_key(png) not in left
    assert file_key(jpeg) in left
    assert nothing_new(export_media(sink))


def test_serve_with_export_tiles_also_exports_media_and_deletes_withheld_ones(
    client: Client, served_export: Path, tmp_path: Path
) -> None:
    media = upload(client, photo(tmp_path))
    sha256 = media.sha256
    target = publish(client, media, "Exported as soon as it is logged.")
    exported = served_export / file_key(sha256)
    assert eventually(exported.is_file), process._exporter and process._exporter.errors
    assert exported.read_bytes() == served(client, f"/media/{sha256}")
    assert (served_export / thumb_key(sha256)).is_file()
    assert exported_size(DirectorySink(served_export)) >= 1  # the tiles go there too

    withhold(client, target)

    thumb = served_export / thumb_key(sha256)
    assert eventually(lambda: not exported.exists() and not thumb.exists())


def test_the_export_media_command_says_what_it_did(
    client: Client, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from firsthand.cli.media_export import add_commands

    media = upload(client, photo(tmp_path))
    sha256 = media.sha256
    publish(client, media, "Sent to the static copy by hand.")
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    cdn = tmp_path / "cdn"
    args = parser.parse_args(["export-media", "--data", str(data_dir), "--to", str(cdn)])
    monkeypatch.setenv("FIRSTHAND_DATA", str(data_dir))  # the command points Django there

    assert args.func(args) == 0

    assert (cdn / file_key(sha256)).is_file()


def test_export_media_reaches_s3_through_boto3s_settings_and_names_a_missing_bucket(
    client: Client, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from firsthand.cli.media_export import MediaExportCommandError, export_to

    media = upload(client, photo(tmp_path))
    sha256 = media.sha256
    publish(client, media, "Sent to the bucket by hand.")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.meta.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    said = export_to("s3://cdn/by-hand", show_progress=False)

    assert "already there" in said and "media files written" in said
    s3.head_object(Bucket="cdn", Key="by-hand/" + file_key(sha256))
    assert " 0 media files written" in " " + export_to("s3://cdn/by-hand", show_progress=False)
    with pytest.raises(MediaExportCommandError, match="NoSuchBucket"):
        export_to("s3://no-such-bucket/site", show_progress=False)
    with pytest.raises(ExportError, match="s3://bucket/prefix"):
        export_to("ftp://example.org/media", show_progress=False)
