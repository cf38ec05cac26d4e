"""Fingerprints of normalised words: shingles, winnowing and MinHash band keys.

Two kinds of fingerprint feed the index (firsthand/attribution/index.py):

* **Winnowed word 3-grams** (Schleimer, Wilkerson and Aiken, "Winnowing: local
  algorithms for document fingerprinting", SIGMOD 2003). Hash every run of
  ``SHINGLE`` consecutive words; in every window of ``WINDOW`` consecutive
  hashes keep the smallest (the rightmost on a tie). The kept hash of a window
  depends on the window's words alone, so a quote of at least
  ``MIN_QUOTE_WORDS = SHINGLE + WINDOW - 1`` words has at least one full window,
  and every statement holding the quote has kept every hash the quote's own
  full windows keep. That turns "which statements contain this quote?" into
  "which statements hold all of these few hashes?", answered from an inverted
  index that holds only about 2 / (WINDOW + 1) of all 3-grams.

* **MinHash band keys** over word 2-grams, for near copies (Broder 1997; the
  banding of Leskovec, Rajaraman and Ullman, *Mining of Massive Datasets* ch. 3).
  ``datasketch`` computes the MinHash; the bands are folded into 64-bit keys so
  the index can keep them in flat arrays rather than one Python set per band.

All hashes are stable across processes and machines (BLAKE2b of each word, then
fixed 64-bit arithmetic), so an index could be stored and reopened.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from datasketch import MinHash  # type: ignore[import-untyped]

SHINGLE = 3
WINDOW = 3
MIN_QUOTE_WORDS = SHINGLE + WINDOW - 1
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
MINHASH_SEED = 1

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]

# Odd 64-bit multipliers (from splitmix64 and the golden ratio), fixed for stability.
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_POSITION = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)
_BAND_OFFSETS = np.arange(1, BANDS + 1, dtype=np.uint64) * _M2


def _mix(values: U64) -> U64:
    """One xorshift-multiply round: enough, since every input is already a BLAKE2b-derived hash."""
    with np.errstate(over="ignore"):
        return (values ^ (values >> np.uint64(29))) * _M1


def word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


# Words repeat (Zipf), so a bounded cache saves most BLAKE2b calls when indexing.
_WORD_CACHE: dict[str, int] = {}
_WORD_CACHE_LIMIT = 1 << 20


def word_hashes(words: Sequence[str]) -> U64:
    cache = _WORD_CACHE
    found = []
    for word in words:
        value = cache.get(word)
        if value is None:
            value = word_hash(word)
            if len(cache) >= _WORD_CACHE_LIMIT:
                cache.clear()
            cache[word] = value
        found.append(value)
    return np.array(found, dtype=np.uint64)


def shingle_hashes(hashes: U64, size: int) -> U32:
    """32-bit hashes of every run of ``size`` words; a shorter text is one shingle of all words."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.uint32)
    if len(hashes) < size:
        size = len(hashes)
    count = len(hashes) - size + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            combined = combined + hashes[offset : offset + count] * _POSITION[offset]
    return (_mix(combined) >> np.uint64(32)).astype(np.uint32)


def winnow(shingles: U32, window: int = WINDOW) -> U32:
    """The distinct hashes winnowing keeps: the minimum of every window of ``window`` shingles.

    Only the kept values matter here, not their positions, so ties need no rule.
    A text with fewer shingles than a window keeps its one minimum.
    """
    if len(shingles) <= window:
        return shingles[np.argmin(shingles)][None] if len(shingles) else shingles
    count = len(shingles) - window + 1
    minima = shingles[:count]
    for offset in range(1, window):
        minima = np.minimum(minima, shingles[offset : offset + count])
    return np.unique(minima)


def containment_keys(words: Sequence[str]) -> U32:
    """The winnowed 3-gram hashes of a text: what the inverted index stores and a quote asks."""
    return winnow(shingle_hashes(word_hashes(words), SHINGLE))


def containment_keys_of_each(pieces: Sequence[Sequence[str]]) -> list[set[int]]:
    """The containment keys of many word lists (``SHINGLE`` words or more), hashed in one pass.

    A shingle depends only on its own words, so the shingles of the joined lists that lie
    inside one list are that list's; winnowing a few dozen of them is quicker in Python.
    """
    words = [w for piece in pieces for w in piece]
    if len(words) < SHINGLE:
        return [set() for _ in pieces]
    shingles = shingle_hashes(word_hashes(words), SHINGLE).tolist()
    found = []
    at = 0
    for piece in pieces:
        own = shingles[at : at + len(piece) - SHINGLE + 1] if len(piece) >= SHINGLE else []
        at += len(piece)
        if len(own) <= WINDOW:
            found.append({min(own)} if own else set())
        else:
            found.append({min(own[i : i + WINDOW]) for i in range(len(own) - WINDOW + 1)})
    return found


@functools.cache
def _permutations() -> npt.NDArray[np.uint32]:
    permutations: npt.NDArray[np.uint32] = MinHash(
        num_perm=NUM_PERM, seed=MINHASH_SEED, scheme="affine32"
    ).permutations
    return permutations


def _identity(value: int) -> int:
    return value


def fingerprints(words: Sequence[str]) -> tuple[U32, U64]:
    """A text's containment keys and its MinHash band keys, from one pass of word hashing."""
    hashes = word_hashes(words)
    return winnow(shingle_hashes(hashes, SHINGLE)), _band_keys(shingle_hashes(hashes, 2))


def band_keys(words: Sequence[str]) -> U64:
    """The BANDS keys of the MinHash of a text's word 2-grams, band number folded in."""
    return _band_keys(shingle_hashes(word_hashes(words), 2))


def _band_keys(bigrams: U32) -> U64:
    sketch = MinHash(
        num_perm=NUM_PERM,
        seed=MINHASH_SEED,
        hashfunc=_identity,
        permutations=_permutations(),
        scheme="affine32",
    )
    sketch.update_batch(bigrams.tolist())
    rows = np.asarray(sketch.hashvalues, dtype=np.uint64).reshape(BANDS, ROWS)
    # Integer matrix products wrap modulo 2**64, which is the arithmetic wanted here.
    return _mix(rows @ _POSITION[:ROWS] + _BAND_OFFSETS)
