"""Keys their authors reported stolen or lost: revocations and recoveries, in log order.

docs/statement-format.md ("Recovery and revocation") states the rules; in short:

1. A key's **recovery key** is the one its first logged statement names (``recovery``);
   a later ``recovery`` line is ignored, so a thief holding the key cannot add one.
2. A **revocation** of key K is valid when signed by K itself (K is revoked from the
   revocation's own index: "from now"; a ``from`` is refused) or by K's recovery key
   (from its ``from`` index, or its own index without one).
3. A **recovery** of K, signed by K's recovery key and by the new key, revokes K the
   same way and hands the identity over to the new key from its own index.
4. K's statements logged at or after the earliest valid revocation point are not the
   author's: pages, feeds, the API and checks show them as signed by a key the author
   reported stolen. Earlier ones stay the author's.
5. A rotation K made at or after that point is not followed (the thief's rotation);
   a valid recovery is, as the first handover in log order.
6. A **social recovery** of K, by the new key and k of the trusted contacts K named
   before its revocation point, counts as a recovery does (statements/succession.py
   states the rules; docs/recovery.md, "Trusted contacts").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from firsthand.log.note import parse_note
from firsthand.statements.bundle_revocations import LoggedHead
from firsthand.statements.format import Head, new_key_accepted, parse_head_text
from firsthand.statements.identity import fingerprint
from firsthand.statements.succession import (
    NEVER,
    Contacts,
    Revocation,
    contacts_in_force,
    revocations_of,
)
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.once_per_request import once_per_request
from firsthand.web.api.succession_rows import (
    contacts_statements,
    revocation_history,
    subjects_with_social_recoveries,
)

# Revocations and recoveries looked at per key: far beyond a real author's, and a bound.
MAX_PER_KEY = 64
REVOKING_KINDS = ("revocation", "recovery")


def _head(row: PublishedStatement) -> Head:
    return parse_head_text(parse_note(row.head.encode("utf-8")).text)


@once_per_request
def recovery_key_of(author: str) -> str | None:
    """The fingerprint of the recovery key ``author``'s first logged statement names."""
    first = (
        PublishedStatement.objects.filter(index__isnull=False, author_fingerprint=author)
        .order_by("index")
        .only("head")
        .first()
    )
    if first is None:
        return None
    recovery = _head(first).recovery
    return None if recovery is None else fingerprint(recovery)


@dataclass(frozen=True)
class Revoked:
    """A key reported stolen or lost: from which log index its statements are not the author's."""

    since: int  # statements by the key at this index or later are not the author's
    by_index: int  # the revocation or recovery that says so
    by_recovery_key: bool


def valid_revocation(row: PublishedStatement, recovery: str | None) -> Revoked | None:
    """What one logged revocation or recovery of its subject establishes, if it is valid."""
    if row.index is None or row.kind not in REVOKING_KINDS:
        return None
    head = _head(row)
    if row.kind == "revocation" and row.author_fingerprint == row.subject_fingerprint:
        return Revoked(row.index, row.index, False)  # by the key itself: from now on
    if recovery is None or row.author_fingerprint != recovery:
        return None  # someone else's word about this key: shown, never obeyed
    if row.kind == "recovery" and not new_key_accepted(head, parse_note(row.head.encode())):
        return None
    since = row.index if head.revoked_from is None else min(head.revoked_from, row.index)
    return Revoked(since, row.index, True)


@once_per_request
def revoked(authors: Iterable[str], *, with_contacts: bool = True) -> dict[str, Revoked]:
    """For each of these keys the author reported stolen or lost, the earliest valid point.

    ``with_contacts`` weighs social recoveries too; it is off only for the contacts of a
    key being recovered, whose own social recoveries are not weighed (one level deep).
    """
    wanted = set(authors)
    if not wanted:
        return {}
    rows = list(
        PublishedStatement.objects.filter(
            index__isnull=False, kind__in=REVOKING_KINDS, subject_fingerprint__in=wanted
        ).order_by("index")[: MAX_PER_KEY * len(wanted)]
    )
    found: dict[str, Revoked] = {}
    recoveries: dict[str, str | None] = {}
    for row in rows:
        subject = row.subject_fingerprint
        if subject not in recoveries:
            recoveries[subject] = recovery_key_of(subject)
        point = valid_revocation(row, recoveries[subject])
        if point is not None and (subject not in found or point.since < found[subject].since):
            found[subject] = point
    if with_contacts:
        for subject in subjects_with_social_recoveries(wanted):
            earliest = min(all_revocations(subject), key=lambda r: r.since, default=None)
            if earliest is None:
                found.pop(subject, None)
            else:
                found[subject] = Revoked(
                    earliest.since, earliest.by_index, earliest.by_recovery_key
                )
    return found


@once_per_request
def trusted_contacts(key: str) -> Contacts | None:
    """The contacts in force for ``key``: its latest contacts statement before any point its
    author revoked it from (a thief's, after that point, is not the author's)."""
    point = revoked([key]).get(key)
    return contacts_in_force(contacts_statements(key), key, NEVER if point is None else point.since)


