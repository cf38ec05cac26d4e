"""Trusted contacts and devices carried in an offline bundle: who spoke for the key.

A statement's key may have been revoked by a social recovery (k of the trusted contacts
co-signing, docs/recovery.md), and the key may be a *device* of an identity, certified
by it and perhaps revoked since. The site decides both with statements/succession.py's
rules over the whole log; a bundle carries the statements those rules read
(``succession``, docs/bundle-format.md), each proved in the bundle's checkpoint, and
this module asks the very same rules about them:

* the key's social recoveries, its ``contacts`` statements, and for each contact its
  revocations, recoveries and first statement (a contact reported stolen does not count);
* for a device key: the ``device`` statements naming it, its device revocations, its
  first statement and the claims on it (a device key is fresh and claimed once), the
  ``device`` statements naming its identity (a device cannot add devices), and the
  identity's revocations with what decides them (a thief's device does not count).

A key's recovery key is the one its earliest carried statement names. What a bundle
leaves out it cannot show: a verdict says how many revocations it counted, as of its
checkpoint, and the statement's page on the site, which reads the whole log, has the
last word. A device revocation by a *later* key of the identity's chain (after a
rotation) needs the chain, which a bundle does not carry: it is not counted offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from firsthand.log.note import Note
from firsthand.statements.format import (
    Head,
    contacts_signed,
    device_accepted,
    fingerprint_of,
    new_key_accepted,
)
from firsthand.statements.succession import (
    Device,
    Logged,
    Revocation,
    device_of,
    revocations_of,
)

# Entries a bundle's ``succession`` may carry: a contact set of 16, each contact's few
# revocations and first statement, a device's few statements; and a bound on the work a
# hostile bundle can ask of a verifier.
MAX_SUCCESSION = 256
_REVOKING = frozenset({"revocation", "recovery"})


def as_logged(index: int, head: Head, note: Note) -> Logged:
    """A logged head as the succession rules read it: keys by fingerprint, and which
    co-signatures verify. The site's rows (web/api/succession_rows.py) read the same way."""
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
        index=index,
        kind=head.kind,
        author=fingerprint_of(head.author),
        subject=None if head.subject is None else fingerprint_of(head.subject),
        new_key=None if head.new_key is None else fingerprint_of(head.new_key),
        revoked_from=head.revoked_from,
        contacts=tuple(fingerprint_of(c) for c in head.contacts),
        threshold=head.threshold,
        cosigned=cosigned,
    )


@dataclass(frozen=True)
class Carried:
    """Everything a bundle carries about who spoke for keys, as logged rows."""

    rows: Sequence[Logged]
    # key -> (its recovery key, the index of the statement that named it)
    commitments: dict[str, tuple[str, int]]

    def recovery_key(self, key: str) -> str | None:
        found = self.commitments.get(key)
        return None if found is None else found[0]

    def _history(self, key: str, *, with_social: bool) -> list[Logged]:
        """The rows that may revoke ``key``: a revocation by its recovery key counts only
        after the statement that committed to it (bundle_revocations.py's rule)."""
        committed = self.commitments.get(key)
        kept = []
        for row in self.rows:
            if row.kind == "social-recovery" and not with_social:
                continue
            if (
                row.kind in _REVOKING
                and row.subject == key
                and row.author != key
                and committed is not None
                and row.author == committed[0]
                and row.index <= committed[1]
            ):
                continue
            kept.append(row)
        return kept

    def revocations(self, key: str) -> list[Revocation]:
        """The valid revocations of ``key`` (social recoveries weighed, contacts one deep)."""
        contacts = {
            c
            for row in self.rows
            if row.kind == "contacts" and row.author == key
            for c in row.contacts
        }
        contact_points = {}
        for contact in contacts:
            found = revocations_of(
                contact,
                self._history(contact, with_social=False),
                self.recovery_key(contact),
                {},
            )
            if found:
                contact_points[contact] = min(r.since for r in found)
        return revocations_of(
            key, self._history(key, with_social=True), self.recovery_key(key), contact_points
        )

    def revoked_at(self, key: str) -> int | None:
        return min((r.since for r in self.revocations(key)), default=None)

    def device(self, key: str) -> Device | None:
        """The identity ``key`` is a device of, by what the bundle carries. Only the
        identity key itself is taken as its chain: a bundle carries no rotations."""
        return device_of(key, self.rows, revoked_at=self.revoked_at, chain_of=lambda i: [(i, 0)])


def carried(rows: Sequence[Logged], heads: dict[int, Head]) -> Carried:
    """The carried rows, with each key's recovery key from its earliest carried statement."""
    earliest: dict[str, Logged] = {}
    for row in sorted(rows, key=lambda r: r.index):
        earliest.setdefault(row.author, row)
    commitments = {}
    for author, row in earliest.items():
        recovery = heads[row.index].recovery
        if recovery is not None:
            commitments[author] = (fingerprint_of(recovery), row.index)
    return Carried(tuple(sorted(rows, key=lambda r: r.index)), commitments)
