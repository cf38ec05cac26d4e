"""Rules on what a statement may say about another one, decided without a database.

The format (format.py) decides what a statement is on its own. A few kinds are
about an earlier statement of the log, and a log accepts them only if that
statement is there and the right key signs:

- a **correction** or a **retraction** refers (``refers leaf:<hex>``) to a
  statement of this log, and is signed by the key that signed it: no one
  corrects another person's words;
- a **withholding** notice refers to a statement of this log and is signed by
  the log's operator key, never to a notice, and a statement is withheld once.

Whoever holds the log looks the referred statement up (firsthand/publishing
does, in its rows) and asks these functions; they raise ``BrokenRule``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firsthand.log.note import Verifier
from firsthand.statements.errors import StatementError
from firsthand.statements.format import Head, Statement

# The kinds that are about a statement of this log, named by its leaf hash.
REFERRING_KINDS = ("correction", "retraction", "withholding")


class BrokenRule(StatementError):
    """A rule of this module the statement breaks. ``message`` has ``{name}`` places that
    ``values`` fill (so a server can say it in its reader's language)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values


class NotThisKey(BrokenRule):
    """Signed by a key that may not say this (a withholding not by the operator key)."""


class AlreadyDone(BrokenRule):
    """What the statement asks is already done otherwise (withheld by another notice)."""


@dataclass(frozen=True)
class Referred:
    """What the log holds of the statement another one refers to."""

    index: int
    kind: str
    author_key: str  # verifier key text: name+hhhhhhhh+base64
    author_key_id: str  # hex
    withheld_by_leaf: str | None = None  # the notice that withholds it, if any: its leaf hash
    withheld_by_index: int | None = None  # and its index


def referred_leaf(head: Head) -> str | None:
    """The leaf hash (hex) of the logged statement ``head`` is about, for the kinds that are
    about one (REFERRING_KINDS); None for the others."""
    if head.kind not in REFERRING_KINDS:
        return None
    return next(r.sha256 for r in head.refers if r.kind == "leaf")  # format checked: one


def check_referred(
    statement: Statement, referred: Referred | None, operator: Callable[[], Verifier]
) -> None:
    """Whether ``statement`` may be about ``referred`` (None: not a statement of this log).
    ``operator`` gives the log's operator key, asked only for a withholding."""
    head = statement.head
    if referred is None:
        raise BrokenRule(
            "the {kind} refers to leaf:{leaf}, which is not a statement in this log",
            kind=head.kind,
            leaf=referred_leaf(head),
        )
    if head.kind == "withholding":
        check_withholding(statement, referred, operator())
        return
    if referred.author_key != head.author.text():
        raise BrokenRule(
            "a {kind} must be signed by the key that signed the statement it refers to "
            "(key ID {key_id}), not by key ID {other}",
            kind=head.kind,
            key_id=referred.author_key_id,
            other=head.author.key_id.hex(),
        )


def check_withholding(notice: Statement, referred: Referred, operator: Verifier) -> None:
    """Only the operator withholds; a notice is never withheld; a statement is withheld once
    (the same notice sent again is not a second withholding)."""
    if notice.head.author != operator:
        raise NotThisKey(
            "only this log's operator key may withhold a statement "
            "(key ID {key_id}); the operator uses “firsthand withhold”",
            key_id=operator.key_id.hex(),
        )
    if referred.kind == "withholding":
        raise BrokenRule("a withholding notice cannot itself be withheld")
    if referred.withheld_by_leaf is not None and referred.withheld_by_leaf != (
        notice.leaf_hash.hex()
    ):
        raise AlreadyDone(
            "statement {index} is already withheld by notice {notice}",
            index=referred.index,
            notice=referred.withheld_by_index,
        )
