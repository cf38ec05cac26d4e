"""Wake-ups between processes on SQLite (web/api/wakeup.py): datagrams, never blocking,
stale mailboxes removed, and a folder in /tmp when the data directory is too deep."""

from __future__ import annotations

import os
import time
from pathlib import Path

from firsthand.web.api import wakeup


def test_a_message_is_received_and_a_quiet_mailbox_times_out(tmp_path: Path) -> None:
    directory = wakeup.run_directory(tmp_path)
    assert directory == tmp_path.resolve() / "run"
    assert directory.stat().st_mode & 0o777 == 0o700
    with wakeup.Mailbox(directory / wakeup.SEQUENCER) as mailbox:
        began = time.monotonic()
        assert mailbox.receive(0.05) is None
        assert time.monotonic() - began >= 0.04
        wakeup.wake_sequencer(directory)
        wakeup.wake_sequencer(directory)
        assert mailbox.receive(1.0) == ["", ""]  # all that were queued, at once
    assert not (directory / wakeup.SEQUENCER).exists()  # removed when closed


def test_every_waiter_gets_the_message_and_dead_ones_are_removed(tmp_path: Path) -> None:
    directory = wakeup.run_directory(tmp_path)
    first, second = wakeup.Mailbox.for_waiter(directory), wakeup.Mailbox.for_waiter(directory)
    dead = wakeup.Mailbox.for_waiter(directory)
    dead._socket.close()  # as if its worker had been killed: the file stays, nobody reads
    try:
        assert wakeup.wake_waiters(directory, "3-5,9") == 2
        assert first.receive(1.0) == ["3-5,9"]
        assert second.receive(1.0) == ["3-5,9"]
        assert not dead.path.exists()
    finally:
        first.close()
        second.close()


def test_sending_to_nobody_or_to_a_full_mailbox_never_blocks(tmp_path: Path) -> None:
    directory = wakeup.run_directory(tmp_path)
    assert not wakeup.send(directory / "nobody.sock", "x")
    with wakeup.Mailbox(directory / "slow.sock") as slow:
        began = time.monotonic()
        for _ in range(5000):  # far past the socket's queue
            assert wakeup.send(slow.path, "1-100")
        assert time.monotonic() - began < 5
        assert slow.receive(1.0)


def test_a_deep_data_directory_gets_its_sockets_in_tmp(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    directory = wakeup.run_directory(deep)
    assert not directory.is_relative_to(deep)
    assert directory == wakeup.run_directory(deep)  # the same for every process
    assert directory.stat().st_uid == os.getuid()
    with wakeup.Mailbox.for_waiter(directory) as mailbox:
        assert len(str(mailbox.path)) <= 107
