"""Authors as this site knows them: by fingerprint, with their key chain and look-alikes.

An author is a public key, named by its fingerprint (statements/identity.py). Names
are labels the key's holder chose; the site never looks an author up by a name or by
the 32-bit C2SP key ID, except to list every key an old /authors/<key ID> link, or a
name typed into "who said it?", may mean.

The key chain follows key rotations forward. docs/statement-format.md states the
rules; in short, a rotation from key A to key B is followed only if:

1. it is two-way: signed by A and by B (format.rotation_is_two_way), so B's holder
   accepted it; a one-way rotation (logged before two-way rotations were required)
   is shown but never followed, since anyone can name anyone's key as their new one;
2. it is A's first two-way rotation in log order (a later one, from a stolen A, is
   shown, not followed);
3. it is the first two-way rotation in log order that names B: a key is claimed by
   at most one chain;
4. B signed nothing in this log before it: a rotation names a fresh key.

A key certified as a device (devices.py) is claimed by that certification: it speaks
for its identity and hands nothing over, so no rotation or recovery from it is followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from firsthand.log.note import parse_note
from firsthand.publishing.listings import skeleton_hashes
from firsthand.statements.format import device_accepted, parse_head_text, rotation_is_two_way
from firsthand.web.api.models import AuthorLabel, PublishedStatement
from firsthand.web.api.once_per_request import once_per_request
from firsthand.web.api.revocations import (
    Recovered,
    Revoked,
    first_recovery,
    recoveries_naming,
    revoked,
)
from firsthand.web.api.succession_rows import is_device_key

# How far a chain is followed: far beyond any real author's number of keys, and a
# bound on the work one page can ask for.
MAX_CHAIN = 64


@dataclass(frozen=True)
class Handover:
    """Where a key chain goes next: a two-way rotation or a recovery, logged at ``index``."""

    index: int
    old: str
    new: str
    kind: str  # "key-rotation" or "recovery"


@once_per_request
def followed_rotation(author: str) -> Handover | None:
    """The handover from key ``author`` (a fingerprint) that the chain follows, if any.

    The first in log order of: the key's first two-way rotation (rules 1-4 above), made
    before any point its author revoked it from; and its first valid recovery
    (revocations.py). A rotation made at or after that point is the thief's.
    """
    if is_device_key(author):
        return None  # a device cannot rotate or recover the identity (docs/recovery.md)
    rotation = _followed_rotation(author, revoked([author]).get(author))
    recovery = first_recovery(author)
    if recovery is not None and _first_claim(recovery.new) != recovery.index:
        recovery = None  # another chain claimed the new key first (rule 3)
    handovers = [h for h in (rotation, recovery) if h is not None]
    if not handovers:
        return None
    first = min(handovers, key=lambda h: h.index)
    if isinstance(first, Recovered):
        return Handover(first.index, first.old, first.new, "recovery")
    return first


def _followed_rotation(author: str, cutoff: Revoked | None) -> Handover | None:
    logged = PublishedStatement.objects.filter(index__isnull=False)
    rotations = logged.filter(kind="key-rotation", author_fingerprint=author).order_by("index")
    if cutoff is not None:
        rotations = rotations.filter(index__lt=cutoff.since)
    for rotation in rotations.only("index", "head", "subject_fingerprint")[:MAX_CHAIN]:
        if not rotation_is_two_way(rotation.head.encode("utf-8")):
            continue  # one-way: shown on the page, never followed (rule 1)
        assert rotation.index is not None
        new = rotation.subject_fingerprint
        if _first_claim(new) != rotation.index:
            return None  # another chain claimed the new key first (rule 3)
        if logged.filter(author_fingerprint=new, index__lt=rotation.index).exists():
            return None  # the new key had signed before: not a fresh key (rule 4)
        return Handover(rotation.index, author, new, "key-rotation")  # rule 2
    return None


@once_per_request
def _first_claim(new: str) -> int | None:
    """The log index of the first two-way rotation or valid recovery naming ``new`` as new."""
    logged = PublishedStatement.objects.filter(index__isnull=False)
    claims = logged.filter(kind="key-rotation", subject_fingerprint=new).order_by("index")
    first = None
    for claim in claims.only("index", "head")[:MAX_CHAIN]:
        if rotation_is_two_way(claim.head.encode("utf-8")):
            first = claim.index
            break
    recovered = recoveries_naming(new)
    if recovered and (first is None or recovered[0].index < first):
        first = recovered[0].index
    devices = logged.filter(kind="device", subject_fingerprint=new).order_by("index")
    for device in devices.only("index", "head")[:MAX_CHAIN]:
        if first is not None and device.index is not None and device.index > first:
            break
        note = parse_note(device.head.encode("utf-8"))
        if device_accepted(parse_head_text(note.text), note):
            return device.index  # a device is claimed too: no chain may take it after
    return first


@once_per_request
def key_chain(author: str) -> list[tuple[str, int]]:
    """The key and its successors: (fingerprint, log index from which its statements count)."""
    chain = [(author, 0)]
    seen = {author}
    while len(chain) < MAX_CHAIN:
        handover = followed_rotation(chain[-1][0])
        if handover is None or handover.new in seen:
            return chain
        chain.append((handover.new, handover.index + 1))
        seen.add(handover.new)
    return chain


@once_per_request
def predecessor(author: str) -> str | None:
    """The key whose followed handover (rotation or recovery) leads to ``author``, if any."""
    first = _first_claim(author)
    if first is None:
        return None
    row = PublishedStatement.objects.filter(index=first).first()
    if row is None:
        return None
    recovered = row.kind in ("recovery", "social-recovery")
    old = row.subject_fingerprint if recovered else row.author_fingerprint
    followed = followed_rotation(old)
    if followed is None or followed.index != first:
        return None
    return old


@dataclass(frozen=True)
class KnownKey:
    """A key this site holds statements by: for lists of keys a short ID or name may mean."""

    fingerprint: str
    key: str  # its verifier key text, as its newest statement carries it
    name: str
    statements: int


def keys_with_key_id(key_id: str) -> list[KnownKey]:
    """Every key whose C2SP key ID is ``key_id`` (8 hex): an old author link may mean any."""
    return _known_keys(PublishedStatement.objects.filter(author_key_id=key_id.lower()))


def keys_named(name: str) -> list[KnownKey]:
    """Every key whose name is exactly ``name`` (no case folding: a name is not an identity)."""
    if "\x00" in name:  # no key's name holds one, and PostgreSQL's text cannot even be asked
        return []
    rows = PublishedStatement.objects.filter(author_key__startswith=name + "+")
    return [k for k in _known_keys(rows) if k.name == name]


def keys_with_display_name(name: str) -> list[KnownKey]:
    """Every key whose signed profile gave exactly ``name`` as its display name."""
    if "\x00" in name:  # as in keys_named: no display name holds one
        return []
    labels = AuthorLabel.objects.filter(is_display_name=True, label=name)
    fingerprints = set(labels.values_list("fingerprint", flat=True)[:MAX_CHAIN])
    if not fingerprints:
        return []
    return _known_keys(PublishedStatement.objects.filter(author_fingerprint__in=fingerprints))


def _known_keys(rows: QuerySet[PublishedStatement]) -> list[KnownKey]:
    found: dict[str, KnownKey] = {}
    logged = rows.filter(index__isnull=False).order_by("-index")
    for fp, key in logged.values_list("author_fingerprint", "author_key")[:10_000]:
        known = found.get(fp)
        if known is None:
            found[fp] = KnownKey(fp, key, key.split("+", 1)[0], 1)
        else:
            found[fp] = KnownKey(fp, known.key, known.name, known.statements + 1)
    return sorted(found.values(), key=lambda k: (-k.statements, k.fingerprint))


@dataclass(frozen=True)
class LookAlike:
    """Another author whose name looks like one of this author's."""

    fingerprint: str
    label: str  # the other author's name that looks alike
    mine: str  # this author's name it looks like


