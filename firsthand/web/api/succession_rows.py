"""Logged rows as the succession rules read them (statements/succession.py), and the few
queries that gather them: contacts statements, social recoveries, device statements.

Below revocations.py, authors.py and devices.py, which ask the pure rules with what
these return; nothing here decides who speaks for whom.
"""

from __future__ import annotations

from collections.abc import Iterable

from firsthand.log.note import parse_note
from firsthand.statements.bundle_succession import as_logged
from firsthand.statements.format import parse_head_text
from firsthand.statements.succession import Logged, is_device
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.once_per_request import once_per_request

# Rows looked at per key and question: far beyond a real author's, and a bound on work.
MAX_ROWS = 256


def logged(row: PublishedStatement) -> Logged:
    """The row as plain data: keys by fingerprint, and which co-signatures verify."""
    assert row.index is not None
    note = parse_note(row.head.encode("utf-8"))
    return as_logged(row.index, parse_head_text(note.text), note)


def _logged_rows(**where: object) -> list[Logged]:
    rows = PublishedStatement.objects.filter(index__isnull=False, **where).order_by("index")
    return [logged(row) for row in rows[:MAX_ROWS]]


@once_per_request
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


def device_history(key: str, key_text: str | None = None) -> list[Logged]:
    """What decides whether ``key`` is a device and who revoked it: the statements naming it
    (device statements, claims, device revocations), its first statements, and the
    recoveries naming it as their new key (``key_text`` is its verifier key, when no logged
    device statement names it yet)."""
    naming = _logged_rows(subject_fingerprint=key)
    social = _logged_rows(kind="social-recovery", author_fingerprint=key)[:1]
    return [*naming, *first_statement(key), *social, *recovery_claims(key, key_text)]


def recovery_claims(key: str, key_text: str | None = None) -> list[Logged]:
    """The recoveries that name ``key`` as their new key: each claims it, as a rotation or a
    device statement does (a recovery's subject is the lost key, so subject_fingerprint
    does not find them; its ``new-key`` line, which carries the key's base64, does)."""
    if key_text is None:
        named = (
            PublishedStatement.objects.filter(
                index__isnull=False, kind="device", subject_fingerprint=key
            )
            .only("head")
            .first()
        )
        if named is None:
            return []
        subject = parse_head_text(parse_note(named.head.encode("utf-8")).text).subject
        if subject is None:
            return []
        key_text = subject.text()
    encoded = key_text.rsplit("+", 1)[-1]
    rows = PublishedStatement.objects.filter(
        index__isnull=False, kind="recovery", head__contains=f"+{encoded}\n"
    ).order_by("index")
    return [r for r in (logged(row) for row in rows[:MAX_ROWS]) if r.new_key == key]


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


@once_per_request
def is_device_key(key: str) -> bool:
    """Whether a two-way device statement names ``key``: such a key never rotates or
    recovers an identity, and adds no devices (docs/recovery.md, "Devices")."""
    return is_device(key, certifier_history(key))
