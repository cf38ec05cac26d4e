"""Who said it? Check a text against what authors signed and what they denied.

A check normalises the text (normalise.py), finds candidates in the index
(index.py) and confirms each on the words themselves, so a verdict never rests
on a hash collision or a sketch. Each confirmed candidate is a ``Finding``:

* ``signed``: the text is, after normalisation, exactly a signed statement;
* ``denied``: a denial's head names the text's normalised hash, or one of the
  passages the denial quotes (records.py) is the text, a near copy of it
  (similarity at least ``NEAR_THRESHOLD``), or holds it as a quote;
* ``contained``: the text (``MIN_QUOTE_WORDS`` words or more) appears, word
  for word, inside a signed statement;
* ``altered``: the text is a near copy of a signed statement: the similarity of
  their word sequences (Indel: 2 x matching words / total words) is at least
  ``NEAR_THRESHOLD``, and they differ.

**Precedence** (the verdict is the first that has a finding):
``signed`` > ``denied`` > ``contained`` > ``altered`` > ``unknown``.
Exact signed words are the strongest fact there is; an author who disowned a
text outranks any resemblance to what they did sign, so "denied beats altered";
a word-for-word quote is stronger evidence than a resemblance, so "contained
beats altered". Findings the verdict does not use stay in ``other_findings``.

When the check names authors, only their statements and denials decide the
verdict; what other keys signed is reported in ``other_findings``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz.distance import Indel

from firsthand.attribution.diff import DiffSegment, word_diff
from firsthand.attribution.errors import NothingToCheck, TextTooLong
from firsthand.attribution.fingerprints import MIN_QUOTE_WORDS
from firsthand.attribution.index import AttributionIndex, author_is, author_matcher, text_key
from firsthand.attribution.normalise import word_list
from firsthand.attribution.normalise import words as spanned_words
from firsthand.statements.format import Reference

Verdict = Literal["signed", "denied", "contained", "altered", "unknown"]
PRECEDENCE: tuple[Verdict, ...] = ("signed", "denied", "contained", "altered")

NEAR_THRESHOLD = 0.7
MAX_CHECK_CHARS = 1_000_000  # a statement body's limit (statements/format.py)
MAX_MATCHES = 5
CANDIDATES = 64
CONTEXT_WORDS = 12

UNKNOWN_MESSAGE = (
    "No signed statement or denial here matches this text. That proves nothing either way: "
    "the words may be genuine but never published here, or invented."
)


@dataclass(frozen=True)
class StatementRef:
    """The statement a finding points at, and what its author said about it later."""

    leaf_hash: str
    author: str
    kind: str
    followed_by: tuple[str, ...] = ()  # leaf hashes of the author's retractions and corrections

    @property
    def author_name(self) -> str:
        return self.author.split("+", 1)[0]


@dataclass(frozen=True)
class Quote:
    """Where the checked words sit in a statement: original text around and of the quote."""

    start: int  # character offsets of the quote in the statement's body (or denied passage)
    end: int
    before: str
    quote: str
    after: str


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    statement: StatementRef
    how: Literal["exact", "near copy", "quote", "text hash"]
    similarity: float
    threshold: float | None = None
    diff: tuple[DiffSegment, ...] = ()
    quote: Quote | None = None
    denied_text: str | None = None  # for a denial: the passage it denies, when it quotes one
    denial_refs: tuple[Reference, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    message: str
    normalised_hash: str
    findings: tuple[Finding, ...]  # the ones the verdict rests on, best first
    other_findings: tuple[Finding, ...] = ()


def _quote_in(text: str, phrase: Sequence[str]) -> Quote | None:
    """Where the word sequence phrase occurs in text, with some words of context."""
    found = spanned_words(text)
    names = [w.text for w in found]
    n = len(phrase)
    first = next((i for i in range(len(names) - n + 1) if names[i : i + n] == list(phrase)), None)
    if first is None:
        return None
    last = first + n - 1
    start, end = found[first].start, found[last].end
    before_start = found[max(0, first - CONTEXT_WORDS)].start
    after_end = found[min(len(found) - 1, last + CONTEXT_WORDS)].end
    return Quote(start, end, text[before_start:start], text[start:end], text[end:after_end])


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    return f" {' '.join(needle)} " in f" {' '.join(haystack)} "


class _Checker:
    def __init__(self, index: AttributionIndex, text: str, words: list[str]) -> None:
        self.index = index
        self.text = text
        self.words = words
        self.findings: dict[tuple[int, Verdict], Finding] = {}
        self._texts: dict[int, tuple[str, list[str]] | None] = {}

    def entry(self, entry: int) -> tuple[str, list[str]] | None:
        if entry not in self._texts:
            text = self.index.entry_text(entry)
            self._texts[entry] = None if text is None else (text, word_list(text))
        return self._texts[entry]

    def ref(self, record: int) -> StatementRef:
        index = self.index
        return StatementRef(
            index.leaf(record),
            index.author(record),
            index.kind(record),
            tuple(index.leaf(r) for r in index.followed_by(record)),
        )

    def keep(self, record: int, finding: Finding) -> None:
        key = (record, finding.verdict)
        old = self.findings.get(key)
        if old is None or finding.similarity > old.similarity:
            self.findings[key] = finding

    def confirm(self, entry: int, quote_only: bool = False) -> None:
        found = self.entry(entry)
        if found is None:
            return
        text, words = found
        record = self.index.record_of(entry)
        denial = self.index.is_denial(record)
        ref = self.ref(record)
        refs = self.index.denial_refs(record) if denial else ()
        passage = text if denial else None
        if words == self.words:
            verdict: Verdict = "denied" if denial else "signed"
            self.keep(record, Finding(verdict, ref, "exact", 1.0, None, (), None, passage, refs))
            return
        if len(self.words) >= MIN_QUOTE_WORDS and _contains(words, self.words):
            similarity = Indel.normalized_similarity(self.words, words)
            verdict = "denied" if denial else "contained"
            quote = _quote_in(text, self.words)
            self.keep(
                record, Finding(verdict, ref, "quote", similarity, None, (), quote, passage, refs)
            )
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
            self.keep(record, finding)


def _message(verdict: Verdict, findings: Sequence[Finding]) -> str:
    if verdict == "unknown":
        return UNKNOWN_MESSAGE
    names = ", ".join(dict.fromkeys(f.statement.author_name for f in findings))
    best = findings[0]
    if verdict == "signed":
        return f"This text is, word for word, a statement signed by {names}."
    if verdict == "denied":
        return f"{names} signed a denial of this text: they say they did not say it."
    if verdict == "contained":
        return f"These words appear, word for word, inside a statement signed by {names}."
    return (
        f"This text resembles a statement signed by {names} but is not the same: "
        f"similarity {best.similarity:.2f} (the threshold is {NEAR_THRESHOLD:.2f}). "
        "Compare them word by word."
    )


def check(index: AttributionIndex, text: str, authors: Iterable[str] = ()) -> CheckResult:
    """Who said ``text``? Optionally about ``authors`` (verifier keys or 8-hex key IDs)."""
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
    for record in index.denials_of_hash(text_hash):
        refs = index.denial_refs(record)
        checker.keep(
            record,
            Finding("denied", checker.ref(record), "text hash", 1.0, None, (), None, None, refs),
        )
    for entry in index.quote_candidates(words, CANDIDATES):
        checker.confirm(entry, quote_only=True)
    for entry in index.near_candidates(words, CANDIDATES):
        checker.confirm(entry)

    ranked = sorted(
        checker.findings.values(),
        key=lambda f: (PRECEDENCE.index(f.verdict), -f.similarity, f.statement.leaf_hash),
    )
    deciding = [f for f in ranked if not wanted or author_is(f.statement.author, wanted)]
    verdict: Verdict = deciding[0].verdict if deciding else "unknown"
    chosen = [f for f in deciding if f.verdict == verdict][:MAX_MATCHES]
    others = [f for f in ranked if f not in chosen][:MAX_MATCHES]
    return CheckResult(verdict, _message(verdict, chosen), text_hash, tuple(chosen), tuple(others))
