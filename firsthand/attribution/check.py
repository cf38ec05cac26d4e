"""Who said it? Check a text against what authors signed and what they denied.

A check normalises the text (normalise.py), finds candidates in the index
(index.py) and confirms each on the words themselves, so a verdict never rests
on a hash collision or a sketch. It looks at the text twice:

* **As a whole.** Each confirmed candidate is a ``Finding`` (findings.py):
  ``signed`` (exactly a signed statement), ``denied`` (a denial's head names
  the text's normalised hash, or one of the passages the denial quotes,
  records.py, is the text, a near copy of it, or holds it as a quote),
  ``contained`` (the text, ``MIN_QUOTE_WORDS`` words or more, appears word for
  word inside a signed statement) or ``altered`` (a near copy: the Indel
  similarity of the word sequences, 2 x matching words / total words, is at
  least ``NEAR_THRESHOLD``, and they differ).
* **Passage by passage** (passages.py): each sentence, each sentence of a
  quote, and each frame around a quote, with the same verdicts and ``unknown``.

The headline verdict follows from both (headline.py): ``signed`` only for an
exact copy of a whole statement; then ``denied``, ``contained``, ``mixed``
(some passages are the author's, others appear nowhere), ``altered`` and
``unknown``. Findings are ranked by strength (findings.py): exact signed
words, then a denial of exactly these words, then a quote from a signed
statement, then a part of a denied text, then a resemblance.

When the check names authors, only their statements and denials decide the
verdict; what other keys signed is reported in ``other_findings``, and beside
each passage in ``Passage.also``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from firsthand.attribution.alignment import Source
from firsthand.attribution.diff import word_diff
from firsthand.attribution.errors import NothingToCheck, TextTooLong
from firsthand.attribution.findings import (
    NEAR_THRESHOLD,
    Finding,
    Passage,
    Quote,
    StatementRef,
    Verdict,
    ranked,
)
from firsthand.attribution.fingerprints import MIN_QUOTE_WORDS
from firsthand.attribution.headline import UNKNOWN_MESSAGE, message, verdict_of
from firsthand.attribution.index import AttributionIndex, author_is, author_matcher, text_key
from firsthand.attribution.normalise import differs_from_v1, legacy_hash, word_list
from firsthand.attribution.passages import PassageChecker
from firsthand.attribution.scripts import MixedWord, mixed_script_words

PRECEDENCE: tuple[Verdict, ...] = ("signed", "denied", "contained", "mixed", "altered")
MAX_CHECK_CHARS = 1_000_000  # a statement body's limit (statements/format.py)
MAX_MATCHES = 5
CANDIDATES = 64
CONTEXT_WORDS = 12

__all__ = [
    "CANDIDATES",
    "MAX_CHECK_CHARS",
    "NEAR_THRESHOLD",
    "PRECEDENCE",
    "UNKNOWN_MESSAGE",
    "CheckResult",
    "Finding",
    "Quote",
    "StatementRef",
    "Verdict",
    "check",
]


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    message: str
    normalised_hash: str
    findings: tuple[Finding, ...]  # the ones the verdict rests on, best first
    other_findings: tuple[Finding, ...] = ()
    passages: tuple[Passage, ...] = ()  # the text sentence by sentence (empty if not asked)
    mixed_scripts: tuple[MixedWord, ...] = ()  # words whose letters come from several alphabets


class _Checker:
    def __init__(self, index: AttributionIndex, text: str, words: list[str]) -> None:
        self.index = index
        self.text = text
        self.words = words
        self.findings: dict[tuple[int, Verdict], Finding] = {}
        self.entries: dict[tuple[int, Verdict], int] = {}  # which entry each finding rests on
        self._sources: dict[int, Source | None] = {}

    def source(self, entry: int) -> Source | None:
        """An entry's text and words, read once per check (None if withheld or missing)."""
        if entry not in self._sources:
            text = self.index.entry_text(entry)
            record = self.index.record_of(entry)
            self._sources[entry] = None if text is None else Source(entry, record, text)
        return self._sources[entry]

    def ref(self, record: int) -> StatementRef:
        index = self.index
        return StatementRef(
            index.leaf(record),
            index.author(record),
            index.kind(record),
            tuple(index.leaf(r) for r in index.followed_by(record)),
        )

    def keep(self, record: int, finding: Finding, entry: int | None = None) -> None:
        key = (record, finding.verdict)
        old = self.findings.get(key)
        if old is None or finding.similarity > old.similarity:
            self.findings[key] = finding
            if entry is not None:
                self.entries[key] = entry

    def confirm(self, entry: int, quote_only: bool = False) -> None:
        source = self.source(entry)
        if source is None:
            return
        text, words = source.text, source.words
        record = self.index.record_of(entry)
        denial = self.index.is_denial(record)
        ref = self.ref(record)
        refs = self.index.denial_refs(record) if denial else ()
        passage = text if denial else None
        if words == self.words:
            verdict: Verdict = "denied" if denial else "signed"
            finding = Finding(verdict, ref, "exact", 1.0, None, (), None, passage, refs)
            self.keep(record, finding, entry)
            return
        can_quote = MIN_QUOTE_WORDS <= len(self.words) <= len(words)
        at = source.find(self.words) if can_quote else -1
        if at >= 0:
            similarity = Indel.normalized_similarity(self.words, words)
            verdict = "denied" if denial else "contained"
            quote = source.quote(at, at + len(self.words))
            finding = Finding(verdict, ref, "quote", similarity, None, (), quote, passage, refs)
            self.keep(record, finding, entry)
            return
        if quote_only:
            return
        similarity = Indel.normalized_similarity(self.words, words)
        if similarity >= NEAR_THRESHOLD:
            verdict = "denied" if denial else "altered"
            diff = word_diff(text, self.text)
            finding = Finding(
                verdict, ref, "near copy", similarity, NEAR_THRESHOLD, diff, None, passage, refs
            )
            self.keep(record, finding, entry)


