"""Who speaks for an identity after a loss: trusted contacts (k of n) and device keys.

Pure rules over the log's history, given as plain data (``Logged``), in log order;
the site (web/api/succession.py) fetches the rows and asks. docs/recovery.md states
the rules for readers; in short:

**Trusted contacts.** A ``contacts`` statement by key K names n contacts (other
people's keys) and a threshold k. A ``social-recovery`` of K is authored by the new
key and co-signed by contacts; it moves K's identity to the new key, and revokes K
(from its ``from``, or its own index), when at least k of the contacts in force
signed it. The contacts in force are those of K's latest ``contacts`` statement
logged *before K's revocation point*, so a thief who holds K and names contacts of
their own after the theft cannot use them once the author has revoked K from the
theft on. Candidate revocations are weighed in order of the point they revoke from
(``since``, then log index): the earliest point settles first, so the author, who can
date a revocation back to the theft, always comes before a thief, who cannot date one
before his own contacts statement. A contact counts once, and not at all when its own
key was reported stolen at or before the recovery's index.

**Devices.** A ``device`` statement by identity key I, co-signed by the device key D
(two-way), lets D speak as I: D's statements are shown as I's, "from device D". It
counts when it is the first claim of D in the log, D signed nothing before it, I is
not itself a device, and I was not revoked before it (a thief's device does not
count). A device cannot rotate, recover or certify devices. A ``device-revocation`` of
D by D itself (from its own index) or by I or a later key of I's chain (from its
``from``, or its own index) makes D's statements from then on stolen-key statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# A point no statement reaches: "not revoked".
NEVER = 2**63


@dataclass(frozen=True)
class Logged:
    """One logged statement, as these rules need it: keys by fingerprint."""

    index: int
    kind: str
    author: str
    subject: str | None = None
    new_key: str | None = None
    revoked_from: int | None = None
    contacts: tuple[str, ...] = ()
    threshold: int | None = None
    # Keys besides the author whose signature lines verify: a rotation's or recovery's
    # new key, a device statement's device key, a social recovery's contacts.
    cosigned: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Contacts:
    """The trusted contacts in force: who may recover a key, and how many must."""

    index: int  # the contacts statement that names them
    contacts: frozenset[str]
    threshold: int


@dataclass(frozen=True)
class Revocation:
    """A valid revocation, recovery or social recovery of a key."""

    since: int  # the key's statements at this index or later are not the author's
    by_index: int
    kind: str
    new_key: str | None = None  # for a recovery or social recovery: who continues
    by_recovery_key: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a social recovery or a device does not count, in words a person can act on.

    ``template`` is English with ``{name}`` places for ``values``: the site translates the
    template (it is the catalogue's msgid) and then fills the places."""

    template: str
    values: Mapping[str, int] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return self.template.format(**self.values)


def _since(row: Logged) -> int:
    return row.index if row.revoked_from is None else min(row.revoked_from, row.index)


def contacts_in_force(history: Iterable[Logged], key: str, before: int) -> Contacts | None:
    """The contacts of ``key``'s latest ``contacts`` statement logged before ``before``."""
    latest = None
    for row in history:
        if (
            row.kind == "contacts"
            and row.author == key
            and row.index < before
            and (latest is None or row.index > latest.index)
        ):
            latest = row
    if latest is None or latest.threshold is None:
        return None
    return Contacts(latest.index, frozenset(latest.contacts), latest.threshold)


def counted_contacts(
    recovery: Logged, contacts: Contacts, contact_revoked_at: Mapping[str, int]
) -> frozenset[str]:
    """The contacts whose signatures count toward a social recovery's threshold.

    Named in the contacts in force, listed by the recovery, signed (``cosigned``: each
    counts once however many lines it has), and not reported stolen at or before the
    recovery's index.
    """
    return frozenset(
        c
        for c in set(recovery.contacts) & recovery.cosigned & contacts.contacts
        if contact_revoked_at.get(c, NEVER) > recovery.index
    )


def social_recovery_refusal(
    recovery: Logged,
    contacts: Contacts | None,
    contact_revoked_at: Mapping[str, int],
) -> Refusal | None:
    """None if ``recovery`` counts given the contacts in force, else why not."""
    if contacts is None:
        return Refusal(
            "the lost key named no trusted contacts (a contacts statement) before the point "
            "it is revoked from"
        )
    counted = counted_contacts(recovery, contacts, contact_revoked_at)
    if len(counted) < contacts.threshold:
        return Refusal(
            "{counted} of the trusted contacts in force (statement {index}) signed, and "
            "{threshold} must; a contact counts once, and not if its own key was reported "
            "stolen before the recovery",
            {"counted": len(counted), "index": contacts.index, "threshold": contacts.threshold},
        )
    return None


def revocations_of(
    key: str,
    history: Sequence[Logged],
    recovery_key: str | None,
    contact_revoked_at: Mapping[str, int],
) -> list[Revocation]:
    """Every valid revocation, recovery and social recovery of ``key``, by since then index.

    ``history`` holds at least the revocations, recoveries and social recoveries naming
    ``key`` and ``key``'s contacts statements; ``recovery_key`` is the recovery key its
    first statement named; ``contact_revoked_at`` the revocation point of each contact.
    """
    candidates = sorted(
        (r for r in history if r.subject == key and r.kind in _REVOKING),
        key=lambda r: (_since(r), r.index),
    )
    valid: list[Revocation] = []
    point = NEVER
    for row in candidates:
        found = _weigh(row, key, history, recovery_key, contact_revoked_at, point)
        if found is not None:
            valid.append(found)
            point = min(point, found.since)
    return valid


