import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.attribution.postings import PostingMap


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), max_size=6), max_size=80), st.integers(1, 20))
def test_lookups_return_every_entry_added_under_a_key_whatever_the_flushes(
    added: list[list[int]], flush_at: int
) -> None:
    postings = PostingMap(np.uint32, flush_at=flush_at)
    expected: dict[int, list[int]] = {}
    for entry, keys in enumerate(added):
        postings.add(np.array(keys, dtype=np.uint32), entry)
        for key in keys:
            expected.setdefault(key, []).append(entry)
    asked = np.arange(52, dtype=np.uint32)
    found = postings.lookup(asked)
    for key, entries in zip(asked.tolist(), found, strict=True):
        assert sorted(entries.tolist()) == sorted(expected.get(key, []))
    assert postings.counts(asked).tolist() == [len(expected.get(k, [])) for k in range(52)]
    assert len(postings) == sum(len(keys) for keys in added)


def test_runs_merge_so_their_number_grows_with_the_log_of_the_size() -> None:
    postings = PostingMap(np.uint64, flush_at=8)
    for entry in range(4096):
        postings.add(np.array([entry, entry + 1], dtype=np.uint64), entry)
    postings.flush()
    assert postings.runs() <= 12


def test_a_key_held_by_more_entries_than_the_limit_returns_nothing() -> None:
    postings = PostingMap(np.uint32)
    for entry in range(10):
        postings.add(np.array([7], dtype=np.uint32), entry)
    assert len(postings.lookup(np.array([7], dtype=np.uint32), limit=5)[0]) == 0
    assert len(postings.lookup(np.array([7], dtype=np.uint32), limit=10)[0]) == 10
