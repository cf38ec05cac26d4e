"""Pooling many entries at once: in order, and all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from firsthand.log.errors import EmptyEntry, EntryTooLarge
from firsthand.log.note import Signer
from firsthand.log.sequencer import PoolFull, Sequencer
from firsthand.log.storage import SQLiteStorage


@pytest.fixture
def sequencer(tmp_path: Path) -> Sequencer:
    storage = SQLiteStorage(tmp_path / "log.sqlite3")
    return Sequencer(storage, Signer.generate("test.example/log"), max_pool=4)


def test_entries_submitted_together_are_logged_in_their_order(sequencer: Sequencer) -> None:
    tickets = sequencer.submit_many([b"a", b"b", b"a", b"c"])
    sequencer.run_until_empty()
    results = [ticket.wait(timeout=5) for ticket in tickets]
    assert [r.index for r in results] == [0, 1, 0, 2]
    assert [r.duplicate for r in results] == [False, False, True, False]
    assert sequencer.size == 3


@pytest.mark.parametrize(
    ("entries", "error"),
    [([b"a", b""], EmptyEntry), ([b"a", b"x" * 65536], EntryTooLarge)],
)
def test_one_entry_that_cannot_be_logged_pools_none_of_them(
    sequencer: Sequencer, entries: list[bytes], error: type[Exception]
) -> None:
    with pytest.raises(error):
        sequencer.submit_many(entries)
    assert sequencer.pooled() == 0


def test_entries_that_would_overfill_the_pool_are_refused_together(sequencer: Sequencer) -> None:
    sequencer.submit_many([b"a", b"b", b"c"])
    with pytest.raises(PoolFull, match="try again"):
        sequencer.submit_many([b"d", b"e"])
    assert sequencer.pooled() == 3
    sequencer.submit_many([b"d"])
    assert sequencer.pooled() == 4


def test_submitting_nothing_pools_nothing(sequencer: Sequencer) -> None:
    assert sequencer.submit_many([]) == []
    assert sequencer.run_until_empty() is None
    assert sequencer.size == 0
