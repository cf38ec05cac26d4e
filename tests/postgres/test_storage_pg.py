"""The log on PostgreSQL behaves as on SQLite: the same tests, and the same trees, byte for byte.

The sequencer tests of tests/log/test_sequencer.py run here again over
PostgresStorage (their ``storage`` fixture is replaced below). The storage
tests are parametrised over both back ends, opened by open_storage from a
path or a URL, as a deployment opens them.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log import merkle
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.errors import NotFound
from firsthand.log.merkle import leaf_hash
from firsthand.log.note import Signer
from firsthand.log.reader import LogReader
from firsthand.log.sequencer import Sequencer
from firsthand.log.storage import (
    Batch,
    LogStorage,
    SQLiteStorage,
    StorageConflict,
    StoredCheckpoint,
)
from firsthand.log.storage_factory import UnsupportedDatabase, open_storage
from firsthand.log.storage_pg import (
    PostgresStorage,
    SequencerLockHeld,
    StorageUnavailable,
)
from firsthand.log.tiles import TileID, decode_entry_bundle, parse_tile_path
from tests.log import test_sequencer as on_sqlite
from tests.log.test_tiles import build

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def storage(postgres_url: str) -> Iterator[PostgresStorage]:
    """Replaces test_sequencer's SQLite storage for the tests reused below."""
    log = PostgresStorage(postgres_url)
    yield log
    log.close()


signer = on_sqlite.signer

# The sequencer's behaviours, pinned for SQLite in tests/log/test_sequencer.py, on PostgreSQL.
test_a_new_log_publishes_the_empty_tree_with_the_sha256_of_nothing = (
    on_sqlite.test_a_new_log_publishes_the_empty_tree_with_the_sha256_of_nothing
)
test_each_submitter_learns_its_index_and_a_signed_checkpoint_covering_it = (
    on_sqlite.test_each_submitter_learns_its_index_and_a_signed_checkpoint_covering_it
)
test_the_same_entry_twice_gets_the_first_index_not_a_second_entry = (
    on_sqlite.test_the_same_entry_twice_gets_the_first_index_not_a_second_entry
)
test_a_failed_transaction_acknowledges_nothing_and_the_log_carries_on = (
    on_sqlite.test_a_failed_transaction_acknowledges_nothing_and_the_log_carries_on
)
test_a_second_sequencer_on_the_same_database_cannot_fork_the_log = (
    on_sqlite.test_a_second_sequencer_on_the_same_database_cannot_fork_the_log
)
test_the_thread_integrates_within_its_period = (
    on_sqlite.test_the_thread_integrates_within_its_period
)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def new_log(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], str]:
    """Makes the location of an empty log on each back end: a file path, or a URL."""
    if request.param == "postgresql":
        new_postgres_log: Callable[[], str] = request.getfixturevalue("new_postgres_log")
        return new_postgres_log
    return lambda: str(tmp_path_factory.mktemp("log") / "log.sqlite3")


@pytest.fixture
def opened(new_log: Callable[[], str]) -> Iterator[Callable[[str], LogStorage]]:
    """Opens storages at a location, and closes them all after the test."""
    storages: list[LogStorage] = []

    def open_(location: str) -> LogStorage:
        storages.append(open_storage(location))
        return storages[-1]

    yield open_
    for s in storages:
        s.close()


