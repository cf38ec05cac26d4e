"""Revocations carried in an offline bundle: did the author report this key stolen?

A bundle proves one statement. If its author later reported the key stolen or lost
(docs/recovery.md), a reader holding only the bundle must learn it too, so a bundle
carries (docs/bundle-format.md, "Revocations"):

* ``revocations``: the logged ``revocation`` and ``recovery`` statements whose
  ``subject`` is the statement's key, each head with its own inclusion proof under the
  bundle's checkpoint;
* ``recovery_commitment``: the key's first logged statement, when it names a recovery
  key (``recovery`` line), with its inclusion proof: a revocation by that recovery key
  counts only if the key itself committed to it.

The rules are docs/recovery.md's, applied to what the bundle carries:

1. a revocation signed by the key itself counts from its own index ("from now on");
2. a revocation or a recovery signed by the committed recovery key counts from its
   ``from`` (or its own index, whichever is smaller); a recovery must also be signed by
   its new key;
3. anything else (a third key's word) is carried but not counted;
4. the statement is a *stolen-key statement* when its index is at or after the
   smallest point counted.

Beside them a bundle carries ``succession`` (bundle_succession.py): social recoveries
with the contacts they rely on, and for a device key its certificate and revocations.
All of it is weighed together by statements/succession.py's rules, the site's own.

A bundle cannot prove that nothing was left out: whoever hands it over can drop a
revocation. So the verdict says how many it counted "as of the checkpoint", and the
statement's page on the site, which reads the whole log, has the last word.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from firsthand.log import merkle
from firsthand.log.checkpoint import Checkpoint
from firsthand.log.errors import InvalidProof, LogError
from firsthand.log.note import Verifier
from firsthand.log.reader import LogReader
from firsthand.statements.bundle_succession import MAX_SUCCESSION, Carried, as_logged
from firsthand.statements.bundle_succession import carried as carried_rows
from firsthand.statements.errors import BundleError
from firsthand.statements.format import Head, fingerprint_of, open_head
from firsthand.statements.succession import Logged

CHECK = "revocations"
# Revocations a bundle may carry: far beyond a real author's (the site keeps 64 per key),
# and a bound on the work a hostile bundle can ask of a verifier.
MAX_REVOCATIONS = 64
_REVOKING = ("revocation", "recovery")


@dataclass(frozen=True)
class LoggedHead:
    """A logged entry a bundle carries beside its statement: its index and signed head."""

    index: int
    head: bytes


def revocation_fields(
    reader: LogReader,
    size: int,
    revocations: Sequence[LoggedHead],
    commitment: LoggedHead | None,
    succession: Sequence[LoggedHead] = (),
) -> dict[str, Any]:
    """The bundle's ``revocations``, ``recovery_commitment`` and ``succession`` (the social
    recoveries, contacts and device statements that decide who spoke for the key), each
    proved in the tree of ``size``."""

    def entry(logged: LoggedHead) -> dict[str, Any]:
        if reader.entry(logged.index) != logged.head:
            raise BundleError(f"entry {logged.index} of the log is not the statement given")
        proof = reader.inclusion_proof(logged.index, size)
        return {
            "index": logged.index,
            "head": logged.head.decode("utf-8"),
            "inclusion_proof": [base64.b64encode(h).decode() for h in proof],
        }

    return {
        "revocations": [entry(r) for r in revocations[:MAX_REVOCATIONS]],
        "recovery_commitment": None if commitment is None else entry(commitment),
        "succession": [entry(r) for r in succession[:MAX_SUCCESSION]],
    }


@dataclass(frozen=True)
class StolenKey:
    """The statement was signed at or after the point its author revoked the key."""

    since: int  # the key's statements at this index or later are not the author's
    by_index: int  # the revocation or recovery that says so
    by_recovery_key: bool
    # revocation, recovery, social-recovery, or device-revocation (of a device key)
    kind: str = "revocation"

    def message(self) -> str:
        return (
            f"signed by a key its author reported stolen or lost from log entry {self.since} "
            f"on (statement {self.by_index})"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "by_index": self.by_index,
            "by_recovery_key": self.by_recovery_key,
            "kind": self.kind,
            "message": self.message(),
        }


@dataclass(frozen=True)
class SpeaksFor:
    """The statement's key is a device key its identity certified (docs/recovery.md)."""

    identity: Verifier
    device: Verifier
    certified_at: int  # the device statement's index

    def message(self) -> str:
        return (
            f"signed by device {fingerprint_of(self.device)} of identity "
            f"{fingerprint_of(self.identity)}"
        )

    def as_json(self) -> dict[str, Any]:
        def key(k: Verifier) -> dict[str, str]:
            return {"name": k.name, "key": k.text(), "fingerprint": fingerprint_of(k)}

        return {
            "identity": key(self.identity),
            "device": key(self.device),
            "certified_at": self.certified_at,
            "message": self.message(),
        }


@dataclass(frozen=True)
class KnownRevocations:
    """What the bundle's revocations establish, as of its checkpoint."""

    as_of_tree_size: int
    counted: int  # valid revocations and recoveries of the key the bundle carries
    stolen_key: StolenKey | None
    # The identity the key speaks for as a device, certified before this statement.
    device: SpeaksFor | None = None

    def message(self) -> str:
        found = "none" if self.counted == 0 else str(self.counted)
        return (
            f"revocations of this key known to this bundle as of checkpoint "
            f"{self.as_of_tree_size}: {found}; a bundle cannot show one it leaves out, so the "
            "statement's page on the site has the last word"
        )

    def as_json(self) -> dict[str, Any]:
        return {"as_of_tree_size": self.as_of_tree_size, "counted": self.counted}


