"""The sequencer: batches, durability before acknowledgement, duplicates, failures and kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from firsthand.log import merkle
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.errors import EmptyEntry, EntryTooLarge
from firsthand.log.note import Signer
from firsthand.log.reader import LogReader
from firsthand.log.sequencer import PoolFull, Sequencer
from firsthand.log.storage import Batch, SQLiteStorage, StorageConflict


@pytest.fixture
def signer() -> Signer:
    return Signer.generate("test.example/log")


@pytest.fixture
def storage(tmp_path: Path) -> SQLiteStorage:
    return SQLiteStorage(tmp_path / "log.sqlite3")


def test_a_new_log_publishes_the_empty_tree_with_the_sha256_of_nothing(
    storage: SQLiteStorage, signer: Signer
) -> None:
    Sequencer(storage, signer)
    latest = storage.latest_checkpoint()
    assert latest is not None
    checkpoint, _ = open_checkpoint(latest.note, signer.verifier())
    assert (checkpoint.size, checkpoint.root_hash) == (0, merkle.EMPTY_ROOT)


def test_each_submitter_learns_its_index_and_a_signed_checkpoint_covering_it(
    storage: SQLiteStorage, signer: Signer
) -> None:
    sequencer = Sequencer(storage, signer, max_batch=3)
    entries = [f"entry {i}".encode() for i in range(7)]
    tickets = [sequencer.submit(e) for e in entries]
    assert not any(f.done() for f in tickets)  # nothing is acknowledged before integration
    assert sequencer.integrate_once() == 3
    assert [f.done() for f in tickets] == [True] * 3 + [False] * 4
    sequencer.run_until_empty()
    reader = LogReader(storage)
    for i, (entry, ticket) in enumerate(zip(entries, tickets, strict=True)):
        result = ticket.wait()
        assert result.index == i and not result.duplicate
        checkpoint, _ = open_checkpoint(result.checkpoint.note, signer.verifier())
        assert checkpoint.size > i
        proof = reader.inclusion_proof(i, checkpoint.size)
        merkle.verify_inclusion(
            i, checkpoint.size, merkle.leaf_hash(entry), proof, checkpoint.root_hash
        )
        assert reader.entry(i) == entry


def test_the_same_entry_twice_gets_the_first_index_not_a_second_entry(
    storage: SQLiteStorage, signer: Signer
) -> None:
    sequencer = Sequencer(storage, signer)
    first = sequencer.submit(b"once")
    same_batch = sequencer.submit(b"once")
    sequencer.run_until_empty()
    later = sequencer.submit(b"once")
    sequencer.run_until_empty()
    assert first.wait().index == same_batch.wait().index == later.wait().index == 0
    assert same_batch.wait().duplicate and later.wait().duplicate
    assert sequencer.size == 1


def test_empty_and_oversized_entries_are_refused_before_pooling(
    storage: SQLiteStorage, signer: Signer
) -> None:
    sequencer = Sequencer(storage, signer)
    with pytest.raises(EmptyEntry):
        sequencer.submit(b"")
    with pytest.raises(EntryTooLarge):
        sequencer.submit(b"x" * 65536)
    sequencer.submit(b"x" * 65535)
    assert sequencer.pooled() == 1


def test_a_full_pool_refuses_more_with_a_clear_error(
    storage: SQLiteStorage, signer: Signer
) -> None:
    sequencer = Sequencer(storage, signer, max_pool=2)
    sequencer.submit(b"a")
    sequencer.submit(b"b")
    with pytest.raises(PoolFull, match="try again"):
        sequencer.submit(b"c")


def test_a_failed_transaction_acknowledges_nothing_and_the_log_carries_on(
    storage: SQLiteStorage, signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sequencer = Sequencer(storage, signer)
    sequencer.submit(b"before")
    sequencer.run_until_empty()
    real = storage.integrate

    def broken(batch: Batch) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage, "integrate", broken)
    failed = sequencer.submit(b"lost")
    sequencer.run_until_empty()
    with pytest.raises(OSError, match="disk full"):
        failed.wait()
    monkeypatch.setattr(storage, "integrate", real)
    retried = sequencer.submit(b"lost")
    sequencer.run_until_empty()
    assert retried.wait().index == 1
    reader = LogReader(storage)
    assert reader.tree_hash(2) == merkle.root_from_leaf_hashes(
        [merkle.leaf_hash(b"before"), merkle.leaf_hash(b"lost")]
    )


def test_a_second_sequencer_on_the_same_database_cannot_fork_the_log(
    storage: SQLiteStorage, signer: Signer
) -> None:
    first = Sequencer(storage, signer)
    second = Sequencer(storage, signer)
    first.submit(b"a")
    first.run_until_empty()
    lost = second.submit(b"b")
    second.run_until_empty()
    with pytest.raises(StorageConflict, match="another sequencer"):
        lost.wait()


def test_the_thread_integrates_within_its_period(storage: SQLiteStorage, signer: Signer) -> None:
    sequencer = Sequencer(storage, signer, period=0.05)
    sequencer.start()
    try:
        assert sequencer.add(b"threaded", timeout=10).index == 0
    finally:
        sequencer.stop()


WRITER = textwrap.dedent(
    """
    import sys
    from firsthand.log.datadir import open_log
    log = open_log(sys.argv[1])
    sequencer = log.sequencer(max_batch=int(sys.argv[2]))
    start = sequencer.size
    i = start
    while True:
        tickets = [sequencer.submit(b"entry %d" % n) for n in range(i, i + 50)]
        sequencer.integrate_once()
        for f in tickets:
            r = f.wait()
            print(r.index, r.leaf_hash.hex(), flush=True)
        i += 50
    """
)


def test_killing_the_writer_at_random_moments_loses_no_acknowledged_entry(tmp_path: Path) -> None:
    """kill -9 mid-write, again and again: everything acknowledged is in the log at its index."""
    data = tmp_path / "data"
    acknowledged: dict[int, str] = {}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for round_ in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data), str(17 + round_)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(0.3 + 0.07 * round_)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2:  # the last line may be cut by the kill
                acknowledged[int(parts[0])] = parts[1]
    from firsthand.log.datadir import open_log

    log = open_log(data)
    latest = log.reader.latest()
    checkpoint, _ = open_checkpoint(latest.note, log.verifier)
    assert acknowledged, "the writer never acknowledged anything"
    assert max(acknowledged) < checkpoint.size
    for index, leaf in acknowledged.items():
        assert merkle.leaf_hash(log.reader.entry(index)).hex() == leaf
    entries = log.storage.read_entries(0, checkpoint.size)
    assert (
        merkle.root_from_leaf_hashes([merkle.leaf_hash(e) for e in entries]) == checkpoint.root_hash
    )
    assert log.reader.tree_hash(checkpoint.size) == checkpoint.root_hash
