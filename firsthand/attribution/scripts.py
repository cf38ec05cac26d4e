"""Words that mix alphabets: the look-alike letters a forger swaps in.

Normalisation keeps letters of different alphabets apart: Cyrillic ``а``
(U+0430) is not Latin ``a``, so "Dаwn" with a Cyrillic ``а`` is not the
author's "Dawn", and a check calls the text altered. That is right, but a
reader sees two words that look the same. This module says why: which words
hold letters of more than one script (Unicode Script property, through ICU),
and which changed words only look like the words they replace (the TR39
skeletons of statements/identity.py).

Only letters count: digits, punctuation and marks belong to every script, and
a Persian text that quotes a Latin name writes each word in one script.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# Letters of these ranges are Latin or Arabic without asking ICU (most words of most texts).
_ASCII_LETTERS = re.compile(r"[A-Za-z]+")
_ARABIC_LETTERS = re.compile(
    r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]+"
)
_CHUNK = re.compile(r"\S+")


@dataclass(frozen=True)
class MixedWord:
    """A word whose letters come from more than one script: ``text[start:end]``."""

    word: str
    start: int
    end: int
    scripts: tuple[str, ...]  # ICU script names, in order of first letter: ("Latin", "Cyrillic")


@functools.cache
def _icu() -> Any:
    # Imported on first use: a verifier of bundles never needs ICU.
    import icu

    return icu


@functools.lru_cache(maxsize=65536)
def letter_script(char: str) -> str | None:
    """The Unicode script of a letter, or None for a character every script shares."""
    if not char.isalpha():
        return None
    name = str(_icu().Script.getScript(ord(char)).getName())
    return None if name in ("Common", "Inherited", "Unknown") else name


def word_scripts(word: str) -> tuple[str, ...]:
    """The scripts of a word's letters, in order of first appearance."""
    if _ASCII_LETTERS.fullmatch(word) or _ARABIC_LETTERS.fullmatch(word):
        return ("Latin",) if word.isascii() else ("Arabic",)
    found: dict[str, None] = {}
    for char in word:
        script = letter_script(char)
        if script is not None:
            found.setdefault(script, None)
    return tuple(found)


def _letters(chunk: str) -> list[tuple[int, int]]:
    """Spans of the runs of letters (with their marks) in a chunk: "«Dаwn»," holds one."""
    spans = []
    start = None
    for i, char in enumerate(chunk):
        inside = char.isalpha() or (start is not None and unicodedata.category(char)[0] == "M")
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(chunk)))
    return spans


def mixed_script_words(text: str) -> tuple[MixedWord, ...]:
    """Every word of text whose letters come from more than one script."""
    found = []
    for chunk in _CHUNK.finditer(text):
        value = chunk.group()
        if value.isascii():
            continue
        for start, end in _letters(value):
            word = value[start:end]
            scripts = word_scripts(word)
            if len(scripts) > 1:
                found.append(MixedWord(word, chunk.start() + start, chunk.start() + end, scripts))
    return tuple(found)


def look_alike(signed: str, checked: str) -> bool:
    """Whether two different spellings look the same to a reader (TR39 skeletons)."""
    if signed == checked or not signed.strip() or not checked.strip():
        return False
    from firsthand.statements.identity import skeleton

    return bool(skeleton(signed) == skeleton(checked))
