"""Cutting a pasted text into the passages a check answers for, one by one.

A text that circulates is rarely a statement alone: it is an article that
quotes one (``He said in an interview: "…"``), a paragraph with the quote in
the middle, a quote trimmed with an ellipsis, or the author's true sentence
followed by invented ones. So the check (passages.py) answers for each
**passage**: each sentence of the text and, inside quotation marks, each
sentence of the quote. This module only finds where they are.

* **Quotations.** Outermost pairs of « », “ ”, „ “, ‹ ›, ‘ ’ and straight
  double or single quotes, the single ones only where they cannot be an
  apostrophe (``don't``, ``members'``). A quote of fewer than
  ``MIN_QUOTE_TOKENS`` words ("scare quotes", a title) stays in its sentence.
  The words of a sentence around a quote ("He said in an interview:") are its
  **frame**: a passage of its own, which says who is quoted, not what they said.
* **Sentences** end at . ! ? ؟ ۔ (a run of them), at a line break, and after a
  quote whose words end a sentence when a longer clause follows (``“…I left.”
  She smiled.`` is two sentences; ``«…» او گفت.`` is one, with its frame). A
  full stop after an abbreviation or an initial ("Dr.", "J."), or before a
  small letter, ends nothing.
* **Ellipses** (``…``, ``...``, ``. . .``, and any of them in [ ] or ( )) mark
  a gap: a passage is then a list of **pieces**, the runs of words between
  gaps, and a gap in a quote is not an alteration (passages.py). An ellipsis
  at a passage's start or end only says it was trimmed.

Spans are offsets in the text (Python string indices). Nothing here
normalises: passages.py takes each piece's words with normalise.word_list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_QUOTE_TOKENS = 4  # words in a quotation for it to be a passage of its own
SHORT_CLAUSE = 6  # words after a quote that still belong to its sentence ("she said.")

_PAIRS = {"«": "»", "“": "”", "„": "“", "‹": "›", "‘": "’", '"': '"', "'": "'"}
_APOSTROPHE_LIKE = frozenset({"'", "’", "‘"})
_TERMINATORS = frozenset(".!?؟۔‼⁇。！？")
_ELLIPSIS = re.compile(
    r"[\[(]\s*(?:…|\.{2,}|(?:\.\s){2}\.)\s*[\])]|…+|\.{3,}|(?:\.\s){2}\.", re.UNICODE
)
_HAS_WORD = re.compile(r"[^\W_]")
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "eg", "ie", "no"),
        *("nos", "p", "pp", "fig", "vol", "ch", "sec", "art", "ed", "eds", "approx", "dept"),
        *("est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov"),
        *("dec", "mt", "ft", "gen", "col", "lt", "sgt", "rev"),
    }
)
_OPENING_CONTEXT = frozenset(" \t\n\r([{-—–:;,/\u00a0\u200f\u200e")


@dataclass(frozen=True)
class Piece:
    """A run of words between gaps: ``text[start:end]``."""

    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """A passage: a sentence, a sentence of a quote, or the frame around a quote."""

    start: int
    end: int
    pieces: tuple[Piece, ...]
    quoted: bool = False  # inside quotation marks
    frame: bool = False  # the words of a sentence around a quote
    open_gap: bool = False  # an ellipsis before its first word: words left out before it
    close_gap: bool = False  # an ellipsis after its last word

    @property
    def gaps(self) -> int:
        """How many ellipses inside the passage left words out."""
        return len(self.pieces) - 1


def _can_open(text: str, at: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    if text[at] in _APOSTROPHE_LIKE or text[at] == '"':
        return (before in _OPENING_CONTEXT or before in _PAIRS) and not after.isspace()
    return True


def _can_close(text: str, at: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    if text[at] in _APOSTROPHE_LIKE or text[at] == '"':
        return not before.isspace() and (after.isspace() or not after.isalnum())
    return True


_MARKS = re.compile("[«“„‹‘\"']")


def quotations(text: str) -> list[tuple[int, int]]:
    """Outermost quotations as (opening mark, closing mark) indices, long enough to count."""
    found: list[tuple[int, int]] = []
    after = 0
    for opening in _MARKS.finditer(text):
        at = opening.start()
        if at < after:
            continue  # inside a quotation already found
        closing = _PAIRS[text[at]]
        if not _can_open(text, at):
            continue
        end = at + 1
        while end < len(text):
            end = text.find(closing, end)
            if end < 0 or _can_close(text, end):
                break
            end += 1
        if end < 0 or end >= len(text):
            continue  # never closed: a stray mark, or an apostrophe
        if len(text[at + 1 : end].split()) >= MIN_QUOTE_TOKENS:
            found.append((at, end))
            after = end + 1
    return found


def _abbreviation(text: str, dot: int) -> bool:
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "([«“\"'":
        start -= 1
    token = text[start:dot].replace(".", "")
    if len(token) == 1:
        return token.isalpha() and token.isupper() and token != "I"  # an initial: "J. Smith"
    return token.casefold() in _ABBREVIATIONS


def _ends_sentence(text: str, at: int, end: int) -> int | None:
    """If a sentence ends with the terminator at ``at``, the index just after it."""
    stop = at
    while stop < end and (text[stop] in _TERMINATORS):
        stop += 1
    following = text[stop:end].lstrip()
    if text[at] == "." and stop - at == 1:
        if following and following[0].isalpha() and following[0].islower():
            return None
        if _abbreviation(text, at):
            return None
    if stop < end and not (text[stop].isspace() or text[stop] in ")]}»”’\"'"):
        return None  # "3.5", "example.org", "?!x"
    return stop


_ENDS = re.compile("[\n.!?؟۔‼⁇。！？]")


def _sentences(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> list[int]:
    """Where sentences end in text[start:end], skipping the inside of quotes."""
    ends: list[int] = []
    at = start
    while True:
        found = _ENDS.search(text, at, end)
        if found is None:
            break
        at = found.start()
        inside = next((b for a, b in quotes if a <= at <= b), None)
        if inside is not None:
            at = inside + 1
            continue
        if text[at] == "\n":
            ends.append(at + 1)
        elif not _in_ellipsis(text, at):
            stop = _ends_sentence(text, at, end)
            if stop is not None:
                ends.append(stop)
                at = stop
                continue
        at += 1
    ends.append(end)
    for _, close in quotes:
        if start <= close < end:
            following = min(e for e in ends if e > close)
            if _quote_ends_sentence(text, close, following):
                ends.append(close + 1)
    return sorted(set(ends))


def _in_ellipsis(text: str, at: int) -> bool:
    if text[at] != ".":
        return False
    for match in _ELLIPSIS.finditer(text, max(0, at - 6), min(len(text), at + 7)):
        if match.start() <= at < match.end():
            return True
    return False


def _quote_ends_sentence(text: str, close: int, following: int) -> bool:
    """A quote whose words end a sentence ends its own, unless a short clause follows.

    ``“…I left.” She smiled at us.``: a new sentence (a capital, or a long clause);
    ``«…آمدم.» او گفت.`` and ``“…” — Amara, in her statement``: one sentence, whose
    frame comes after the quote.
    """
    inner = text[:close].rstrip()
    if not inner or inner[-1] not in _TERMINATORS:
        return False
    clause = text[close + 1 : following].strip()
    if not clause or clause[0] in "—–-":  # "“…” — Amara, in a statement": an attribution
        return False
    return clause[0].isupper() or len(clause.split()) > SHORT_CLAUSE


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",،;؛:—–-"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _pieces(text: str, start: int, end: int) -> tuple[Piece, ...]:
    """The runs of words of text[start:end] between ellipses."""
    pieces = []
    at = start
    for match in _ELLIPSIS.finditer(text, start, end):
        pieces.append((at, match.start()))
        at = match.end()
    pieces.append((at, end))
    found = []
    for a, b in pieces:
        a, b = _trimmed(text, a, b)
        if _HAS_WORD.search(text, a, b):
            found.append(Piece(a, b))
    return tuple(found)


def _segment(text: str, start: int, end: int, quoted: bool, frame: bool) -> Segment | None:
    start, end = _trimmed(text, start, end)
    pieces = _pieces(text, start, end)
    if not pieces:
        return None
    open_gap = _ELLIPSIS.search(text[start : pieces[0].start]) is not None
    close_gap = _ELLIPSIS.search(text[pieces[-1].end : end]) is not None
    return Segment(start, end, pieces, quoted, frame, open_gap, close_gap)


def segments(text: str) -> list[Segment]:
    """The passages of text, in order: sentences, quoted sentences and frames."""
    quotes = quotations(text)
    found: list[Segment] = []
    begin = 0
    for stop in _sentences(text, 0, len(text), quotes):
        inside = [(a, b) for a, b in quotes if begin <= a and b < stop]
        if not inside:
            made = _segment(text, begin, stop, False, False)
            if made is not None:
                found.append(made)
            begin = stop
            continue
        at = begin
        for opening, closing in inside:
            frame = _segment(text, at, opening, False, True)
            if frame is not None:
                found.append(frame)
            inner = opening + 1
            for end in _sentences(text, inner, closing, []):
                made = _segment(text, inner, end, True, False)
                if made is not None:
                    found.append(made)
                inner = end
            at = closing + 1
        frame = _segment(text, at, stop, False, True)
        if frame is not None:
            found.append(frame)
        begin = stop
    return found
