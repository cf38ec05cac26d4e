"""Device keys: one author across their phone and laptop (statements/succession.py).

An identity key certifies a device key in a logged, two-way ``device`` statement; the
device's statements are then shown as the identity's, "from device X", until the device
or the identity revokes it (``device-revocation``). Above revocations.py and authors.py:
a device revocation by a later key of the identity's chain needs the chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from firsthand.log.note import parse_note
from firsthand.statements.format import parse_head_text
from firsthand.statements.succession import Device, device_of
from firsthand.web.api.authors import key_chain
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.once_per_request import once_per_request
from firsthand.web.api.revocations import Revoked, revoked
from firsthand.web.api.succession_rows import MAX_ROWS, certifier_history, device_history


def _revoked_at(key: str) -> int | None:
    point = revoked([key]).get(key)
    return None if point is None else point.since


@once_per_request
def device(key: str) -> Device | None:
    """The identity ``key`` speaks for as a device, and whether it was revoked, if it is one."""
    if not PublishedStatement.objects.filter(
        index__isnull=False, kind="device", subject_fingerprint=key
    ).exists():
        return None  # the common case, in one indexed query
    history = device_history(key)
    certifiers = {row.author for row in history if row.kind == "device"}
    for certifier in certifiers:
        history.extend(certifier_history(certifier))
    return device_of(key, history, revoked_at=_revoked_at, chain_of=key_chain)


@once_per_request
def devices_of(chain: Iterable[str]) -> list[Device]:
    """The devices certified by these keys (an identity's chain), revoked ones included."""
    keys = list(chain)
    subjects = (
        PublishedStatement.objects.filter(
            index__isnull=False, kind="device", author_fingerprint__in=keys
        )
        .order_by("index")
        .values_list("subject_fingerprint", flat=True)[:MAX_ROWS]
    )
    found = []
    for subject in dict.fromkeys(subjects):
        certified = device(subject)
        if certified is not None and certified.identity in keys:
            found.append(certified)
    return found


@once_per_request
def stolen_points(authors: Iterable[str]) -> dict[str, Revoked]:
    """revocations.revoked, and for device keys the point their device was revoked from."""
    wanted = set(authors)
    points = revoked(wanted)
    devices = set(
        PublishedStatement.objects.filter(
            index__isnull=False, kind="device", subject_fingerprint__in=wanted
        ).values_list("subject_fingerprint", flat=True)[:MAX_ROWS]
    )
    for key in devices:
        certified = device(key)
        if certified is None or certified.revoked_since is None:
            continue
        assert certified.revoked_by is not None
        own = points.get(key)
        if own is None or certified.revoked_since < own.since:
            points[key] = Revoked(certified.revoked_since, certified.revoked_by, False)
    return points


@dataclass(frozen=True)
class SpeaksFor:
    """A statement signed by a device key: whose it is shown as."""

    identity: str  # the identity key's fingerprint
    device: str  # the device key's fingerprint
    identity_name: str  # the identity key's name, as its device statement spells it
    device_name: str
    added_by_index: int


@once_per_request
def speaking_for(authors: Iterable[str]) -> dict[str, SpeaksFor]:
    """For each of these keys that is a device, the identity it speaks for."""
    wanted = set(authors)
    candidates = set(
        PublishedStatement.objects.filter(
            index__isnull=False, kind="device", subject_fingerprint__in=wanted
        ).values_list("subject_fingerprint", flat=True)[:MAX_ROWS]
    )
    found = {}
    for key in candidates:
        certified = device(key)
        if certified is None:
            continue
        row = PublishedStatement.objects.filter(index=certified.index).only("head").first()
        assert row is not None
        head = parse_head_text(parse_note(row.head.encode("utf-8")).text)
        assert head.subject is not None
        found[key] = SpeaksFor(
            certified.identity, key, head.author.name, head.subject.name, certified.index
        )
    return found
