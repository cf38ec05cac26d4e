"""What the index is fed: one record per published statement, and what a denial denies.

A record carries what the log and the statement store already hold: the
statement's leaf hash, its author's verifier key, its kind, its body and its
references (``firsthand.statements.format.Reference``). ``from_statement``
builds one from a verified ``Statement``.

**What a denial denies.** A denial's head names the denied text by
``refers text:<normalised hash>`` (at least one). Its body usually quotes that
text, often beside the author's own words ("I never wrote this: «...»"). Only
the quoted words are denied, never the author's commentary, so the denied
texts of a denial are, in this order of preference:

1. every quoted passage of the body (or the whole body) whose normalised hash
   is one of the denial's ``text:`` references: certainly the denied text (the
   hash under the current rules, or under version 1 for denials signed before,
   normalise.legacy_hash);
2. otherwise every quoted passage of the body, between « », “ ”, „ “, ‹ › or
   straight double quotes;
3. otherwise the whole body.

Its ``text:`` hashes are denied in every case, even when the body quotes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from firsthand.attribution.errors import MalformedRecord
from firsthand.attribution.normalise import legacy_hash, normalised_hash
from firsthand.statements.format import KINDS, Reference, Statement

_HEX64 = re.compile(r"[0-9a-f]{64}")
# Pairs of quotation marks, non-greedy, across lines. Straight single quotes are left out:
# they are also apostrophes ("don't"), and would cut the denied text at the first one.
_QUOTED = re.compile(r"«(.+?)»|“(.+?)”|„(.+?)“|‹(.+?)›|\"(.+?)\"", re.DOTALL)

# Kinds whose body is the author's own words. A denial's body quotes someone else's words,
# and a withholding notice is the operator's, so neither counts as something the author said.
SIGNED_KINDS = frozenset(KINDS) - {"denial", "withholding"}


@dataclass(frozen=True)
class StatementRecord:
    """A published statement, as the index needs it."""

    leaf_hash: str
    author: str
    kind: str
    body: str
    references: tuple[Reference, ...] = ()

    def __post_init__(self) -> None:
        if not _HEX64.fullmatch(self.leaf_hash):
            raise MalformedRecord("a leaf hash is 64 lowercase hex digits")
        if self.kind not in KINDS:
            raise MalformedRecord(f"unknown kind {self.kind[:30]!r}; kinds are {', '.join(KINDS)}")
        if not self.author:
            raise MalformedRecord("a record names its author's verifier key")
        for reference in self.references:
            if reference.kind not in ("leaf", "text") or not _HEX64.fullmatch(reference.sha256):
                raise MalformedRecord(
                    "a reference is leaf:<64 hex> or text:<64 hex>, as in a statement head"
                )

    @classmethod
    def from_statement(cls, statement: Statement) -> StatementRecord:
        head = statement.head
        return cls(
            leaf_hash=statement.leaf_hash.hex(),
            author=head.author.text(),
            kind=head.kind,
            body=statement.body,
            references=head.refers,
        )

    def referred(self, kind: str) -> tuple[str, ...]:
        return tuple(r.sha256 for r in self.references if r.kind == kind)


def denied_texts(body: str, text_hashes: tuple[str, ...]) -> list[str]:
    """The passages of a denial's body that are the denied text (see the module docstring)."""
    quoted = [
        next(group for group in match.groups() if group is not None)
        for match in _QUOTED.finditer(body)
    ]
    wanted = set(text_hashes)
    certain = [
        text
        for text in [*quoted, body]
        if normalised_hash(text) in wanted or legacy_hash(text) in wanted
    ]
    if certain:
        return certain
    return quoted or [body]
