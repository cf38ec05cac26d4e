"""The write lock of a SQLite file (storage.WriteLock) excludes other processes as well as
other threads, and a process killed while holding it frees it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from firsthand.log.storage import write_lock


def _child_holding(lock_path: Path, seconds: float) -> int:
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: take the lock (a descriptor of its own), say so, hold it
        try:
            with write_lock(lock_path):
                os.write(ready_write, b"x")
                time.sleep(seconds)
        finally:
            os._exit(0)
    os.close(ready_write)
    assert os.read(ready_read, 1) == b"x"
    os.close(ready_read)
    return pid


def test_another_process_waits_until_the_holder_is_done(tmp_path: Path) -> None:
    database = tmp_path / "log.sqlite3"
    with write_lock(database):  # opened here before the fork: the child must not share it
        pass
    child = _child_holding(database, 0.5)
    began = time.monotonic()
    with write_lock(database):
        waited = time.monotonic() - began
    os.waitpid(child, 0)
    assert waited >= 0.3, f"took the lock after {waited:.3f} s while another process held it"


def test_a_holder_killed_with_sigkill_frees_it(tmp_path: Path) -> None:
    database = tmp_path / "log.sqlite3"
    child = _child_holding(database, 60)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    began = time.monotonic()
    with write_lock(database):
        assert time.monotonic() - began < 5