def _integer(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53:
        return value
    return None


def _logged(entry: Any, what: str, checkpoint: Checkpoint) -> tuple[int, Head, Any, bytes]:
    """An entry's index, head and note, once its signature and inclusion are checked."""
    if not isinstance(entry, dict):
        raise BundleError(f"{what} is not an object", CHECK)
    index, text = _integer(entry.get("index")), entry.get("head")
    if index is None or not isinstance(text, str):
        raise BundleError(f"{what} lacks its index or its signed head", CHECK)
    try:
        head_bytes = text.encode("utf-8")
        head, note = open_head(head_bytes, check_time=False)
    except UnicodeEncodeError:
        raise BundleError(f"{what} holds a lone surrogate: it is not text", CHECK) from None
    except LogError as error:
        raise BundleError(f"{what}'s signature does not hold: {error}", CHECK) from None
    proof_texts = entry.get("inclusion_proof")
    try:
        if not isinstance(proof_texts, list):
            raise ValueError("the proof is not a list")
        proof = [base64.b64decode(p, validate=True) for p in proof_texts]
        merkle.verify_inclusion(
            index, checkpoint.size, merkle.leaf_hash(head_bytes), proof, checkpoint.root_hash
        )
    except (binascii.Error, TypeError, ValueError, InvalidProof) as error:
        raise BundleError(
            f"the inclusion proof does not put {what} at index {index} of the log: {error}", CHECK
        ) from None
    return index, head, note, head_bytes


def verify_revocations(
    bundle: dict[str, Any], head: Head, index: int, checkpoint: Checkpoint
) -> KnownRevocations:
    """The revocations a bundle carries for the key of ``head`` (logged at ``index``).

    BundleError (check ``revocations``) if an entry is malformed, not about this key, or
    not in the checkpoint's tree: a bundle that carries something false proves nothing.
    The rules are statements/succession.py's, the site's own, asked about what the bundle
    carries (bundle_succession.py): revocations, recoveries, social recoveries weighed
    against the contacts in force, and for a device key its certificate and revocations.
    """
    carried = bundle.get("revocations")
    commitment_entry = bundle.get("recovery_commitment")
    if carried is None:
        carried = []
    if not isinstance(carried, list) or len(carried) > MAX_REVOCATIONS:
        raise BundleError(
            f"the bundle's revocations are not a list of at most {MAX_REVOCATIONS}", CHECK
        )
    key = head.author.public_key
    me = fingerprint_of(head.author)
    rows: dict[int, Logged] = {}
    heads: dict[int, Head] = {}
    commitment: tuple[str, int] | None = None
    if commitment_entry is not None:
        at, committed, note, _ = _logged(commitment_entry, "the recovery commitment", checkpoint)
        if committed.author.public_key != key or committed.recovery is None:
            raise BundleError(
                "the recovery commitment is not a statement of this key naming a recovery key",
                CHECK,
            )
        if at > index:
            raise BundleError(
                "the recovery commitment is logged after this statement, so it is not the key's "
                "first statement",
                CHECK,
            )
        commitment = (fingerprint_of(committed.recovery), at)
        rows[at], heads[at] = as_logged(at, committed, note), committed
    for n, entry in enumerate(carried):
        at, revocation, note, _ = _logged(entry, f"revocation {n + 1}", checkpoint)
        if (
            revocation.kind not in _REVOKING
            or revocation.subject is None
            or revocation.subject.public_key != key
        ):
            raise BundleError(
                f"revocation {n + 1} (entry {at}) is not a revocation or recovery of this key",
                CHECK,
            )
        rows[at], heads[at] = as_logged(at, revocation, note), revocation
    succession = bundle.get("succession")
    if succession is None:
        succession = []
    if not isinstance(succession, list) or len(succession) > MAX_SUCCESSION:
        raise BundleError(
            f"the bundle's succession is not a list of at most {MAX_SUCCESSION}", CHECK
        )
    for n, entry in enumerate(succession):
        at, logged_head, note, _ = _logged(entry, f"succession entry {n + 1}", checkpoint)
        rows[at], heads[at] = as_logged(at, logged_head, note), logged_head
    known = carried_rows(list(rows.values()), heads)
    if commitment is None:
        known.commitments.pop(me, None)  # a recovery key counts beside its commitment only
    else:
        known.commitments[me] = commitment
    return _established(known, heads, me, index, checkpoint.size)


def _established(
    known: Carried, heads: dict[int, Head], me: str, index: int, size: int
) -> KnownRevocations:
    """What the carried rows say of the key ``me`` and its statement at ``index``."""
    revocations = known.revocations(me)
    points = [(r.since, r.by_index, r.by_recovery_key, r.kind) for r in revocations]
    device = known.device(me)
    speaks_for = None
    if device is not None and device.index < index:
        certificate = heads[device.index]
        assert certificate.subject is not None
        speaks_for = SpeaksFor(certificate.author, certificate.subject, device.index)
        if device.revoked_since is not None:
            assert device.revoked_by is not None
            points.append((device.revoked_since, device.revoked_by, False, "device-revocation"))
    counted = len(points)
    first = min(points, default=None)
    stolen = None
    if first is not None and index >= first[0]:
        stolen = StolenKey(first[0], first[1], first[2], first[3])
    return KnownRevocations(size, counted, stolen, speaks_for)