def look_alikes(author: str) -> list[LookAlike]:
    """Other authors here whose key name or display name looks like one of ``author``'s."""
    mine = list(AuthorLabel.objects.filter(fingerprint=author)[:MAX_CHAIN])
    exact = {label.skeleton_hash: label.label for label in mine}
    folded = {label.folded_skeleton_hash: label.label for label in mine}
    if not mine:
        return []
    others = (
        AuthorLabel.objects.filter(
            Q(skeleton_hash__in=list(exact)) | Q(folded_skeleton_hash__in=list(folded))
        )
        .exclude(fingerprint=author)
        .order_by("fingerprint", "label")[:MAX_CHAIN]
    )
    return [
        LookAlike(
            o.fingerprint,
            o.label,
            exact.get(o.skeleton_hash) or folded[o.folded_skeleton_hash],
        )
        for o in others
    ]


def look_alikes_of_name(name: str, author: str) -> list[LookAlike]:
    """Authors other than ``author`` whose names look like ``name``."""
    exact, folded = skeleton_hashes(name)
    others = (
        AuthorLabel.objects.filter(Q(skeleton_hash=exact) | Q(folded_skeleton_hash=folded))
        .exclude(fingerprint=author)
        .order_by("fingerprint", "label")[:MAX_CHAIN]
    )
    return [LookAlike(o.fingerprint, o.label, name) for o in others]
