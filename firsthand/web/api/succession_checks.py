"""The logging rules for trusted contacts and devices that depend on the log (docs/recovery.md).

A server refuses (422) what readers would not follow anyway, so that an author learns at
once, in words, why: a social recovery that k of the contacts in force did not sign, a
device added by a device or by a key reported stolen, a device revoked by a stranger,
and anything a device key may not do (rotate, recover, add devices, name contacts).
Readers apply the same rules to what is logged (revocations.py, authors.py, devices.py),
whatever a server accepted.
"""

from __future__ import annotations

from firsthand.statements.format import Head, fingerprint_of
from firsthand.statements.succession import (
    Logged,
    contacts_in_force,
    device_refusal,
    revocation_point,
    revocations_of,
    social_recovery_refusal,
)
from firsthand.web.api.authors import key_chain
from firsthand.web.api.devices import device
from firsthand.web.api.errors import ApiError, say
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.revocations import recovery_key_of, revoked
from firsthand.web.api.succession_rows import (
    certifier_history,
    contacts_statements,
    device_history,
    is_device_key,
    revocation_history,
)

# What a device key may not sign: it speaks for its identity, it does not steer it.
_NOT_FROM_A_DEVICE = ("key-rotation", "contacts", "device", "social-recovery")


def check_succession_rules(head: Head) -> None:
    """Refuse, with a reason, a contacts, social recovery or device statement the log's
    history makes void, and what a device key may not sign.

    ``head`` was read with every logging rule (format.check_new_head): a social recovery
    carries a verifying line by each contact it lists, a device statement the device's.
    """
    author = fingerprint_of(head.author)
    steers = head.kind in _NOT_FROM_A_DEVICE or head.recovery is not None
    if (steers or head.kind == "recovery") and is_device_key(author):
        raise ApiError(
            422,
            say(
                "this key is a device of its author: it signs statements, but cannot "
                "rotate or recover the identity, name contacts or a recovery key, or add "
                "devices; sign those with the identity key"
            ),
        )
    subject = None if head.subject is None else fingerprint_of(head.subject)
    recovers = head.kind in ("recovery", "social-recovery")
    if recovers and subject is not None and is_device_key(subject):
        raise ApiError(
            422,
            say(
                "a device key is not recovered: revoke it (a device revocation) and add "
                "a new device"
            ),
        )
    if head.kind == "social-recovery" and subject is not None:
        _check_social_recovery(head, author, subject)
    elif head.kind == "device" and subject is not None:
        _check_device(head, author, subject)
    elif head.kind == "device-revocation" and subject is not None:
        _check_device_revocation(head, author, subject)


def _next_index() -> int:
    last = PublishedStatement.objects.filter(index__isnull=False).order_by("-index").first()
    return 0 if last is None or last.index is None else last.index + 1


def _candidate(head: Head, index: int) -> Logged:
    # Every co-signer the head names signed it: check_new_head refused it otherwise.
    cosigners = head.contacts if head.kind == "social-recovery" else (head.subject,)
    return Logged(
        index=index,
        kind=head.kind,
        author=fingerprint_of(head.author),
        subject=None if head.subject is None else fingerprint_of(head.subject),
        revoked_from=head.revoked_from,
        contacts=tuple(fingerprint_of(c) for c in head.contacts),
        cosigned=frozenset(fingerprint_of(k) for k in cosigners if k is not None),
    )


def _check_social_recovery(head: Head, author: str, subject: str) -> None:
    if PublishedStatement.objects.filter(index__isnull=False, author_fingerprint=author).exists():
        raise ApiError(
            422,
            say(
                "a social recovery is the new key's first statement: this key has signed "
                "before, and a recovery names a fresh key"
            ),
        )
    candidate = _candidate(head, _next_index())
    history = [*revocation_history(subject), candidate]
    named = {c for row in contacts_statements(subject) for c in row.contacts}
    points = {c: p.since for c, p in revoked(named, with_contacts=False).items()}
    found = revocations_of(subject, history, recovery_key_of(subject), points)
    if any(r.by_index == candidate.index for r in found):
        return
    # Why not, as the rules weighed it: the contacts in force before the earliest point.
    since = min(candidate.index, candidate.revoked_from or candidate.index)
    others = revocation_point(found)
    before = since if others is None else min(since, others)
    refusal = social_recovery_refusal(
        candidate, contacts_in_force(history, subject, before), points
    )
    raise ApiError(
        422,
        say(
            "this social recovery does not count: {reason}",
            reason=(
                say(refusal.template, **refusal.values)
                if refusal is not None
                else say("an earlier revocation decides")
            ),
        ),
    )


def _check_device(head: Head, author: str, subject: str) -> None:
    assert head.subject is not None
    history = [*device_history(subject, head.subject.text()), *certifier_history(author)]
    candidate = _candidate(head, _next_index())

    def revoked_at(key: str) -> int | None:
        point = revoked([key]).get(key)
        return None if point is None else point.since

    refusal = device_refusal(candidate, history, revoked_at=revoked_at)
    if refusal is not None:
        reason = say(refusal.template, **refusal.values)
        raise ApiError(422, say("this device cannot be added: {reason}", reason=reason))


def _check_device_revocation(head: Head, author: str, subject: str) -> None:
    certified = device(subject)
    if certified is None:
        raise ApiError(
            422,
            say("a device revocation names a device key that an identity key added in this log"),
        )
    if author == subject:
        if head.revoked_from is not None:
            raise ApiError(
                422,
                say(
                    "a key revoking itself does so from now on: only its recovery key may say "
                    "from which earlier log index ('from')"
                ),
            )
        return
    chain = dict(key_chain(certified.identity))
    point = revoked([author]).get(author)
    if author not in chain or point is not None:
        raise ApiError(
            422,
            say(
                "a device is revoked by itself, or by the identity key that added it (or the "
                "key that identity moved to), while that key is not reported stolen"
            ),
        )
