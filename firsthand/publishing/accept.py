"""Accept: the checks a signed, well-formed statement passes before it is recorded.

A statement reaches this step already read and verified (statements/format.py,
``read_statement``: its size, its format, every signature it needs). What is
left depends on what this site holds, in this order:

1. the history of the author's keys (``KeyHistory``): who may name a recovery
   key, revoke a key or recover it (docs/statement-format.md, "Recovery and
   revocation"). The site answers it from its rows (web/api/key_rules.py);
2. the statement it is about, for a correction, a retraction or a withholding
   (statements/rules.py), looked up in the rows by leaf hash;
3. the media it lists (``HeldMedia``): a head never lists a file no one can fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from firsthand.log.note import Verifier
from firsthand.publishing.errors import Conflict, Forbidden, Refused
from firsthand.publishing.rows import Rows
from firsthand.statements.format import Head, Media, Statement
from firsthand.statements.rules import (
    AlreadyDone,
    BrokenRule,
    NotThisKey,
    check_referred,
    referred_leaf,
)


class KeyHistory(Protocol):
    """The rules on the author's keys that need the log's history; raise to refuse."""

    def check(self, head: Head) -> None: ...


class HeldMedia(Protocol):
    """Whether this site holds every media file a head lists, as listed; raise to refuse."""

    def check(self, media: Sequence[Media]) -> None: ...


def check(
    statement: Statement,
    rows: Rows,
    keys: KeyHistory,
    media: HeldMedia,
    operator: Callable[[], Verifier],
) -> None:
    """Refuse ``statement`` (Refused, or the site's own refusal) unless this site may log it."""
    head = statement.head
    keys.check(head)
    leaf = referred_leaf(head)
    if leaf is not None:
        try:
            check_referred(statement, rows.referred(leaf), operator)
        except NotThisKey as broken:
            raise Forbidden(broken.message, values=broken.values) from None
        except AlreadyDone as broken:
            raise Conflict(broken.message, values=broken.values) from None
        except BrokenRule as broken:
            raise Refused(broken.message, values=broken.values) from None
    media.check(head.media)
