"""Where a passage's words sit in an indexed text: word for word, with gaps, or nearly.

An indexed text (a signed body, or a passage a denial denies) is read back
once per check as a ``Source``: its normalised words, where each word occurs,
and their spans for showing context. ``match`` says how a passage, given as
its pieces (the runs of words between ellipses, sentences.py), appears in it:

* ``exact``: the passage is all of it;
* ``quote``: the pieces appear word for word and in order, each gap at most
  ``MAX_GAP_WORDS`` words. The words an ellipsis stands for may be anything, so
  a gap is never an alteration;
* ``near copy``: the passage (``MIN_NEAR_WORDS`` words or more) resembles a
  part of it, piece by piece: Indel similarity (2 x matching words / total
  words) of at least ``PASSAGE_NEAR_THRESHOLD`` with the best-aligned region,
  or at least ``NEAR_THRESHOLD`` with all of it. A sentence is short and
  formulas repeat ("I, …, declare that I left … in …"), so a passage must come
  closer to a part than a whole text to a whole; and the author's words with
  two or more others added at one end are a run and the rest (passages.py),
  not an alteration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from firsthand.attribution.findings import NEAR_THRESHOLD, Quote
from firsthand.attribution.fingerprints import MIN_QUOTE_WORDS
from firsthand.attribution.normalise import Word, word_list
from firsthand.attribution.normalise import words as spanned_words

PASSAGE_NEAR_THRESHOLD = 0.85
MIN_NEAR_WORDS = 8
CONTEXT_WORDS = 12
MAX_GAP_WORDS = 400  # an ellipsis stands for at most this many words


class Source:
    """An indexed text (a signed body, or a passage a denial denies), read back to confirm."""

    def __init__(self, entry: int, record: int, text: str) -> None:
        self.entry = entry
        self.record = record
        self.text = text
        self.words = word_list(text)
        self._positions: dict[str, list[int]] | None = None
        self._spans: list[Word] | None = None

    def occurrences(self, run: Sequence[str], start: int = 0) -> list[int]:
        """Every index at or after start where the word run begins."""
        if not run:
            return []
        if self._positions is None:
            positions: dict[str, list[int]] = {}
            for i, word in enumerate(self.words):
                positions.setdefault(word, []).append(i)
            self._positions = positions
        table = self._positions
        # Anchor on the run's rarest word here: "the" is everywhere, "treasurer" is not.
        anchor = min(range(len(run)), key=lambda k: len(table.get(run[k], ())))
        wanted = list(run)
        n = len(wanted)
        words = self.words
        return [
            i
            for i in (p - anchor for p in table.get(run[anchor], ()))
            if i >= start and words[i : i + n] == wanted
        ]

    def find(self, run: Sequence[str], start: int = 0) -> int:
        found = self.occurrences(run, start)
        return found[0] if found else -1

    def spans(self) -> list[Word]:
        if self._spans is None:
            self._spans = spanned_words(self.text)
        return self._spans

    def region_text(self, first: int, last: int) -> str:
        spans = self.spans()
        return self.text[spans[first].start : spans[last - 1].end] if last > first else ""

    def quote(self, first: int, last: int) -> Quote:
        """The words first..last of this text, with some words of context either side."""
        spans = self.spans()
        start, end = spans[first].start, spans[last - 1].end
        before = spans[max(0, first - CONTEXT_WORDS)].start
        after = spans[min(len(spans) - 1, last - 1 + CONTEXT_WORDS)].end
        return Quote(
            start, end, self.text[before:start], self.text[start:end], self.text[end:after]
        )


@dataclass(frozen=True)
class Match:
    """How a passage's words sit in one indexed text: ``source.words[first:last]``."""

    how: str  # "exact", "quote" or "near copy"
    similarity: float
    first: int
    last: int
    part: bool


def region(piece: Sequence[str], words: Sequence[str], start: int) -> tuple[int, int, int] | None:
    """The region of words[start:] that piece best aligns with: (first, last, matched words).

    RapidFuzz finds the window of the piece's length that matches best; within it (and
    a little around) difflib's blocks say which words match, and of the regions from
    the start of one block to the end of another, the most similar to the piece wins,
    with the piece's unmatched words at either end taken as replacing the region's.
    """
    sub = words[start:]
    if not sub or not piece:
        return None
    if len(sub) <= len(piece):
        lo, hi = 0, len(sub)
    else:
        alignment = fuzz.partial_ratio_alignment(piece, sub)
        if alignment is None or alignment.score == 0:
            return None
        slack = max(2, len(piece) // 4)
        lo, hi = max(0, alignment.dest_start - slack), min(len(sub), alignment.dest_end + slack)
    matcher = SequenceMatcher(None, piece, sub[lo:hi], autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return None
    best: tuple[float, int, int, int] | None = None
    for i, first_block in enumerate(blocks):
        matched = 0
        for last_block in blocks[i:]:
            matched += last_block.size
            a, b = lo + first_block.b, lo + last_block.b + last_block.size
            lead = first_block.a
            trail = len(piece) - last_block.a - last_block.size
            for x, y in ((a, b), (max(lo, a - lead), min(hi, b + trail))):
                score = 2 * matched / (len(piece) + y - x)
                if best is None or score > best[0]:
                    best = (score, x, y, matched)
    assert best is not None
    return start + best[1], start + best[2], best[3]


def match(pieces: Sequence[Sequence[str]], source: Source) -> Match | None:
    """How the passage whose pieces are given appears in source, if it does."""
    words = [w for piece in pieces for w in piece]
    if words == source.words:
        return Match("exact", 1.0, 0, len(words), False)
    if len(words) < MIN_QUOTE_WORDS:
        return None
    pieces = [p for p in pieces if p]
    for first in source.occurrences(pieces[0])[:20]:
        at = first + len(pieces[0])
        for piece in pieces[1:]:
            found = source.find(piece, at)
            if found < 0 or found - at > MAX_GAP_WORDS:
                break
            at = found + len(piece)
        else:
            similarity = Indel.normalized_similarity(words, source.words)
            return Match("quote", similarity, first, at, True)
    regions: list[tuple[int, int, int]] = []
    at = 0
    for piece in pieces:
        aligned = region(piece, source.words, at)
        if aligned is None:
            return None
        regions.append(aligned)
        at = aligned[1]
    matched = sum(m for _, _, m in regions)
    total = len(words) + sum(b - a for a, b, _ in regions)
    similarity = 2 * matched / total
    first, last = regions[0][0], regions[-1][1]
    whole = len(regions) == 1 and first == 0 and last == len(source.words)
    wanted = NEAR_THRESHOLD if whole else PASSAGE_NEAR_THRESHOLD
    if similarity < wanted or len(words) < MIN_NEAR_WORDS:
        return None
    if not whole and len(regions) == 1 and appended(words, source.words[first:last]):
        return None  # the author's words with others added: a run and the rest (_runs)
    return Match("near copy", similarity, first, last, not whole)


def appended(words: Sequence[str], region: Sequence[str]) -> bool:
    """Whether words are region word for word with two or more words added at one end."""
    ops = [op for op in Indel.opcodes(words, region) if op.tag != "equal"]
    if len(ops) != 1 or ops[0].tag != "delete":  # Indel deletes from words what region lacks
        return False
    op = ops[0]
    at_an_end = op.src_start == 0 or op.src_end == len(words)
    return at_an_end and op.src_end - op.src_start >= 2
