"""A compact, append-only multimap from integer keys to entry numbers.

The attribution index holds tens of millions of (key, entry) pairs at a million
statements. A Python dict of lists costs about 100 bytes a pair; here a pair
costs the bytes of its key and its value (8 + 4, or 4 + 4) in sorted numpy
arrays, as in a log-structured merge tree:

* new pairs wait in a small buffer;
* when it holds ``flush_at`` pairs, or before any lookup, it becomes a sorted run;
* runs merge like the digits of a binary counter (a new run swallows every
  older run not more than twice its size), so there are O(log n) runs and
  each pair is re-sorted O(log n) times in all.

A lookup is a binary search in each run. Nothing is ever removed: the index
hides entries it no longer wants (withheld bodies) instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

# uint64 or uint32, chosen per map; numpy's stubs cannot follow a dtype chosen at run time.
Keys = npt.NDArray[Any]
Values = npt.NDArray[np.uint32]


class PostingMap:
    """Integer key -> entry numbers (uint32), in insertion order per run."""

    def __init__(self, key_dtype: type[np.uint32] | type[np.uint64], flush_at: int = 1 << 16):
        self._dtype = np.dtype(key_dtype)
        self._flush_at = flush_at
        self._pending_keys: list[Keys] = []
        self._pending_values: list[Values] = []
        self._pending = 0
        self._runs: list[tuple[Keys, Values]] = []

    def __len__(self) -> int:
        return self._pending + sum(len(keys) for keys, _ in self._runs)

    def nbytes(self) -> int:
        """Bytes held by the sorted runs (the buffer holds at most flush_at more pairs)."""
        return sum(keys.nbytes + values.nbytes for keys, values in self._runs)

    def runs(self) -> int:
        return len(self._runs)

    def add(self, keys: Keys, value: int) -> None:
        """Map every key in keys to value."""
        if len(keys) == 0:
            return
        self._pending_keys.append(keys.astype(self._dtype, copy=False))
        self._pending_values.append(np.full(len(keys), value, dtype=np.uint32))
        self._pending += len(keys)
        if self._pending >= self._flush_at:
            self.flush()

    def flush(self) -> None:
        """Turn the buffered pairs into a sorted run, merging runs of similar size."""
        if not self._pending:
            return
        keys = np.concatenate(self._pending_keys)
        values = np.concatenate(self._pending_values)
        self._pending_keys, self._pending_values, self._pending = [], [], 0
        order = np.argsort(keys, kind="stable")
        run: tuple[Keys, Values] = (keys[order], values[order])
        while self._runs and len(self._runs[-1][0]) <= 2 * len(run[0]):
            older = self._runs.pop()
            merged_keys = np.concatenate((older[0], run[0]))
            merged_values = np.concatenate((older[1], run[1]))
            # Two sorted runs: a stable sort (Timsort for integers) merges them in linear time.
            order = np.argsort(merged_keys, kind="stable")
            run = (merged_keys[order], merged_values[order])
        self._runs.append(run)

    def lookup(self, keys: Keys, limit: int | None = None) -> list[Values]:
        """For each key, the entries mapped to it (an empty array when none).

        ``limit`` caps how many entries a single key returns: a key held by
        more entries than that is too common to narrow anything down.
        """
        self.flush()
        wanted = np.asarray(keys, dtype=self._dtype)
        parts: list[list[Values]] = [[] for _ in range(len(wanted))]
        for run_keys, run_values in self._runs:
            lows = np.searchsorted(run_keys, wanted, side="left")
            highs = np.searchsorted(run_keys, wanted, side="right")
            for i in np.flatnonzero(highs > lows).tolist():
                parts[i].append(run_values[lows[i] : highs[i]])
        empty = np.zeros(0, dtype=np.uint32)
        result = []
        for found_parts in parts:
            joined = np.concatenate(found_parts) if found_parts else empty
            result.append(joined if limit is None or len(joined) <= limit else joined[:0])
        return result

    def counts(self, keys: Keys) -> npt.NDArray[np.int64]:
        """How many entries each key maps to, without gathering them."""
        self.flush()
        wanted = np.asarray(keys, dtype=self._dtype)
        total = np.zeros(len(wanted), dtype=np.int64)
        for run_keys, _ in self._runs:
            total += np.searchsorted(run_keys, wanted, side="right") - np.searchsorted(
                run_keys, wanted, side="left"
            )
        return total
