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
from firsthand.log.reader import LogReader
from firsthand.statements.errors import BundleError
from firsthand.statements.format import Head, new_key_accepted, open_head

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
) -> dict[str, Any]:
    """The bundle's ``revocations`` and ``recovery_commitment``, proved in the tree of ``size``."""

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
    }


@dataclass(frozen=True)
class StolenKey:
    """The statement was signed at or after the point its author revoked the key."""

    since: int  # the key's statements at this index or later are not the author's
    by_index: int  # the revocation or recovery that says so
    by_recovery_key: bool

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
            "message": self.message(),
        }


@dataclass(frozen=True)
class KnownRevocations:
    """What the bundle's revocations establish, as of its checkpoint."""

    as_of_tree_size: int
    counted: int  # valid revocations and recoveries of the key the bundle carries
    stolen_key: StolenKey | None

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
    recovery_key: bytes | None = None
    committed_at: int | None = None
    if commitment_entry is not None:
        at, committed, _, _ = _logged(commitment_entry, "the recovery commitment", checkpoint)
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
        recovery_key, committed_at = committed.recovery.public_key, at
    stolen: StolenKey | None = None
    counted = 0
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
        found = _counted(revocation, note, at, key, recovery_key, committed_at)
        if found is None:
            continue
        counted += 1
        if stolen is None or (found.since, found.by_index) < (stolen.since, stolen.by_index):
            stolen = found
    if stolen is not None and index < stolen.since:
        stolen = None
    return KnownRevocations(checkpoint.size, counted, stolen)


def _counted(
    revocation: Head,
    note: Any,
    at: int,
    key: bytes,
    recovery_key: bytes | None,
    committed_at: int | None,
) -> StolenKey | None:
    """The point a carried revocation or recovery establishes, or None if it does not count."""
    author = revocation.author.public_key
    if revocation.kind == "revocation" and author == key:
        return StolenKey(at, at, False)  # by the key itself: from now on, never backdated
    if recovery_key is None or author != recovery_key:
        return None  # a third key's word about this key: carried, never obeyed
    if committed_at is not None and committed_at >= at:
        return None
    if revocation.kind == "recovery" and not new_key_accepted(revocation, note):
        return None  # a recovery the new key did not accept hands nothing over
    since = at if revocation.revoked_from is None else min(revocation.revoked_from, at)
    return StolenKey(since, at, True)
