"""Logged rows as the succession rules read them (statements/succession.py), and the few
queries that gather them: contacts statements, social recoveries, device statements.

Below revocations.py, authors.py and devices.py, which ask the pure rules with what
these return; nothing here decides who speaks for whom.
"""

from __future__ import annotations

from collections.abc import Iterable

from firsthand.log.note import parse_note
from firsthand.statements.format import (
    contacts_signed,
    device_accepted,
    fingerprint_of,
    new_key_accepted,
    parse_head_text,
)
from firsthand.statements.succession import Logged, is_device
from firsthand.web.api.models import PublishedStatement

# Rows looked at per key and question: far beyond a real author's, and a bound on work.
MAX_ROWS = 256


def logged(row: PublishedStatement) -> Logged:
    """The row as plain data: keys by fingerprint, and which co-signatures verify."""
    assert row.index is not None
    note = parse_note(row.head.encode("utf-8"))
    head = parse_head_text(note.text)
    cosigned: frozenset[str] = frozenset()
    if head.kind in ("key-rotation", "recovery") and new_key_accepted(head, note):
        assert head.new_key is not None
        cosigned = frozenset({fingerprint_of(head.new_key)})
    elif head.kind == "device" and device_accepted(head, note):
        assert head.subject is not None
        cosigned = frozenset({fingerprint_of(head.subject)})
    elif head.kind == "social-recovery":
        cosigned = contacts_signed(head, note)
    return Logged(
        index=row.index,
        kind=head.kind,
        author=row.author_fingerprint,
        subject=None if head.subject is None else fingerprint_of(head.subject),
        new_key=None if head.new_key is None else fingerprint_of(head.new_key),
        revoked_from=head.revoked_from,
        contacts=tuple(fingerprint_of(c) for c in head.contacts),
        threshold=head.threshold,
        cosigned=cosigned,
    )


def _logged_rows(**where: object) -> list[Logged]:
    rows = PublishedStatement.objects.filter(index__isnull=False, **where).order_by("index")
    return [logged(row) for row in rows[:MAX_ROWS]]


def subjects_with_social_recoveries(keys: Iterable[str]) -> set[str]:
    """Which of these keys a social recovery names: only they need the contacts rules."""
    return set(
        PublishedStatement.objects.filter(
            index__isnull=False, kind="social-recovery", subject_fingerprint__in=set(keys)
        ).values_list("subject_fingerprint", flat=True)[:MAX_ROWS]
    )


def revocation_history(key: str) -> list[Logged]:
    """What decides who revoked or recovered ``key``: the revocations, recoveries and social
    recoveries naming it, and its contacts statements."""
    return [
        *_logged_rows(
            kind__in=("revocation", "recovery", "social-recovery"), subject_fingerprint=key
        ),
        *_logged_rows(kind="contacts", author_fingerprint=key),
    ]


def contacts_statements(key: str) -> list[Logged]:
    """``key``'s contacts statements, in log order."""
    return _logged_rows(kind="contacts", author_fingerprint=key)


def device_history(key: str) -> list[Logged]:
    """What decides whether ``key`` is a device and who revoked it: the statements naming it
    (device statements, claims, device revocations), and its own first statements."""
    naming = _logged_rows(subject_fingerprint=key)
    social = _logged_rows(kind="social-recovery", author_fingerprint=key)[:1]
    return [*naming, *first_statement(key), *social]


def first_statement(key: str) -> list[Logged]:
    """``key``'s first logged statement, if any: whether it signed before some index."""
    first = (
        PublishedStatement.objects.filter(index__isnull=False, author_fingerprint=key)
        .order_by("index")
        .first()
    )
    return [] if first is None else [logged(first)]


def certifier_history(identity: str) -> list[Logged]:
    """The device statements naming ``identity`` as a device: a device cannot add devices."""
    return _logged_rows(kind="device", subject_fingerprint=identity)


def is_device_key(key: str) -> bool:
    """Whether a two-way device statement names ``key``: such a key never rotates or
    recovers an identity, and adds no devices (docs/recovery.md, "Devices")."""
    return is_device(key, certifier_history(key))