def check(
    index: AttributionIndex, text: str, authors: Iterable[str] = (), passages: bool = True
) -> CheckResult:
    """Who said ``text``? Optionally about ``authors`` (verifier keys or 64-hex fingerprints).

    ``passages=False`` checks the text as a whole only, as checks did before
    sentence-level attribution: faster, and with no ``mixed`` verdict.
    """
    wanted = author_matcher(authors)
    if len(text) > MAX_CHECK_CHARS:
        raise TextTooLong(
            f"the text is {len(text):,} characters; a check takes at most {MAX_CHECK_CHARS:,}"
        )
    words = word_list(text)
    if not words:
        raise NothingToCheck("the text has no words to check (only spaces, punctuation or symbols)")
    checker = _Checker(index, text, words)
    text_hash = text_key(words)
    for entry in index.exact_entries(words):
        checker.confirm(entry)
    hashes = [text_hash, legacy_hash(text)] if differs_from_v1(text) else [text_hash]
    for record in index.denials_of_hash(*hashes):
        refs = index.denial_refs(record)
        checker.keep(
            record,
            Finding("denied", checker.ref(record), "text hash", 1.0, None, (), None, None, refs),
        )
    for entry in index.quote_candidates(words, CANDIDATES):
        checker.confirm(entry, quote_only=True)
    for entry in index.near_candidates(words, CANDIDATES):
        checker.confirm(entry)

    def decides(author: str) -> bool:
        return not wanted or author_is(author, wanted)

    every = ranked(list(checker.findings.values()))
    deciding = [f for f in every if decides(f.statement.author)]
    found: list[Passage] = []
    if passages:
        whole_entries = [
            entry for (record, _), entry in checker.entries.items() if decides(index.author(record))
        ]
        reader = PassageChecker(
            index, text, wanted, checker.source, checker.ref, lambda a: author_is(a, wanted)
        )
        found = reader.passages(whole_entries)
        verdict, chosen = verdict_of(deciding, found)
    else:
        verdict = deciding[0].verdict if deciding else "unknown"
        chosen = [f for f in deciding if f.verdict == verdict]
    chosen = chosen[:MAX_MATCHES]
    others = [f for f in every if f not in chosen][:MAX_MATCHES]
    mixed = mixed_script_words(text)
    return CheckResult(
        verdict,
        message(verdict, chosen, found, deciding, mixed),
        text_hash,
        tuple(chosen),
        tuple(others),
        tuple(found),
        mixed,
    )
