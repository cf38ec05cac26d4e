"""What an offline bundle carries so that a reader with no network decides as this site does.

A bundle's ``revocations`` and ``recovery_commitment`` come from revocations.py; its
``succession`` (docs/bundle-format.md, "Succession") from here: the logged statements the
rules of statements/succession.py read to say whether a key was its author's at an index,
beyond the revocations of the key itself. The verifier (statements/bundle_succession.py,
verify.js's succession.js) weighs them with the same rules; this module only gathers them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from firsthand.statements.bundle_revocations import LoggedHead
from firsthand.statements.bundle_succession import MAX_SUCCESSION
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.succession_rows import MAX_ROWS, logged, recovery_claims

_REVOKING = ("revocation", "recovery", "social-recovery")


class _Gathered:
    """Rows by log index, at most MAX_SUCCESSION of them, each gathered once."""

    def __init__(self) -> None:
        self.rows: dict[int, PublishedStatement] = {}

    def add(self, rows: Iterable[PublishedStatement]) -> None:
        for row in rows:
            if row.index is not None and len(self.rows) < MAX_SUCCESSION:
                self.rows.setdefault(row.index, row)


def _logged() -> QuerySet[PublishedStatement]:
    return PublishedStatement.objects.filter(index__isnull=False).only("index", "head")


def _first_statement(key: str) -> list[PublishedStatement]:
    first = _logged().filter(author_fingerprint=key).order_by("index").first()
    return [] if first is None else [first]


def _revocation_evidence(found: _Gathered, key: str, *, with_contacts: bool) -> None:
    """What decides whether ``key`` was revoked: the statements revoking it, its first
    statement (its recovery key), and when a social recovery names it, its contacts
    statements and, one level deep, what decides whether each contact was revoked."""
    kinds = _REVOKING if with_contacts else _REVOKING[:2]
    found.add(
        _logged().filter(kind__in=kinds, subject_fingerprint=key).order_by("index")[:MAX_ROWS]
    )
    found.add(_first_statement(key))
    if not with_contacts:
        return
    if not _logged().filter(kind="social-recovery", subject_fingerprint=key).exists():
        return
    contacts = list(
        _logged().filter(kind="contacts", author_fingerprint=key).order_by("index")[:MAX_ROWS]
    )
    found.add(contacts)
    named: set[str] = set()
    for row in contacts:
        named.update(logged(row).contacts)
    for contact in sorted(named):
        _revocation_evidence(found, contact, with_contacts=False)


def carried_succession(author: str, already: Iterable[int] = ()) -> list[LoggedHead]:
    """The ``succession`` of a bundle of a statement by key ``author``, in log order, less the
    entries ``already`` carried (its revocations and recovery commitment)."""
    found = _Gathered()
    _revocation_evidence(found, author, with_contacts=True)
    certifiers = list(
        _logged()
        .filter(kind="device", subject_fingerprint=author)
        .order_by("index")
        .values_list("author_fingerprint", flat=True)[:MAX_ROWS]
    )
    if certifiers:
        # A device key: its certificates and revocations, the claims on it, the device
        # statements naming its identity, and whether its identity was revoked.
        found.add(_logged().filter(subject_fingerprint=author).order_by("index")[:MAX_ROWS])
        found.add(
            _logged()
            .filter(kind="social-recovery", author_fingerprint=author)
            .order_by("index")[:1]
        )
        claims = {c.index for c in recovery_claims(author)}
        found.add(_logged().filter(index__in=claims))
        for identity in dict.fromkeys(certifiers):
            found.add(
                _logged()
                .filter(kind="device", subject_fingerprint=identity)
                .order_by("index")[:MAX_ROWS]
            )
            _revocation_evidence(found, identity, with_contacts=True)
    skip = set(already)
    return [
        LoggedHead(index, row.head.encode("utf-8"))
        for index, row in sorted(found.rows.items())
        if index not in skip
    ]
