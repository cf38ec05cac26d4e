"""Text normalisation: when two texts count as the same words.

docs/normalisation.md is the specification; this module is its reference
implementation. In short, for a text ``x``:

1. ``NFKC(x)``, then Unicode full case folding, then NFKC again (case folding
   can leave a string that NFKC would still change, such as U+01F0).
2. Per code point: Arabic and Persian letter variants to one form (yeh, kaf,
   heh, teh marbuta, alef), every decimal digit to its ASCII digit, and
   Arabic diacritics, tatweel and format characters (ZWNJ, ZWJ, bidi marks,
   soft hyphen...) removed.
3. NFKC again, since a removed character may have kept two others apart.
4. Words are the maximal runs of letters, marks and numbers (general
   categories L*, M*, N*); everything else separates words and is dropped.
5. The Persian verb prefixes ``می`` and ``نمی`` written as separate words are
   joined to the word after them, and the plural/superlative suffixes in
   ``_SUFFIXES`` written as separate words to the word before them, so
   ``می‌خواهم``, ``می خواهم`` and ``میخواهم`` are one word.

The normalised form is the words joined by single spaces (U+0020).
``normalised_hash`` is the lowercase hex SHA-256 of its UTF-8: the value of a
statement's ``refers text:<hash>`` line.

Categories and NFKC come from Python's ``unicodedata``: Unicode
``UNICODE_VERSION``. A character assigned in a later Unicode version is
unassigned (category Cn) here, so it separates words.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass

UNICODE_VERSION = unicodedata.unidata_version

# One target per family of letter forms. Persian forms are the targets because most of our
# Arabic-script authors write Persian; the choice only has to be fixed, not "right".
_LETTER_FORMS: dict[str, str] = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH (the Persian kaf)
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH, as Arabic retrieval does (Larkey et al. 2002)
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE (Persian ezafe) -> HEH; its decomposed spelling
    "\u06d5": "\u0647",  # AE (the base of U+06C0's decomposition) -> HEH
    "\u0622": "\u0627",  # ALEF WITH MADDA ABOVE -> ALEF
    "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
    "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
    "\u0671": "\u0627",  # ALEF WASLA -> ALEF
}
# Harakat and other Arabic marks, the superscript alef, and tatweel (a stretching stroke).
_ARABIC_MARKS = [*range(0x064B, 0x0660), 0x0670, 0x0640]

_PREFIXES = frozenset({"می", "نمی"})
_SUFFIXES = frozenset(
    {"ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان", "ترین"}
)


@dataclass(frozen=True)
class Word:
    """A normalised word and where it came from: ``original[start:end]``."""

    text: str
    start: int
    end: int


def _ranges(wanted: str, low: int, high: int) -> list[tuple[int, int]]:
    """Code point ranges in [low, high] whose general category's first letter is in wanted."""
    found: list[tuple[int, int]] = []
    start: int | None = None
    for code in range(low, high + 1):
        inside = unicodedata.category(chr(code))[0] in wanted
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            found.append((start, code - 1))
            start = None
    if start is not None:
        found.append((start, high))
    return found


def _char_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


@functools.cache
def _tables() -> tuple[dict[int, str | None], re.Pattern[str], re.Pattern[str]]:
    """The character table of step 2 and the word patterns of step 4 (built once, ~0.3 s)."""
    table: dict[int, str | None] = {ord(k): v for k, v in _LETTER_FORMS.items()}
    for code in _ARABIC_MARKS:
        table[code] = None
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf":
            table[code] = None
        elif category == "Nd":
            table[code] = str(unicodedata.decimal(char))
    # Python's re matches a character class of BMP ranges through a bitmap, but falls back
    # to a slow scan once the class holds astral ranges: keep the common case fast.
    bmp = _ranges("LMN", 0, 0xFFFF)
    astral = _ranges("LMN", 0x10000, sys.maxunicode)
    return (
        table,
        re.compile(f"[{_char_class(bmp)}]+"),
        re.compile(f"[{_char_class(bmp + astral)}]+"),
    )


def _fold(text: str) -> str:
    """Steps 1 to 3 on any text."""
    table = _tables()[0]
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFKC", folded.translate(table))


def _word_pattern(text: str) -> re.Pattern[str]:
    _, bmp, full = _tables()
    return full if text and max(text) > "\uffff" else bmp


def _join_affixes(words: list[Word]) -> list[Word]:
    """Step 5: glue separately written Persian prefixes and suffixes to their word."""
    joined: list[Word] = []
    glue_next = False
    for word in words:
        if joined and (glue_next or word.text in _SUFFIXES):
            last = joined[-1]
            joined[-1] = Word(last.text + word.text, last.start, word.end)
        else:
            joined.append(word)
        glue_next = word.text in _PREFIXES
    return joined


def words(text: str) -> list[Word]:
    """The normalised words of text, each with its span in text (for showing original words).

    Whitespace never changes under steps 1 to 3 and always separates words, so each
    whitespace-separated chunk is normalised on its own and its words point at the chunk.
    """
    found: list[Word] = []
    for chunk in re.finditer(r"\S+", text):
        folded = _fold(chunk.group())
        for word in _word_pattern(folded).findall(folded):
            found.append(Word(word, chunk.start(), chunk.end()))
    return _join_affixes(found)


def word_list(text: str) -> list[str]:
    """The normalised words of text: the fast path used for indexing and hashing."""
    folded = _fold(text)
    found = _word_pattern(folded).findall(folded)
    if not _PREFIXES.isdisjoint(found) or not _SUFFIXES.isdisjoint(found):
        return [w.text for w in _join_affixes([Word(w, 0, 0) for w in found])]
    return found


def normalise(text: str) -> str:
    """The normalised form of text (docs/normalisation.md): its words joined by single spaces."""
    return " ".join(word_list(text))


def normalised_hash(text: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 normalised form: what ``refers text:`` names."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
