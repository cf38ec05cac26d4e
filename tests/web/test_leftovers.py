"""Nothing left behind (web/leftovers.py): a server killed while it cleans a video leaves its
original in the scratch directory, and the next start removes it; uploads no statement lists
expire."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.test import override_settings

from firsthand.web import leftovers
from firsthand.web.api import media_store
from firsthand.web.api.models import PublishedStatement, StatementMedia
from tests.media.builders import ISO6709, phone_video
from tests.serving import free_port, server_env

GPS = ISO6709.encode()  # the location the phone wrote into the video


def files_holding(directory: Path, needle: bytes) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _serve(data: Path, scratch: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**server_env(data), "FIRSTHAND_SCRATCH": str(scratch)}
    server = subprocess.Popen(
        [sys.executable, "-m", "firsthand.cli", "serve", "--data", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/checkpoint", timeout=1)
            return server, url
        except OSError:
            assert server.poll() is None, "firsthand serve exited"
            time.sleep(0.1)
    raise AssertionError("firsthand serve did not answer")


def test_a_server_killed_mid_clean_leaves_no_original_after_a_restart(tmp_path: Path) -> None:
    video = phone_video(tmp_path).read_bytes()
    assert GPS in video
    data, scratch = tmp_path / "data", tmp_path / "scratch"
    server, url = _serve(data, scratch)
    try:

        def upload() -> None:
            request = urllib.request.Request(
                url + "/api/v1/media", data=video, headers={"Content-Type": "video/mp4"}
            )
            with contextlib.suppress(urllib.error.URLError, ConnectionError):
                urllib.request.urlopen(request, timeout=60)  # the server is killed under it

        threading.Thread(target=upload, daemon=True).start()
        deadline = time.monotonic() + 30
        while not files_holding(scratch, GPS):  # the original, being cleaned
            assert time.monotonic() < deadline, "the upload never reached the scratch directory"
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        time.sleep(0.3)  # its worker dies with it (PR_SET_PDEATHSIG)
        assert files_holding(scratch, GPS)  # the attack: the original survives the kill
        assert not files_holding(data, GPS)  # it never reached the data directory

        server, url = _serve(data, scratch)
        assert files_holding(scratch, GPS) == []
        assert not any(p.is_file() for p in scratch.rglob("*"))
    finally:
        server.kill()
        server.wait(10)


def test_the_sweep_removes_dead_processes_directories_and_stale_files_of_live_ones(
    tmp_path: Path,
) -> None:
    code = "import os; print(os.getpid())"
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    (tmp_path / dead.stdout.strip() / "firsthand-media-x").mkdir(parents=True)
    (tmp_path / dead.stdout.strip() / "firsthand-media-x" / "source.mp4").write_bytes(GPS)
    (tmp_path / "stray-file").write_bytes(GPS)
    live = tmp_path / str(os.getpid())
    (live / "fresh").mkdir(parents=True)
    (live / "old").mkdir()
    os.utime(live / "old", (time.time() - 2 * leftovers.STALE_SECONDS,) * 2)
    assert leftovers.sweep_scratch(tmp_path) == 3
    assert {p.name for p in tmp_path.rglob("*")} == {"fresh", str(os.getpid())}


def test_the_scratch_directory_is_a_tmpfs_where_the_machine_has_one(tmp_path: Path) -> None:
    chosen = leftovers.default_scratch(tmp_path)
    if leftovers.mount_type(Path("/dev/shm")) in ("tmpfs", "ramfs"):
        assert chosen.parent == Path("/dev/shm") and chosen.name.startswith("firsthand-")
        assert chosen == leftovers.default_scratch(tmp_path)  # the same one at every start
    else:
        assert chosen == tmp_path / "scratch"


def test_a_process_using_the_scratch_directory_makes_its_temporary_files_there(
    tmp_path: Path,
) -> None:
    import tempfile

    from firsthand.media.tools import workspace

    before = tempfile.tempdir
    try:
        with override_settings(FIRSTHAND_SCRATCH=str(tmp_path)):
            own = leftovers.use_scratch()
        with workspace() as private:
            assert private.parent == own == tmp_path / str(os.getpid())
            assert own.stat().st_mode & 0o777 == 0o700
    finally:
        tempfile.tempdir = before


def _stored(name: str, age_hours: float) -> Path:
    path = media_store.folder() / name
    path.write_bytes(b"cleaned bytes")
    media_store.thumb_path_of(name).write_bytes(b"rendition")
    then = time.time() - age_hours * 3600
    os.utime(path, (then, then))
    return path


def test_uploads_no_statement_lists_expire_and_listed_ones_stay(database: None) -> None:
    old_unlisted = _stored("a" * 64, 30)
    new_unlisted = _stored("b" * 64, 1)
    old_listed = _stored("c" * 64, 30)
    row = PublishedStatement.objects.create(
        leaf_hash="f" * 64, head="h", body="b", author_key="k", author_key_id="00000000",
        kind="declaration", lang="en", signed_at="2024-01-01T00:00:00Z", refers=[], media=[],
    )  # fmt: skip
    StatementMedia.objects.create(statement=row, sha256="c" * 64)
    try:
        with override_settings(FIRSTHAND_UNPUBLISHED_MEDIA_HOURS=24):
            assert leftovers.expire_unpublished() == 1
        assert not old_unlisted.exists() and not media_store.thumb_path_of("a" * 64).exists()
        assert new_unlisted.exists() and old_listed.exists()
    finally:
        row.delete()
        for path in (new_unlisted, old_listed):
            path.unlink(missing_ok=True)
            media_store.thumb_path_of(path.name).unlink(missing_ok=True)
