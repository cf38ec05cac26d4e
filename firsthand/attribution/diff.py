"""A word-by-word diff for side-by-side display.

Words are aligned on their normalised forms (so a changed yeh, digit or comma is
no difference), but each segment shows the original words of each side, as the
reader saw them. A changed word that looks like the signed one (letters of
another alphabet, scripts.py) is marked, since the eye cannot see the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from firsthand.attribution.normalise import Word, words
from firsthand.attribution.scripts import look_alike, mixed_script_words

Operation = Literal["equal", "replace", "delete", "insert"]


@dataclass(frozen=True)
class DiffSegment:
    """One run of the alignment: ``signed`` is the statement's words, ``checked`` the text's.

    ``delete``: words of the statement missing from the text (``checked`` is empty);
    ``insert``: words the text adds (``signed`` is empty).
    """

    op: Operation
    signed: str
    checked: str
    look_alike: bool = False  # "replace": the two sides look the same (TR39 skeletons)
    scripts: tuple[str, ...] = ()  # a checked word here mixes these scripts ("Latin", "Cyrillic")


class _Cursor:
    """Cuts consecutive word ranges out of a text without showing a chunk twice.

    Words share a span when one chunk of the text held several ("don't" is "don"
    and "t"), so each segment starts where the previous one ended.
    """

    def __init__(self, text: str, found: list[Word]) -> None:
        self._text = text
        self._words = found
        self._shown = 0

    def take(self, start: int, end: int) -> str:
        if start >= end:
            return ""
        begin = max(self._words[start].start, self._shown)
        finish = max(self._words[end - 1].end, begin)
        self._shown = finish
        return self._text[begin:finish]


def word_diff(signed_text: str, checked_text: str) -> tuple[DiffSegment, ...]:
    """Align the words of a signed statement and of a checked text."""
    signed_words = words(signed_text)
    checked_words = words(checked_text)
    matcher = SequenceMatcher(
        None,
        [w.text for w in signed_words],
        [w.text for w in checked_words],
        autojunk=False,  # autojunk would drop frequent words of long texts from the alignment
    )
    left = _Cursor(signed_text, signed_words)
    right = _Cursor(checked_text, checked_words)
    segments = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        signed, checked = left.take(i1, i2), right.take(j1, j2)
        if op == "equal":
            segments.append(DiffSegment(op, signed, checked))
            continue
        mixed = [w.scripts for w in mixed_script_words(checked)]
        scripts = tuple(dict.fromkeys(s for found in mixed for s in found))
        alike = op == "replace" and look_alike(signed, checked)
        segments.append(DiffSegment(op, signed, checked, alike, scripts))
    return tuple(segments)


def changed_words(segments: tuple[DiffSegment, ...]) -> int:
    """How many words the text changed, added or dropped (the larger side of each change)."""
    return sum(
        max(len(words(s.signed)), len(words(s.checked))) for s in segments if s.op != "equal"
    )
