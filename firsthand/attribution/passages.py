"""Who said each passage? The check of a pasted text, sentence by sentence.

sentences.py cuts the text into passages (sentences, sentences of a quote,
the frame around a quote) and each passage's pieces (the runs of words
between ellipses). For each passage this module finds candidates in the index
(the entries sharing its winnowed 3-grams, plus whatever matched the whole
text) and confirms each on the words, as check.py does for a whole text:

an exact copy (``signed``, or ``denied`` for a denied text), a quote, maybe
with gaps (``contained``, or ``denied`` in part), or a near copy (``altered``,
with the word diff, or ``denied``): alignment.py says how.

A passage that none of these explains but that holds a long run of one
author's words is split (``I left the Circle of Dawn in March 2019, and today
I regret it``): the run is ``contained`` and the rest ``unknown``. The run must
be ``MIN_RUN_WORDS`` words or more, at least ``MIN_RUN_SHARE`` of the passage,
and found in the statements of one author only: the phrases many people share
("declare that I left the Harmony Fellowship in April 2021", "at the winter
gathering at Birch Lane") are formulas, not quotes.

The findings of a passage are ranked as findings.py says; only the authors a
check is about decide, and the others' findings are kept in ``also``. Then
its neighbours have their say (neighbours.py): a short passage may continue
their statement, a changed one stand in place of its words, and a cut show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from rapidfuzz.distance import Indel

from firsthand.attribution import neighbours
from firsthand.attribution.alignment import Match, Source, match, region
from firsthand.attribution.diff import DiffSegment, word_diff
from firsthand.attribution.findings import NEAR_THRESHOLD, Finding, Passage, StatementRef, ranked
from firsthand.attribution.fingerprints import MIN_QUOTE_WORDS
from firsthand.attribution.index import AttributionIndex, text_key
from firsthand.attribution.normalise import Word, differs_from_v1, legacy_hash, word_list
from firsthand.attribution.normalise import words as spanned_words
from firsthand.attribution.sentences import Segment, segments

PASSAGE_CANDIDATES = 6  # entries confirmed per passage, most shared fingerprints first
MIN_RUN_WORDS = 8
MIN_RUN_SHARE = 0.4
MAX_SOURCES = 96  # distinct indexed texts one check reads back
MAX_FINDINGS = 5
_CLAUSE_MARKS = frozenset(",;:!?.…—–()[]«»“”\"'،؛؟")


@dataclass
class _Shaped:
    """A segment with its words, per piece; their spans in the checked text when asked."""

    segment: Segment
    piece_words: list[list[str]]
    text: str
    spans: list[list[Word]] | None = None  # normalise.words of each piece, once needed
    piece_spans: list[tuple[int, int]] | None = (
        None  # each piece's characters, if not the segment's
    )

    @property
    def words(self) -> list[str]:
        return [w for piece in self.piece_words for w in piece]

    def flat(self) -> list[Word]:
        """The words with their spans (normalise.words, chunk by chunk: only when needed)."""
        if self.spans is None:
            found = []
            for piece in self.segment.pieces:
                words = spanned_words(self.text[piece.start : piece.end])
                if words:
                    found.append(
                        [Word(w.text, w.start + piece.start, w.end + piece.start) for w in words]
                    )
            self.spans = found
        return [w for piece in self.spans for w in piece]

    def characters(self) -> list[tuple[int, int]]:
        if self.piece_spans is not None:
            return self.piece_spans
        return [(p.start, p.end) for p in self.segment.pieces]


class PassageChecker:
    """Checks each passage of one text; check.py makes one per check."""

    def __init__(
        self,
        index: AttributionIndex,
        text: str,
        wanted: frozenset[str],
        source: Callable[[int], Source | None],
        ref: Callable[[int], StatementRef],
        author_is: Callable[[str], bool],
    ) -> None:
        self.index = index
        self.text = text
        self.wanted = wanted
        self.source = source
        self.ref = ref
        self.author_is = author_is

    def finding(self, shaped: _Shaped, source: Source, found: Match) -> Finding:
        index = self.index
        denial = index.is_denial(source.record)
        refs = index.denial_refs(source.record) if denial else ()
        if found.how == "exact":
            verdict = "denied" if denial else "signed"
        elif found.how == "quote":
            verdict = "denied" if denial else "contained"
        else:
            verdict = "denied" if denial else "altered"
        diff: tuple[DiffSegment, ...] = ()
        quote = None
        if found.how == "near copy":
            checked = " … ".join(self.text[a:b] for a, b in shaped.characters())
            signed = source.region_text(found.first, found.last)
            if shaped.segment.gaps:
                signed = self._signed_pieces(shaped, source, found)
            diff = word_diff(signed, checked)
        elif found.how == "quote":
            quote = source.quote(found.first, found.last)
        return Finding(
            verdict,  # type: ignore[arg-type]
            self.ref(source.record),
            found.how,  # type: ignore[arg-type]
            found.similarity,
            NEAR_THRESHOLD if found.how == "near copy" else None,
            diff,
            quote,
            source.text if denial else None,
            refs,
            found.part,
            shaped.segment.gaps,
        )

    def _signed_pieces(self, shaped: _Shaped, source: Source, found: Match) -> str:
        """The signed words each piece of a passage with gaps aligns with, joined by ellipses."""
        parts = []
        at = found.first
        for piece in shaped.piece_words:
            aligned = region(piece, source.words[: found.last], at)
            if aligned is None:
                continue
            parts.append(source.region_text(aligned[0], aligned[1]))
            at = aligned[1]
        return " … ".join(parts)

    def passages(self, whole_entries: Sequence[int]) -> list[Passage]:
        shaped = [self._shape(s) for s in segments(self.text)]
        shaped = [s for s in shaped if s.words]
        if not shaped:
            return []
        candidates = self.index.passage_candidates(
            [s.piece_words for s in shaped], PASSAGE_CANDIDATES
        )
        exact = self.index.exact_entries_of_each([s.words for s in shaped])
        self.index.prefetch(
            _Budget(MAX_SOURCES).take(
                [*whole_entries, *(e for found in exact for e in found)]
                + [e for found in candidates for e, _ in found]
            )
        )
        budget = _Budget(MAX_SOURCES)
        found: list[Passage] = []
        for one, ranked_entries, exact_entries in zip(shaped, candidates, exact, strict=True):
            entries = [*exact_entries, *whole_entries, *(e for e, _ in ranked_entries)]
            found += self._check(one, budget.take(entries))
        return neighbours.settle(found, self.source)

    def _shape(self, segment: Segment) -> _Shaped:
        pieces = [word_list(self.text[piece.start : piece.end]) for piece in segment.pieces]
        return _Shaped(segment, [p for p in pieces if p], self.text)

    def _check(self, shaped: _Shaped, entries: list[int]) -> list[Passage]:
        words = shaped.words
        findings: list[Finding] = []
        where: dict[int, tuple[int, int, int]] = {}
        sources = []
        for entry in dict.fromkeys(entries):
            source = self.source(entry)
            if source is None:
                continue
            sources.append(source)
            found = match(shaped.piece_words, source)
            if found is not None:
                finding = self.finding(shaped, source, found)
                findings.append(finding)
                where[id(finding)] = (entry, found.first, found.last)
        segment = shaped.segment
        raw = " ".join(self.text[p.start : p.end] for p in segment.pieces)
        hashes = [text_key(words)]
        if differs_from_v1(raw):
            hashes.append(legacy_hash(raw))
        for record in self.index.denials_of_hash(*hashes):
            findings.append(
                Finding(
                    "denied",
                    self.ref(record),
                    "text hash",
                    1.0,
                    denial_refs=self.index.denial_refs(record),
                )
            )
        deciding, others = self._split(findings)
        if not deciding and len(words) >= MIN_QUOTE_WORDS:
            split = self._runs(shaped, [s for s in sources if self._wanted(s.record)])
            if split:
                return split
        return [self._passage(shaped, 0, len(words), deciding, others, where)]

    def _clause(self, flat: list[Word], first: int, last: int) -> bool:
        """Whether words first..last of a passage are a clause of it: punctuation, or the
        passage's start or end, on both sides ("I left in 2019, and today…"), not a phrase
        inside a longer one ("at the winter gathering at Birch Lane in 2017")."""
        text = self.text

        def cut_after(i: int) -> bool:
            return i == len(flat) - 1 or text[flat[i].end - 1] in _CLAUSE_MARKS

        def cut_before(i: int) -> bool:
            return i == 0 or text[flat[i].start] in _CLAUSE_MARKS or cut_after(i - 1)

        return cut_before(first) and cut_after(last - 1)

    def _one_author(self, run: list[str]) -> bool:
        """Whether only one author's statements hold this run of words (not a formula)."""
        authors = set()
        for entry in self.index.quote_candidates(run, 64):
            source = self.source(entry)
            if source is not None and source.find(run) >= 0:
                authors.add(self.index.author(source.record))
        return len(authors) <= 1

    def _wanted(self, record: int) -> bool:
        return not self.wanted or self.author_is(self.index.author(record))

    def _split(self, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        best = ranked(findings)
        deciding = [f for f in best if not self.wanted or self.author_is(f.statement.author)]
        others = [f for f in best if f not in deciding]
        return deciding, others

    def _passage(
        self,
        shaped: _Shaped,
        first: int,
        last: int,
        deciding: list[Finding],
        others: list[Finding],
        where: dict[int, tuple[int, int, int]],
    ) -> Passage:
        segment = shaped.segment
        count = len(shaped.words)
        whole = first == 0 and last == count
        start, end = segment.start, segment.end
        if not whole:
            flat = shaped.flat()
            if first > 0:
                start = flat[first].start
            if last < count:
                end = flat[last - 1].end
        best = deciding[0] if deciding else None
        also = tuple([*deciding[1:], *others][:MAX_FINDINGS])
        return Passage(
            start,
            end,
            self.text[start:end],
            best.verdict if best else "unknown",
            best,
            also,
            segment.quoted,
            segment.frame,
            segment.gaps if whole else 0,
            0,
            last - first,
            not whole,
            where.get(id(best)) if best else None,
            segment.open_gap and first == 0,
            segment.close_gap and last == count,
        )

    def _runs(self, shaped: _Shaped, sources: list[Source]) -> list[Passage]:
        """Split a passage into the runs of words an indexed text holds and the rest."""
        words = shaped.words
        runs: list[tuple[int, int, Source, int, int]] = []
        least = max(MIN_RUN_WORDS, int(MIN_RUN_SHARE * len(words) + 0.999))
        if not sources or len(words) < least:
            return []
        flat = shaped.flat()
        for source in sources:
            # Longest blocks first (difflib), not a longest common subsequence, which may
            # take a run's first word from elsewhere and cut the run short.
            matcher = SequenceMatcher(None, words, source.words, autojunk=False)
            runs += [
                (b.a, b.a + b.size, source, b.b, b.b + b.size)
                for b in matcher.get_matching_blocks()
                if b.size >= least
                and self._clause(flat, b.a, b.a + b.size)
                and self._one_author(words[b.a : b.a + b.size])
            ]
        if not runs:
            return []
        chosen: list[tuple[int, int, Source, int, int]] = []
        for run in sorted(runs, key=lambda r: (r[0] - r[1], r[0])):
            if all(run[1] <= c[0] or run[0] >= c[1] for c in chosen):
                chosen.append(run)
        chosen.sort(key=lambda r: r[0])
        result = []
        at = 0
        for a, b, source, e_first, e_last in chosen:
            if a > at:
                result.append(self._passage(shaped, at, a, [], [], {}))
            sub = _Shaped(
                shaped.segment,
                [words[a:b]],
                self.text,
                [flat[a:b]],
                [(flat[a].start, flat[b - 1].end)],
            )
            found = Match(
                "quote",
                Indel.normalized_similarity(words[a:b], source.words),
                e_first,
                e_last,
                True,
            )
            finding = self.finding(sub, source, found)
            where = {id(finding): (source.entry, e_first, e_last)}
            result.append(self._passage(shaped, a, b, [finding], [], where))
            at = b
        if at < len(words):
            result.append(self._passage(shaped, at, len(words), [], [], {}))
        return _no_overlap(result)


class _Budget:
    """How many distinct indexed texts a check may still read back."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[int] = set()

    def take(self, entries: list[int]) -> list[int]:
        allowed = []
        for entry in entries:
            if entry in self.seen:
                allowed.append(entry)
            elif len(self.seen) < self.limit:
                self.seen.add(entry)
                allowed.append(entry)
        return allowed


def _no_overlap(passages: list[Passage]) -> list[Passage]:
    """Words sharing a chunk ("2019,and") may give neighbours overlapping spans: cut them."""
    fixed: list[Passage] = []
    for passage in passages:
        if fixed and passage.start < fixed[-1].end:
            start = fixed[-1].end
            passage = replace(passage, start=start, text=passage.text[start - passage.start :])
        fixed.append(passage)
    return fixed
