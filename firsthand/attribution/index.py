"""The attribution index: every published statement, findable by its words.

The index is fed one ``StatementRecord`` at a time, in log order, as statements
are published (``add``), and can always be rebuilt from the log and the body
store (``AttributionIndex.build``): it is a cache, never a source of truth.

What it holds, per indexed text (a signed body, or a passage a denial denies),
is an **entry**: a number pointing at its record and, for a denial, at which
denied passage. Three posting maps lead from a query to entries:

* ``exact``: the first 8 bytes of the normalised hash;
* ``quotes``: winnowed word 3-gram hashes (fingerprints.py), for quotes;
* ``bands``: MinHash band keys over word 2-grams, for near copies.

Bodies are not kept by the index unless it owns its ``BodyStore``: the default
``MemoryBodies`` keeps them in a dict, while a server passes a store that reads
its database, so at a million statements the index itself holds only the
fingerprints (see bench/attribution.py for the figures).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from firsthand.attribution.errors import UnknownAuthor
from firsthand.attribution.fingerprints import (
    MIN_QUOTE_WORDS,
    band_keys,
    containment_keys,
    containment_keys_of_each,
    fingerprints,
)
from firsthand.attribution.normalise import word_list
from firsthand.attribution.postings import PostingMap
from firsthand.attribution.records import SIGNED_KINDS, StatementRecord, denied_texts
from firsthand.log.errors import LogError
from firsthand.statements.format import KINDS, Reference
from firsthand.statements.identity import fingerprint_of_text, is_fingerprint

# A fingerprint held by more entries than this is too common to narrow a search down.
COMMON_KEY = 50_000
# The same for one passage of a longer text: a 3-gram in a thousand statements is a phrase
# ("I left the"), and a passage's own rarer 3-grams find where it comes from.
COMMON_PASSAGE_KEY = 1_000
NEAR_LENGTHS = 0.7  # the least similarity of a near copy (check.NEAR_THRESHOLD)


class BodyStore(Protocol):
    """Where statement bodies are read back from, by leaf hash (hex); None if not available.

    A store may also have ``prefetch(leaf_hashes)``, to read many bodies at once before a
    check asks for them one by one (the site's store: one query instead of dozens).
    """

    def body(self, leaf_hash: str) -> str | None: ...


class MemoryBodies:
    """Bodies kept in memory: for tests, the command line and small sites."""

    def __init__(self) -> None:
        self._bodies: dict[str, str] = {}

    def body(self, leaf_hash: str) -> str | None:
        return self._bodies.get(leaf_hash)

    def keep(self, leaf_hash: str, body: str) -> None:
        self._bodies[leaf_hash] = body


def _key64(hex_digest: str) -> int:
    return int(hex_digest[:16], 16)


def text_key(words: Sequence[str]) -> str:
    """The normalised hash of a word list (normalise.normalised_hash, without re-normalising)."""
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def author_matcher(authors: Iterable[str]) -> frozenset[str]:
    """The fingerprints of the authors a check is about: verifier keys or 64-hex fingerprints.

    An author is their public key (statements/identity.py). The 8-hex C2SP key ID is
    refused: it is 32 bits over a name the key holder chose, so anyone can make a key
    whose ID is another author's, and a check by it would count the impostor's words.
    """
    wanted = set()
    for author in authors:
        if is_fingerprint(author):
            wanted.add(author)
            continue
        try:
            wanted.add(fingerprint_of_text(author))
        except (LogError, ValueError):
            raise UnknownAuthor(
                f"{author[:40]!r} is not an author: give a verifier key "
                "(name+hhhhhhhh+base64) or its 64-hex fingerprint"
            ) from None
    return frozenset(wanted)


def author_is(author: str, wanted: frozenset[str]) -> bool:
    """Whether a record's author (a verifier key's text) is one of wanted (fingerprints)."""
    return fingerprint_of_text(author) in wanted


class AttributionIndex:
    """Statements by their words, for checking who said a text (check.py)."""

    def __init__(self, bodies: BodyStore | None = None) -> None:
        self._owned = MemoryBodies() if bodies is None else None
        self.bodies: BodyStore = self._owned if self._owned is not None else bodies  # type: ignore[assignment]
        self._leaves: list[str] = []
        self._by_leaf: dict[str, int] = {}
        self._authors: list[str] = []
        self._author_number: dict[str, int] = {}
        self._record_author = array("I")
        self._record_kind = bytearray()
        self._entry_record = array("I")
        self._entry_part = array("H")
        self._entry_words = array("I")  # how many normalised words each entry has
        self._denial_refs: dict[int, tuple[str, ...]] = {}
        self._denied_hashes: dict[str, list[int]] = {}
        self._withheld: set[str] = set()
        self._followed_by: dict[str, list[int]] = {}
        self._exact = PostingMap(np.uint64)
        self._quotes = PostingMap(np.uint32)
        self._bands = PostingMap(np.uint64)

    @classmethod
    def build(
        cls, records: Iterable[StatementRecord], bodies: BodyStore | None = None
    ) -> AttributionIndex:
        """A new index of records, in log order: how the index is rebuilt from the log."""
        index = cls(bodies)
        for record in records:
            index.add(record)
        index.flush()
        return index

    def __len__(self) -> int:
        """How many statements the index has been fed."""
        return len(self._leaves)

    @property
    def entries(self) -> int:
        return len(self._entry_record)

    def nbytes(self) -> int:
        """Bytes in the posting maps' sorted runs (the bulk of the index at scale)."""
        return self._exact.nbytes() + self._quotes.nbytes() + self._bands.nbytes()

    def flush(self) -> None:
        for postings in (self._exact, self._quotes, self._bands):
            postings.flush()

    def add(self, record: StatementRecord) -> bool:
        """Index a newly published statement; False if its leaf hash was already indexed."""
        if record.leaf_hash in self._by_leaf:
            return False
        number = len(self._leaves)
        self._leaves.append(record.leaf_hash)
        # The leaf-to-record dict costs ~100 bytes a statement; it makes re-feeding idempotent.
        self._by_leaf[record.leaf_hash] = number
        author = self._author_number.setdefault(record.author, len(self._authors))
        if author == len(self._authors):
            self._authors.append(record.author)
        self._record_author.append(author)
        self._record_kind.append(KINDS.index(record.kind))
        if self._owned is not None and record.kind != "withholding":
            self._owned.keep(record.leaf_hash, record.body)
        if record.kind == "withholding":
            # The operator withheld these bodies (a court order, doxxing): never show or match them.
            self._withheld.update(record.referred("leaf"))
            return True
        if record.kind in ("retraction", "correction"):
            for leaf in record.referred("leaf"):
                self._followed_by.setdefault(leaf, []).append(number)
        if record.kind == "denial":
            hashes = record.referred("text")
            self._denial_refs[number] = hashes
            for text_hash in hashes:
                self._denied_hashes.setdefault(text_hash, []).append(number)
            for part, text in enumerate(denied_texts(record.body, hashes)[:65535]):
                self._index_text(number, part, text)
        elif record.kind in SIGNED_KINDS:
            self._index_text(number, 0, record.body)
        return True

    def _index_text(self, record: int, part: int, text: str) -> None:
        words = word_list(text)
        if not words:
            return
        entry = len(self._entry_record)
        self._entry_record.append(record)
        self._entry_part.append(part)
        self._entry_words.append(len(words))
        quote_keys, near_keys = fingerprints(words)
        self._exact.add(np.array([_key64(text_key(words))], dtype=np.uint64), entry)
        self._quotes.add(quote_keys, entry)
        self._bands.add(near_keys, entry)

    # What an entry is.

    def record_of(self, entry: int) -> int:
        return self._entry_record[entry]

    def leaf(self, record: int) -> str:
        return self._leaves[record]

    def author(self, record: int) -> str:
        return self._authors[self._record_author[record]]

    def kind(self, record: int) -> str:
        return KINDS[self._record_kind[record]]

    def is_denial(self, record: int) -> bool:
        return self._record_kind[record] == KINDS.index("denial")

    def followed_by(self, record: int) -> list[int]:
        """Later retractions and corrections of this statement by its author, in log order."""
        leaf = self._leaves[record]
        return [r for r in self._followed_by.get(leaf, []) if self.author(r) == self.author(record)]

    def denial_refs(self, record: int) -> tuple[Reference, ...]:
        return tuple(Reference("text", h) for h in self._denial_refs.get(record, ()))

    def prefetch(self, entries: Iterable[int]) -> None:
        """Let the body store read these entries' bodies at once, if it can."""
        prefetch = getattr(self.bodies, "prefetch", None)
        if prefetch is None:
            return
        leaves = {self._leaves[self._entry_record[e]] for e in entries}
        prefetch(sorted(leaf for leaf in leaves if leaf not in self._withheld))

    def entry_text(self, entry: int) -> str | None:
        """The indexed text of an entry, or None if its body is withheld or unavailable."""
        record = self._entry_record[entry]
        leaf = self._leaves[record]
        if leaf in self._withheld:
            return None
        body = self.bodies.body(leaf)
        if body is None:
            return None
        if self.is_denial(record):
            parts = denied_texts(body, self._denial_refs[record])
            part = self._entry_part[entry]
            return parts[part] if part < len(parts) else None
        return body

    # Finding candidates. Each returns entry numbers; check.py confirms them on the words.

    def exact_entries(self, words: Sequence[str]) -> list[int]:
        key = np.array([_key64(text_key(words))], dtype=np.uint64)
        return [int(e) for e in self._exact.lookup(key)[0]]

    def exact_entries_of_each(self, texts: Sequence[Sequence[str]]) -> list[list[int]]:
        """exact_entries for each of several word lists, in one lookup."""
        if not texts:
            return []
        keys = np.array([_key64(text_key(words)) for words in texts], dtype=np.uint64)
        return [[int(e) for e in found] for found in self._exact.lookup(keys)]

    def passage_candidates(
        self, passages: Sequence[Sequence[Sequence[str]]], limit: int
    ) -> list[list[tuple[int, int]]]:
        """For each passage (the words of its pieces), entries sharing its 3-gram fingerprints.

        Each passage's list holds up to ``limit`` (entry, shared fingerprints) pairs, most
        shared first. Every fingerprint is looked up once for all passages; one held by more
        than ``COMMON_PASSAGE_KEY`` entries is left out. By winnowing's guarantee
        (fingerprints.py), an entry sharing a run of ``MIN_QUOTE_WORDS`` words with a piece
        shares at least one fingerprint with it.
        """
        flat = [piece for pieces in passages for piece in pieces]
        per_piece = iter(containment_keys_of_each(flat))
        keys_of: list[set[int]] = []
        for pieces in passages:
            keys_of.append(set().union(*(next(per_piece) for _ in pieces)))
        every = np.array(sorted(set().union(*keys_of)), dtype=np.uint32)
        if len(every) == 0:
            return [[] for _ in passages]
        counts = self._quotes.counts(every)
        usable = every[(counts > 0) & (counts <= COMMON_PASSAGE_KEY)]
        postings = dict(zip(usable.tolist(), self._quotes.lookup(usable), strict=True))
        result: list[list[tuple[int, int]]] = []
        for keys in keys_of:
            held = [postings[k] for k in keys if k in postings]
            if not held:
                result.append([])
                continue
            entries, hits = np.unique(np.concatenate(held), return_counts=True)
            # One shared 3-gram of a long passage is a phrase; of a short one, all it has.
            least = 2 if len(keys) >= 4 else 1
            best = [i for i in np.argsort(-hits, kind="stable")[:limit] if hits[i] >= least]
            result.append([(int(entries[i]), int(hits[i])) for i in best])
        return result

    def denials_of_hash(self, *text_hashes: str) -> list[int]:
        """Denial records whose head names one of these normalised hashes (not withheld)."""
        found = dict.fromkeys(r for h in text_hashes for r in self._denied_hashes.get(h, []))
        return [r for r in found if self._leaves[r] not in self._withheld]

    def quote_candidates(self, words: Sequence[str], limit: int) -> list[int]:
        """Entries that hold every fingerprint the quote's own windows keep (fingerprints.py)."""
        if len(words) < MIN_QUOTE_WORDS:
            return []
        keys = containment_keys(words)
        order = np.argsort(self._quotes.counts(keys), kind="stable")
        keys = keys[order]
        candidates: npt.NDArray[np.uint32] | None = None
        # Rarest first, so the candidate set starts small; stop early when it is already small.
        for i, key in enumerate(keys):
            postings = self._quotes.lookup(key[None])[0]
            candidates = postings if candidates is None else np.intersect1d(candidates, postings)
            if len(candidates) == 0 or (i >= 3 and len(candidates) <= limit):
                break
        if candidates is None:
            return []
        found = np.unique(candidates)
        long_enough = np.frombuffer(self._entry_words, dtype=np.uint32)[found] >= len(words)
        return [int(e) for e in found[long_enough][:limit]]

    def words_in(self, entry: int) -> int:
        """How many normalised words an entry has (known without reading its text)."""
        return self._entry_words[entry]

    def near_candidates(self, words: Sequence[str], limit: int) -> list[int]:
        """Entries sharing the most MinHash bands and 3-gram fingerprints with the text.

        Only entries whose length allows a near copy: Indel similarity is at most
        2 min(a, b) / (a + b), so one text can be a near copy of another (similarity at
        least ``NEAR_LENGTHS``) only if the shorter has 0.7 / 1.3 of the longer's words.
        """
        found = [*self._bands.lookup(band_keys(words), limit=COMMON_KEY)]
        # A 3-gram a thousand texts hold ("I left the") tells no near copy apart; a long
        # text has many rarer ones, and gathering the common ones cost most of its check.
        found += self._quotes.lookup(containment_keys(words), limit=COMMON_PASSAGE_KEY)
        if not found:
            return []
        entries, hits = np.unique(np.concatenate(found), return_counts=True)
        lengths = np.frombuffer(self._entry_words, dtype=np.uint32)[entries]
        n = len(words)
        fits = (lengths * (2 - NEAR_LENGTHS) >= NEAR_LENGTHS * n) & (
            n * (2 - NEAR_LENGTHS) >= NEAR_LENGTHS * lengths
        )
        entries, hits = entries[fits], hits[fits]
        best = np.argsort(-hits, kind="stable")[:limit]
        return [int(e) for e in entries[best]]
