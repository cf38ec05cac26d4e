"""Text normalisation: when two texts count as the same words.

docs/normalisation.md is the specification; this module is its reference
implementation. In short, for a text ``x``:

1. ``NFKC(x)``, then Unicode full case folding, then NFKC again (case folding
   can leave a string that NFKC would still change, such as U+01F0).
2. Per code point: Arabic and Persian letter variants to one form (yeh, kaf,
   heh, teh marbuta), every decimal digit to its ASCII digit, and Arabic
   diacritics, tatweel and format characters (ZWNJ, ZWJ, bidi marks, soft
   hyphen...) removed, after two rules for the ZWNJ: after the word ``به`` it
   separates words, as a space would (``به‌طور`` is ``به طور``), and the ezafe
   ``ه‌ی`` at a word's end is the ezafe ``ۀ``, so ``ه``.
3. NFKC again, since a removed character may have kept two others apart.
4. Words are the maximal runs of letters, marks and numbers (general
   categories L*, M*, N*); everything else separates words and is dropped.
5. Persian pieces that writers join, separate with a ZWNJ or separate with a
   space are joined (``_PREFIXES``, ``_SUFFIXES``, ``_SUFFIXES_AFTER_HEH``,
   ``_COMPOUNDS``), and a few old joined spellings of ``به`` are split
   (``_SPLIT``), so ``نمی‌کنم``, ``نمی کنم`` and ``نمیکنم`` are one word.
6. Alef with madda or hamza, and alef wasla, become alef (after step 5, so
   that ``آش``, soup, is never taken for the suffix ``اش``).

The normalised form is the words joined by single spaces (U+0020).
``normalised_hash`` is the lowercase hex SHA-256 of its UTF-8: the value of a
statement's ``refers text:<hash>`` line. Denials signed before these rules
(version 2) name the hash of version 1; ``legacy_hash`` computes it, so that
the check still finds them.

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

RULES = 2  # the version of the rules below; version 1 is kept for denials signed before

# One target per family of letter forms. Persian forms are the targets because most of our
# Arabic-script authors write Persian; the choice only has to be fixed, not "right".
_LETTER_FORMS: dict[str, str] = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH (the Persian kaf)
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH, as Arabic retrieval does (Larkey et al. 2002)
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE (Persian ezafe) -> HEH; its decomposed spelling
    "\u06d5": "\u0647",  # AE (the base of U+06C0's decomposition) -> HEH
}
# Step 6 (step 2 in version 1): writers drop madda and hamza on alef.
_ALEF_FORMS: dict[str, str] = {
    "\u0622": "\u0627",  # ALEF WITH MADDA ABOVE -> ALEF
    "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
    "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
    "\u0671": "\u0627",  # ALEF WASLA -> ALEF
}
_ALEF_TABLE = str.maketrans(_ALEF_FORMS)
# Harakat and other Arabic marks, the superscript alef, and tatweel (a stretching stroke).
_ARABIC_MARKS = [*range(0x064B, 0x0660), 0x0670, 0x0640]
ZWNJ = "\u200c"

# Step 5. Every spelling is after steps 1 to 4 (Farsi yeh, keheh) and after alef folding.
# A verb prefix: the next word is joined to it. Not بی: it is also the preposition "without",
# always written apart (بی هیچ توضیحی), so joining it would change a word.
_PREFIXES = frozenset({"می", "نمی"})
# Never a word alone: joined to the word before (plural, comparative and superlative).
_SUFFIXES = frozenset(
    {
        *("ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان"),
        *("تر", "تری", "ترها", "ترهای", "ترین"),
    }
)
# After a word that ends in heh, the copula, perfect-tense endings, the indefinite and the
# possessive pronouns are written joined, with a ZWNJ or with a space (گرفته‌ام, گرفته ام).
_SUFFIXES_AFTER_HEH = frozenset({"ام", "ای", "ایم", "اید", "اند", "ات", "اش", "مان", "تان", "شان"})
# Alone, never a word: after heh the ezafe, written apart (حلقه ی = حلقه‌ی = حلقهٔ = حلقه), and
# dropped; after another letter the ezafe or the indefinite, joined.
_YEH = "ی"
# Two-word compounds written with a space, a ZWNJ or nothing, with one meaning; in alef-folded
# spelling (ان is آن).
_COMPOUNDS = frozenset(
    {
        *(("هیچ", w) for w in ("کس", "کدام", "وقت", "گاه", "چیز", "یک")),
        *((w, "که") for w in ("این", "ان", "چنان")),
        *((w, "چه") for w in ("ان", "چنان")),
        *((w, "جا") for w in ("این", "ان", "همین", "همان")),
        *((w, "طور") for w in ("همین", "همان")),
        *(("هم", w) for w in ("چنین", "چنان", "اکنون", "دیگر")),
        ("یک", "دیگر"),
    }
)
# Old spellings that join the preposition به to its word: split, as the ZWNJ spelling is.
_SPLIT: dict[str, tuple[str, str]] = {
    joined: ("به", joined[1:])
    for joined in ("بطور", "بعنوان", "بخاطر", "بویژه", "بزودی", "بتدریج", "بسوی", "بدنبال")
}
_COMPOUND_HEADS = frozenset(first for first, _ in _COMPOUNDS)

# Version 1 (before issue 18): only these prefixes and suffixes, alef folded in step 2.
_PREFIXES_V1 = frozenset({"می", "نمی"})
_SUFFIXES_V1 = frozenset(
    {"ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان", "ترین"}
)
_TRIGGERS = _PREFIXES | _SUFFIXES | _SUFFIXES_AFTER_HEH | _COMPOUND_HEADS | {_YEH, *_SPLIT, "آن"}


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


@functools.cache
def _zwnj_rules() -> tuple[dict[int, str | None], re.Pattern[str], re.Pattern[str]]:
    """Step 2's table keeping the ZWNJ, and the patterns of its two context rules."""
    table, _, _ = _tables()
    keeping = {**table, ord(ZWNJ): ZWNJ}
    letter = f"[{_char_class(_ranges('LMN', 0, 0xFFFF))}]"
    after_bih = re.compile(f"(?<!{letter})\u0628\u0647{ZWNJ}+")
    ezafe = re.compile(f"\u0647{ZWNJ}+\u06cc(?!{letter})")
    return keeping, after_bih, ezafe