def entries(start: int, count: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(start, start + count)]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 700), min_size=1, max_size=5))
def test_tree_hash_and_proofs_from_stored_tiles_equal_those_from_the_leaves(
    new_log: Callable[[], str], batch_sizes: list[int]
) -> None:
    storage = open_storage(new_log())
    counter = iter(range(10**9))
    batches = [[next(counter).to_bytes(4, "big") for _ in range(k)] for k in batch_sizes]
    build(storage, batches)  # type: ignore[arg-type]
    leaves = [merkle.leaf_hash(e) for b in batches for e in b]
    reader = LogReader(storage, cached_tiles=4)
    memory = merkle.memory_node_reader(leaves)
    sizes = [0]
    for b in batches:
        sizes.append(sizes[-1] + len(b))
    for size in sizes:
        assert reader.tree_hash(size) == merkle.root_from_leaf_hashes(leaves[:size])
    n = len(leaves)
    for index in {0, n // 3, n - 1}:
        assert reader.inclusion_proof(index, n) == merkle.inclusion_proof(index, n, memory)
    for old in sizes[1:]:
        assert reader.consistency_proof(old, n) == merkle.consistency_proof(old, n, memory)
    storage.close()


def test_partial_tiles_are_replaced_as_they_grow_and_old_prefixes_stay_servable(
    new_log: Callable[[], str], opened: Callable[[str], LogStorage]
) -> None:
    storage = opened(new_log())
    data = [i.to_bytes(3, "big") for i in range(600)]
    build(storage, [data[:300], data[300:]])  # type: ignore[arg-type]
    reader = LogReader(storage)
    leaves = [merkle.leaf_hash(e) for e in data]
    assert reader.tile(parse_tile_path("tile/0/001")) == b"".join(leaves[256:512])
    assert reader.tile(parse_tile_path("tile/0/001.p/44")) == b"".join(leaves[256:300])
    assert decode_entry_bundle(reader.tile(parse_tile_path("tile/entries/002.p/88"))) == data[512:]
    with pytest.raises(NotFound):
        reader.tile(parse_tile_path("tile/0/002.p/89"))
    assert storage.read_tiles([TileID(0, 7), TileID(0, 0)]).keys() == {TileID(0, 0)}
    assert storage.read_entries(598, 700) == data[598:]
    assert storage.checkpoint_at(300) == StoredCheckpoint(300, b"size 300")
    assert storage.checkpoint_at(299) is None
    assert storage.latest_checkpoint() == StoredCheckpoint(600, b"size 600")


def test_a_new_log_has_no_checkpoint(
    new_log: Callable[[], str], opened: Callable[[str], LogStorage]
) -> None:
    storage = opened(new_log())
    assert storage.latest_checkpoint() is None
    assert storage.find_leaves([leaf_hash(b"x")]) == {}
    assert storage.read_entries(0, 10) == []


def test_a_leaf_key_match_is_confirmed_by_the_entrys_full_hash(
    new_log: Callable[[], str], opened: Callable[[str], LogStorage]
) -> None:
    storage = opened(new_log())
    first, second = leaf_hash(b"first"), leaf_hash(b"second")
    # The second entry is filed under the first one's 8-byte key, as a key collision would be.
    impostor = first[:8] + second[8:]
    storage.integrate(Batch(0, [], [], {}, StoredCheckpoint(0, b"size 0")))
    storage.integrate(
        Batch(0, [first, impostor], [b"first", b"second"], {}, StoredCheckpoint(2, b"size 2"))
    )
    assert storage.find_leaves([first, impostor]) == {first: 0}
    assert storage.find_leaves([second]) == {}


def test_a_batch_that_does_not_start_at_the_stored_size_is_a_conflict_and_writes_nothing(
    new_log: Callable[[], str], opened: Callable[[str], LogStorage]
) -> None:
    storage = opened(new_log())
    build(storage, [entries(0, 5)])  # type: ignore[arg-type]
    stale = Batch(3, [leaf_hash(b"late")], [b"late"], {}, StoredCheckpoint(4, b"size 4"))
    with pytest.raises(StorageConflict, match="holds 5 entries but this batch starts at 3"):
        storage.integrate(stale)
    assert storage.latest_checkpoint() == StoredCheckpoint(5, b"size 5")
    assert storage.read_entries(0, 10) == entries(0, 5)


def test_a_batch_that_fails_part_way_leaves_no_trace(
    new_log: Callable[[], str], opened: Callable[[str], LogStorage]
) -> None:
    storage = opened(new_log())
    build(storage, [entries(0, 3)])  # type: ignore[arg-type]
    more = entries(3, 5)
    # One leaf hash short: the batch breaks after some of its entries were written.
    broken = Batch(3, [leaf_hash(e) for e in more[:-1]], more, {}, StoredCheckpoint(8, b"x"))
    with pytest.raises(ValueError):
        storage.integrate(broken)
    assert storage.latest_checkpoint() == StoredCheckpoint(3, b"size 3")
    assert storage.read_entries(0, 10) == entries(0, 3)
    whole = Batch(3, [leaf_hash(e) for e in more], more, {}, StoredCheckpoint(8, b"size 8"))
    storage.integrate(whole)
    assert storage.read_entries(0, 10) == entries(0, 8)


def test_a_batch_whose_checkpoint_cannot_be_stored_stores_none_of_its_entries_or_tiles(
    new_log: Callable[[], str], opened: Callable[[str], LogStorage]
) -> None:
    storage = opened(new_log())
    build(storage, [entries(0, 3)])  # type: ignore[arg-type]
    before = storage.read_tiles([TileID(0, 0)])
    for count in (5, 300):  # a small batch, and one whose entries go in by COPY
        more = entries(3, count)
        tile = {TileID(0, 0): b"\x00" * 32 * min(256, 3 + count)}
        # The checkpoint is written last; a note of None breaks its NOT NULL constraint.
        broken = Batch(3, [leaf_hash(e) for e in more], more, tile, StoredCheckpoint(8, None))  # type: ignore[arg-type]
        with pytest.raises((sqlite3.IntegrityError, psycopg.errors.NotNullViolation)):
            storage.integrate(broken)
        assert storage.latest_checkpoint() == StoredCheckpoint(3, b"size 3")
        assert storage.read_entries(0, 400) == entries(0, 3)
        assert storage.read_tiles([TileID(0, 0)]) == before


def test_two_sequencers_racing_on_one_database_never_fork_the_log(
    new_log: Callable[[], str], opened: Callable[[str], LogStorage], signer: Signer
) -> None:
    """Both integrate at the same moment each round: one wins, the other gets StorageConflict."""
    location = new_log()
    sequencers = [Sequencer(opened(location), signer) for _ in range(2)]
    rounds = 12
    start = threading.Barrier(2)
    acknowledged: dict[int, bytes] = {}
    conflicts = [0, 0]
    lock = threading.Lock()

    def run(number: int) -> None:
        sequencer = sequencers[number]
        for r in range(rounds):
            batch = [f"sequencer {number} round {r} entry {i}".encode() for i in range(3)]
            start.wait()
            tickets = [sequencer.submit(e) for e in batch]
            sequencer.integrate_once()
            for entry, ticket in zip(batch, tickets, strict=True):
                try:
                    result = ticket.wait(30)
                except StorageConflict:
                    with lock:
                        conflicts[number] += 1
                    continue
                with lock:
                    acknowledged[result.index] = entry

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    reader_storage = opened(location)
    latest = reader_storage.latest_checkpoint()
    assert latest is not None
    assert len(acknowledged) == latest.size == 3 * rounds  # one winner a round
    assert sum(conflicts) == 3 * rounds
    stored = reader_storage.read_entries(0, latest.size)
    assert all(stored[i] == e for i, e in acknowledged.items())
    leaves = [leaf_hash(e) for e in stored]
    for size in range(0, latest.size + 1, 3):
        # Every checkpoint signed on the way is a prefix of the one tree: no fork.
        stored_checkpoint = reader_storage.checkpoint_at(size)
        assert stored_checkpoint is not None
        checkpoint, _ = open_checkpoint(stored_checkpoint.note, signer.verifier())
        assert checkpoint.root_hash == merkle.root_from_leaf_hashes(leaves[:size])


def test_a_sequencer_over_postgresql_signs_the_same_checkpoints_and_tiles_as_over_sqlite(
    tmp_path: Path, postgres_url: str, signer: Signer
) -> None:
    sqlite, postgres = SQLiteStorage(tmp_path / "log.sqlite3"), PostgresStorage(postgres_url)
    batches = [entries(0, 1), entries(1, 300), entries(301, 4), entries(305, 66000)]
    for storage in (sqlite, postgres):
        sequencer = Sequencer(storage, signer, max_batch=70000)
        for batch in batches:
            tickets = [sequencer.submit(e) for e in batch]
            sequencer.integrate_once()
            tickets[-1].wait()
    size = sum(map(len, batches))
    for checkpoint_size in (0, 1, 301, 305, size):
        on_sqlite_ = sqlite.checkpoint_at(checkpoint_size)
        assert on_sqlite_ is not None
        assert postgres.checkpoint_at(checkpoint_size) == on_sqlite_  # Ed25519 is deterministic
    tiles = [TileID(level, n) for level in (0, 1, 2, 3) for n in range(size // 256 + 2)]
    assert postgres.read_tiles(tiles) == sqlite.read_tiles(tiles)
    # 66,305 leaves: 260 tiles at level 0 (the last partial), 2 at level 1, 1 at level 2.
    assert len(sqlite.read_tiles(tiles)) == 260 + 2 + 1
    assert postgres.read_entries(0, size) == sqlite.read_entries(0, size)
    postgres.close()
    sqlite.close()


def test_the_sequencer_lock_is_held_by_one_storage_at_a_time(
    postgres_url: str, new_postgres_log: Callable[[], str]
) -> None:
    first, second = PostgresStorage(postgres_url), PostgresStorage(postgres_url)
    lock = first.sequencer_lock()
    assert second.try_sequencer_lock() is None
    with pytest.raises(SequencerLockHeld, match=r"firsthand sequencer \d+@"):
        second.sequencer_lock()
    # A log in another schema has a lock of its own.
    elsewhere = PostgresStorage(new_postgres_log())
    with elsewhere.sequencer_lock() as other:
        assert other.held
    lock.release()
    assert not lock.held
    with second.sequencer_lock() as taken:
        assert first.try_sequencer_lock() is None
        assert taken.held
    assert first.try_sequencer_lock() is not None
    for s in (first, second, elsewhere):
        s.close()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from firsthand.log.storage_pg import PostgresStorage
    lock = PostgresStorage(sys.argv[1]).sequencer_lock()
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_a_killed_sequencer_leaves_its_lock_free(postgres_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, postgres_url], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        storage = PostgresStorage(postgres_url)
        assert storage.try_sequencer_lock() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        lock = storage.try_sequencer_lock()
        while lock is None and time.monotonic() < deadline:
            time.sleep(0.05)
            lock = storage.try_sequencer_lock()
        assert lock is not None, "the dead sequencer's lock was never released"
        lock.release()
        storage.close()
    finally:
        proc.kill()
        proc.wait()


WRITER = textwrap.dedent(
    """
    import os, sys
    from firsthand.log.note import Signer
    from firsthand.log.sequencer import Sequencer
    from firsthand.log.storage_pg import PostgresStorage
    storage = PostgresStorage(sys.argv[1])
    signer = Signer.from_private_key(os.environ["FIRSTHAND_TEST_LOG_KEY"])
    sequencer = Sequencer(storage, signer, max_batch=int(sys.argv[2]))
    i = sequencer.size
    while True:
        tickets = [sequencer.submit(b"entry %d" % n) for n in range(i, i + 50)]
        sequencer.integrate_once()
        for f in tickets:
            r = f.wait()
            print(r.index, r.leaf_hash.hex(), flush=True)
        i += 50
    """
)


def test_killing_the_writer_at_random_moments_loses_no_acknowledged_entry(
    postgres_url: str, signer: Signer
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FIRSTHAND_TEST_LOG_KEY": signer.private_key_text(),
    }
    acknowledged: dict[int, str] = {}
    for round_ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, postgres_url, str(17 + round_)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(0.4 + 0.07 * round_)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2:  # the last line may be cut by the kill
                acknowledged[int(parts[0])] = parts[1]
    storage = PostgresStorage(postgres_url)
    latest = storage.latest_checkpoint()
    assert latest is not None and acknowledged, "the writer never acknowledged anything"
    checkpoint, _ = open_checkpoint(latest.note, signer.verifier())
    assert max(acknowledged) < checkpoint.size
    stored = storage.read_entries(0, checkpoint.size)
    assert all(leaf_hash(stored[i]).hex() == leaf for i, leaf in acknowledged.items())
    assert merkle.root_from_leaf_hashes([leaf_hash(e) for e in stored]) == checkpoint.root_hash
    assert LogReader(storage).tree_hash(checkpoint.size) == checkpoint.root_hash
    storage.close()


def test_open_storage_takes_a_path_or_a_postgresql_url(tmp_path: Path, postgres_url: str) -> None:
    sqlite = open_storage(tmp_path / "log.sqlite3")
    postgres = open_storage(postgres_url)
    assert isinstance(sqlite, SQLiteStorage) and isinstance(postgres, PostgresStorage)
    sqlite.close()
    postgres.close()
    with pytest.raises(UnsupportedDatabase, match=r"not mysql://"):
        open_storage("mysql://log@localhost/log")


def test_an_unreachable_database_is_a_clear_error_that_keeps_the_password_secret(
    tmp_path: Path,
) -> None:
    url = f"postgresql://log:hunter2@/log?host={tmp_path}/no-server-here"
    with pytest.raises(StorageUnavailable, match="cannot connect to the PostgreSQL") as raised:
        open_storage(url)
    assert "hunter2" not in str(raised.value)
    assert "log:***@" in str(raised.value)