@once_per_request
def all_revocations(key: str) -> list[Revocation]:
    """Every valid revocation, recovery and social recovery of ``key`` (succession.py)."""
    history = revocation_history(key)
    named = {c for row in contacts_statements(key) for c in row.contacts}
    contact_points = {c: p.since for c, p in revoked(named, with_contacts=False).items()}
    return revocations_of(key, history, recovery_key_of(key), contact_points)


def is_stolen(row: PublishedStatement, points: dict[str, Revoked]) -> bool:
    """Whether ``row`` was signed by its key at or after the point its author revoked it."""
    point = points.get(row.author_fingerprint)
    return point is not None and row.index is not None and row.index >= point.since


@dataclass(frozen=True)
class Recovered:
    """A valid recovery: the identity of ``old`` continues as ``new`` from ``index`` + 1."""

    index: int
    old: str
    new: str


@once_per_request
def first_recovery(author: str) -> Recovered | None:
    """The first valid recovery or social recovery of key ``author`` in log order, if any."""
    if subjects_with_social_recoveries([author]):
        for found in sorted(all_revocations(author), key=lambda r: r.by_index):
            if found.new_key is not None and _fresh(found):
                return Recovered(found.by_index, author, found.new_key)
        return None
    recovery = recovery_key_of(author)
    if recovery is None:
        return None
    rows = PublishedStatement.objects.filter(
        index__isnull=False,
        kind="recovery",
        subject_fingerprint=author,
        author_fingerprint=recovery,
    ).order_by("index")[:MAX_PER_KEY]
    for row in rows:
        if valid_revocation(row, recovery) is not None:
            new_key = _head(row).new_key
            assert row.index is not None and new_key is not None
            return Recovered(row.index, author, fingerprint(new_key))
    return None


def _fresh(found: Revocation) -> bool:
    """A social recovery hands over to a fresh key: its new key (the author) signed nothing
    before it. A recovery by the recovery key needs no such test: the new key co-signed."""
    if found.kind != "social-recovery" or found.new_key is None:
        return True
    return not PublishedStatement.objects.filter(
        index__lt=found.by_index, author_fingerprint=found.new_key
    ).exists()


@once_per_request
def recoveries_naming(new: str) -> list[Recovered]:
    """Valid recoveries whose new key is ``new``, in log order (a new key is claimed once)."""
    found = _social_recoveries_naming(new)
    rows = PublishedStatement.objects.filter(index__isnull=False, kind="recovery").order_by("index")
    # A recovery names its new key by a `new-key` line, not by a column (subject_fingerprint
    # is the lost key's); when the new key has signed here, its key text narrows the scan to
    # the recoveries whose head holds that key (the rules below still decide).
    signed = (
        PublishedStatement.objects.filter(author_fingerprint=new)
        .values_list("author_key", flat=True)
        .first()
    )
    if signed is not None:
        rows = rows.filter(head__contains="+" + signed.rsplit("+", 1)[-1] + "\n")
    for row in rows.iterator():
        head = _head(row)
        if head.new_key is None or fingerprint(head.new_key) != new:
            continue
        if valid_revocation(row, recovery_key_of(row.subject_fingerprint)) is None:
            continue
        assert row.index is not None
        found.append(Recovered(row.index, row.subject_fingerprint, new))
    return sorted(found, key=lambda r: r.index)


def _social_recoveries_naming(new: str) -> list[Recovered]:
    """Valid social recoveries by ``new`` (their author is the new key), fresh as they must be."""
    rows = PublishedStatement.objects.filter(
        index__isnull=False, kind="social-recovery", author_fingerprint=new
    ).order_by("index")[:MAX_PER_KEY]
    found = []
    for row in rows:
        valid = {r.by_index: r for r in all_revocations(row.subject_fingerprint)}
        match = valid.get(row.index) if row.index is not None else None
        if match is not None and _fresh(match):
            found.append(Recovered(match.by_index, row.subject_fingerprint, new))
    return found


def carried_in_bundles(author: str) -> tuple[list[LoggedHead], LoggedHead | None]:
    """What a bundle of ``author``'s statements carries so that it can tell, offline, that
    the key was reported stolen (statements/bundle_revocations.py): every logged
    revocation and recovery naming the key, in log order, and the key's first statement
    when it names a recovery key. The verifier decides which count, as this module does."""
    rows = PublishedStatement.objects.filter(
        index__isnull=False, kind__in=REVOKING_KINDS, subject_fingerprint=author
    ).order_by("index")[:MAX_PER_KEY]
    revocations = [LoggedHead(r.index, r.head.encode("utf-8")) for r in rows if r.index is not None]
    commitment = None
    if any(r.author_fingerprint != author for r in rows):
        first = (
            PublishedStatement.objects.filter(index__isnull=False, author_fingerprint=author)
            .order_by("index")
            .only("index", "head")
            .first()
        )
        if first is not None and first.index is not None and _head(first).recovery is not None:
            commitment = LoggedHead(first.index, first.head.encode("utf-8"))
    return revocations, commitment
