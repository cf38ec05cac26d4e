"""What a check finds: a statement or a denial, and how the checked words relate to it.

A ``Finding`` names the statement (``StatementRef``) and says how the words
were found in it: ``exact``, ``quote`` (word for word inside it, maybe with
gaps an ellipsis marks), ``near copy`` (similar words, with a word diff) or
``text hash`` (a denial names the words' normalised hash).

**Strength** orders findings, strongest first, for a whole text and for each
passage alike:

0. ``signed``: exactly the words of a signed statement;
1. ``denied`` as a whole: a denial names the hash, or its denied text is these
   words or a near copy of them;
2. ``contained``: the words are inside a signed statement;
3. ``denied`` in part: the words are inside a denied text;
4. ``altered``: a near copy of a signed statement, or of a part of one; and
   ``denied`` as a near copy of a part of a denied text (the more similar wins).

Exact signed words are the strongest fact there is. An author who disowned
exactly this text outranks everything else, even a longer statement that
contains it: a quote cut out of its context can be denied. But a sentence the
author signed stays theirs when it also appears inside a longer text they
denied: forgers build fabrications around true sentences, and a denial of the
fabrication does not unsay the sentence. Any of these outranks a resemblance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from firsthand.attribution.diff import DiffSegment
from firsthand.statements.format import Reference

Verdict = Literal["signed", "denied", "contained", "altered", "mixed", "unknown"]
How = Literal["exact", "near copy", "quote", "text hash"]
NEAR_THRESHOLD = 0.7


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
    how: How
    similarity: float
    threshold: float | None = None
    diff: tuple[DiffSegment, ...] = ()
    quote: Quote | None = None
    denied_text: str | None = None  # for a denial: the passage it denies, when it quotes one
    denial_refs: tuple[Reference, ...] = field(default=(), repr=False)
    part: bool = False  # the words match only part of the statement or denied text
    gaps: int = 0  # ellipses in the checked words that left some of the statement's words out

    @property
    def strength(self) -> int:
        """0 (strongest) to 4: see the module docstring."""
        if self.verdict == "signed":
            return 0
        if self.verdict == "denied":
            if self.how == "near copy" and self.part:
                return 4
            return 3 if self.part or self.how == "quote" else 1
        return 2 if self.verdict == "contained" else 4


@dataclass(frozen=True)
class Passage:
    """A passage of the checked text and who said it: ``text[start:end]`` of the checked text."""

    start: int
    end: int
    text: str
    verdict: str  # "signed", "denied", "contained", "altered" or "unknown"
    finding: Finding | None = None  # what the verdict rests on
    also: tuple[Finding, ...] = ()  # weaker findings, and other authors' when authors were asked
    quoted: bool = False  # inside quotation marks
    frame: bool = False  # the words around a quote ("He said:")
    gaps: int = 0  # ellipses inside it
    cut_before: int = 0  # words of the same statement skipped, with no ellipsis, before it
    words: int = 0  # how many normalised words it holds
    split: bool = False  # a part of a sentence: the run of an author's words in it, or the rest
    where: tuple[int, int, int] | None = field(default=None, repr=False, compare=False)
    open_gap: bool = field(default=False, repr=False, compare=False)
    close_gap: bool = field(default=False, repr=False, compare=False)


def ranked(findings: list[Finding]) -> list[Finding]:
    """Strongest first; among equals the most similar, then by leaf hash (stable answers)."""
    return sorted(findings, key=lambda f: (f.strength, -f.similarity, f.statement.leaf_hash))