@functools.cache
def _v1_table() -> dict[int, str | None]:
    table, _, _ = _tables()
    return {**table, **{ord(k): v for k, v in _ALEF_FORMS.items()}}


def _fold(text: str, rules: int = RULES) -> str:
    """Steps 1 to 3 on any text."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    if rules == 1:
        return unicodedata.normalize("NFKC", folded.translate(_v1_table()))
    keeping, after_bih, ezafe = _zwnj_rules()
    folded = folded.translate(keeping)
    if ZWNJ in folded:
        folded = ezafe.sub("\u0647", after_bih.sub("\u0628\u0647 ", folded)).replace(ZWNJ, "")
    return unicodedata.normalize("NFKC", folded)


def _word_pattern(text: str) -> re.Pattern[str]:
    _, bmp, full = _tables()
    return full if text and max(text) > "\uffff" else bmp


def _join_v1(words: list[Word]) -> list[Word]:
    """Version 1 of step 5: only the prefixes می and نمی and the plural suffixes."""
    joined: list[Word] = []
    glue_next = False
    for word in words:
        if joined and (glue_next or word.text in _SUFFIXES_V1):
            last = joined[-1]
            joined[-1] = Word(last.text + word.text, last.start, word.end)
        else:
            joined.append(word)
        glue_next = word.text in _PREFIXES_V1
    return joined


def _join_plan(raw: list[str]) -> list[tuple[str, int, int]]:
    """Steps 5 and 6 on the words of steps 1 to 4: (word, first, last input word it spans).

    Joins are decided on alef-folded spellings, except the suffixes after heh: ``آش``
    (soup) is not ``اش`` (his), so a word written with madda or hamza is never one, and
    it keeps that first letter where a plain alef would have made it one. So the rules
    never join what the writer kept apart, and a normalised form normalises to itself.
    """
    # One translate for all words: a newline is never inside a word.
    folded = "\n".join(raw).translate(_ALEF_TABLE).split("\n") if raw else []
    pieces: list[tuple[str, str, int]] = []  # (raw, folded, input index)
    for i, (word, text) in enumerate(zip(raw, folded, strict=True)):
        parts = _SPLIT.get(text)
        if parts is None:
            pieces.append((word, text, i))
        else:
            pieces += [(part, part, i) for part in parts]
    plan: list[tuple[str, int, int]] = []
    glue_next = False
    for word, text, i in pieces:
        if plan:
            last, first, _ = plan[-1]
            after_heh = last.endswith("ه")
            if text == _YEH and after_heh and not glue_next:
                plan[-1] = (last, first, i)  # the ezafe, as ۀ
                continue
            if (
                glue_next
                or text in _SUFFIXES
                or text == _YEH
                or (word in _SUFFIXES_AFTER_HEH and after_heh)
                or (last, text) in _COMPOUNDS
            ):
                plan[-1] = (last + text, first, i)
                glue_next = False
                continue
            if after_heh and text in _SUFFIXES_AFTER_HEH:
                text = word[0] + text[1:]  # آش after a word in heh: written apart, kept apart
        plan.append((text, i, i))
        glue_next = text in _PREFIXES
    return plan


def _join_affixes(words: list[Word]) -> list[Word]:
    """Steps 5 and 6 on spanned words."""
    plan = _join_plan([w.text for w in words])
    return [Word(text, words[a].start, words[b].end) for text, a, b in plan]


@functools.lru_cache(maxsize=1 << 16)
def _chunk_words(chunk: str, rules: int) -> tuple[str, ...]:
    """Steps 1 to 4 of one whitespace-separated chunk (chunks repeat: a bounded cache)."""
    folded = _fold(chunk, rules)
    return tuple(_word_pattern(folded).findall(folded))


def words(text: str, rules: int = RULES) -> list[Word]:
    """The normalised words of text, each with its span in text (for showing original words).

    Whitespace never changes under steps 1 to 3 and always separates words, so each
    whitespace-separated chunk is normalised on its own and its words point at the chunk.
    """
    found: list[Word] = []
    for chunk in re.finditer(r"\S+", text):
        start, end = chunk.span()
        found += [Word(word, start, end) for word in _chunk_words(chunk.group(), rules)]
    return _join_v1(found) if rules == 1 else _join_affixes(found)


def word_list(text: str, rules: int = RULES) -> list[str]:
    """The normalised words of text: the fast path used for indexing and hashing."""
    folded = _fold(text, rules)
    found = _word_pattern(folded).findall(folded)
    if rules == 1:
        if not _PREFIXES_V1.isdisjoint(found) or not _SUFFIXES_V1.isdisjoint(found):
            return [w.text for w in _join_v1([Word(w, 0, 0) for w in found])]
        return found
    if _has_alef_form(folded) or not _TRIGGERS.isdisjoint(found):
        return [text for text, _, _ in _join_plan(found)]
    return found


def _has_alef_form(text: str) -> bool:
    return any(ch in text for ch in _ALEF_FORMS)


_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def differs_from_v1(text: str) -> bool:
    """Whether the rules of version 1 may normalise text otherwise: only Arabic script can."""
    return _ARABIC_SCRIPT.search(text) is not None


def normalise(text: str) -> str:
    """The normalised form of text (docs/normalisation.md): its words joined by single spaces."""
    return " ".join(word_list(text))


def normalised_hash(text: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 normalised form: what ``refers text:`` names."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def legacy_hash(text: str) -> str:
    """The normalised hash under version 1 of the rules, which denials signed before name."""
    return hashlib.sha256(" ".join(word_list(text, rules=1)).encode("utf-8")).hexdigest()