_REVOKING = frozenset({"revocation", "recovery", "social-recovery"})


def _weigh(
    row: Logged,
    key: str,
    history: Sequence[Logged],
    recovery_key: str | None,
    contact_revoked_at: Mapping[str, int],
    point: int,
) -> Revocation | None:
    if row.kind == "revocation" and row.author == key:
        return Revocation(row.index, row.index, row.kind)  # by the key itself: from now on
    if row.kind in ("revocation", "recovery"):
        if recovery_key is None or row.author != recovery_key:
            return None
        if row.kind == "recovery" and (row.new_key is None or row.new_key not in row.cosigned):
            return None
        return Revocation(_since(row), row.index, row.kind, row.new_key, by_recovery_key=True)
    # A social recovery: the contacts in force before the earliest point settled so far.
    contacts = contacts_in_force(history, key, min(point, _since(row)))
    if social_recovery_refusal(row, contacts, contact_revoked_at) is not None:
        return None
    return Revocation(_since(row), row.index, row.kind, row.author)


def revocation_point(revocations: Iterable[Revocation]) -> int | None:
    """The earliest point among valid revocations: from there, not the author's words."""
    return min((r.since for r in revocations), default=None)


def first_recovery(revocations: Iterable[Revocation]) -> Revocation | None:
    """The first recovery or social recovery in log order: the identity's handover."""
    handovers = [r for r in revocations if r.new_key is not None]
    return min(handovers, key=lambda r: r.by_index, default=None)


@dataclass(frozen=True)
class Device:
    """A device key certified by an identity key."""

    key: str
    identity: str  # the key that certified it
    index: int  # the certification; the device speaks for the identity after it
    revoked_since: int | None = None
    revoked_by: int | None = None


def device_refusal(
    certification: Logged,
    history: Sequence[Logged],
    *,
    revoked_at: Callable[[str], int | None],
) -> Refusal | None:
    """None if a ``device`` statement makes its subject a device of its author, else why not.

    ``history`` holds at least the statements authored by the device key and by the
    certifier, the claims on the device key (rotations, recoveries, social recoveries
    and device statements naming it) and the device statements naming the certifier.
    """
    device, identity, at = certification.subject, certification.author, certification.index
    if device is None or device not in certification.cosigned:
        return Refusal("the device key did not sign it: a device is added by both keys")
    if any(r.author == device and r.index < at for r in history):
        return Refusal("the device key signed statements before: a device key is a fresh key")
    if any(_claims(r, device) and r.index < at for r in history):
        return Refusal("the device key was claimed before, by a rotation, recovery or device")
    if is_device(identity, history, before=at):
        return Refusal("a device cannot add devices: only the identity key can")
    point = revoked_at(identity)
    if point is not None and at >= point:
        return Refusal("the identity key was reported stolen before: a thief's device")
    return None


def _claims(row: Logged, key: str) -> bool:
    """Whether ``row`` hands ``key`` a role: new key of a handover, or a device."""
    if row.kind in ("key-rotation", "recovery"):
        return row.new_key == key and key in row.cosigned
    if row.kind == "social-recovery":
        return row.author == key
    return row.kind == "device" and row.subject == key and key in row.cosigned


def is_device(key: str, history: Sequence[Logged], *, before: int = NEVER) -> bool:
    """Whether a two-way device statement naming ``key`` was logged before ``before``.

    Only the first claim of a key can make it a device, and a device certified by a
    device is none; this cheaper test is what "a device cannot ..." rules need: a key
    that anyone co-signed into being a device has given up rotating and certifying.
    """
    return any(
        r.kind == "device" and r.subject == key and key in r.cosigned and r.index < before
        for r in history
    )


def device_of(
    key: str,
    history: Sequence[Logged],
    *,
    revoked_at: Callable[[str], int | None],
    chain_of: Callable[[str], Sequence[tuple[str, int]]],
) -> Device | None:
    """The identity ``key`` is a device of, with the point it was revoked from, if any.

    ``revoked_at`` gives a key's revocation point (revocations_of), ``chain_of`` an
    identity key's chain (it and its successors, with the index each counts from).
    """
    certifications = sorted(
        (r for r in history if r.kind == "device" and r.subject == key), key=lambda r: r.index
    )
    for certification in certifications:
        if key not in certification.cosigned:
            continue
        if device_refusal(certification, history, revoked_at=revoked_at) is not None:
            return None  # the first two-way claim decides: a key is claimed once
        device = Device(key, certification.author, certification.index)
        return _with_revocation(device, history, revoked_at=revoked_at, chain_of=chain_of)
    return None


def _with_revocation(
    device: Device,
    history: Sequence[Logged],
    *,
    revoked_at: Callable[[str], int | None],
    chain_of: Callable[[str], Sequence[tuple[str, int]]],
) -> Device:
    chain = dict(chain_of(device.identity))
    point: tuple[int, int] | None = None
    for row in history:
        if row.kind not in ("device-revocation", "revocation") or row.subject != device.key:
            continue
        if row.author == device.key:
            found = (row.index, row.index)  # the device itself: from now on
        elif row.kind == "device-revocation" and _speaks_for(row, chain, revoked_at):
            found = (_since(row), row.index)
        else:
            continue
        if point is None or found < point:
            point = found
    if point is None:
        return device
    return Device(device.key, device.identity, device.index, point[0], point[1])


def _speaks_for(
    row: Logged, chain: Mapping[str, int], revoked_at: Callable[[str], int | None]
) -> bool:
    """Whether ``row``'s author is a key of the identity's chain, in charge at its index."""
    start = chain.get(row.author)
    if start is None or row.index < start:
        return False
    point = revoked_at(row.author)
    return point is None or row.index < point
