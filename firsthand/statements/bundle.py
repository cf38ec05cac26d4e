"""Offline proof bundles: everything needed to check a statement with no network.

A bundle is one JSON file (docs/bundle-format.md): the signed head, the body
(or the operator's withholding notice in its place), the entry's index, an
inclusion proof, and the log's signed checkpoint with any witness
cosignatures. Given only the log's verifier key, verify_bundle checks, in
order, the checkpoint signature, the author's signature on the head, the
body against the head, and the head's inclusion in the checkpoint's tree.
Each failure has its own message, so a reader learns what was wrong.

The verdict names the author by their fingerprint (statements/identity.py),
and says of a key rotation whether it is two-way (the new key signed it too)
or one-way. A one-way rotation still verifies, since it is validly logged (they
were accepted before two-way rotations were required), but the verdict says it
is not followed: anyone can sign "my new key is yours".
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from firsthand.log import merkle
from firsthand.log.checkpoint import Checkpoint, open_checkpoint
from firsthand.log.cosignature import CosignatureVerifier, verify_cosignatures
from firsthand.log.errors import InvalidProof, LogError
from firsthand.log.note import Note, Verifier
from firsthand.log.reader import LogReader
from firsthand.log.storage import StoredCheckpoint
from firsthand.statements.bundle_revocations import (
    KnownRevocations,
    LoggedHead,
    SpeaksFor,
    revocation_fields,
    verify_revocations,
)
from firsthand.statements.errors import BodyMismatch, BundleError
from firsthand.statements.format import (
    Head,
    Media,
    open_head,
    rotation_accepted_by_new_key,
    verify_body,
)
from firsthand.statements.identity import fingerprint

FORMAT = "firsthand-bundle/v1"
MAX_JSON_INTEGER = 2**53 - 1
TWO_WAY = "two-way: signed by the old key and by the new key, which accepted it"
ONE_WAY = "one-way: signed by the old key only: not followed; anyone can name any key as new"


@dataclass(frozen=True)
class WithholdingNotice:
    """The operator's logged notice that withholds a statement's body: its index and head."""

    index: int
    head: bytes


@dataclass(frozen=True)
class Withholding:
    """A verified withholding notice: in the same tree, naming this statement."""

    operator: Verifier
    date: datetime
    reason: str
    notice_index: int

    def message(self) -> str:
        return f"withheld by the operator on {self.date:%Y-%m-%d}: {self.reason}"


def _proof_text(proof: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in proof]


def make_bundle(
    reader: LogReader,
    *,
    index: int,
    head: bytes,
    body: str | None,
    withheld: WithholdingNotice | None = None,
    checkpoint: StoredCheckpoint | None = None,
    revocations: Sequence[LoggedHead] = (),
    recovery_commitment: LoggedHead | None = None,
    succession: Sequence[LoggedHead] = (),
) -> dict[str, Any]:
    """A bundle proving entry ``index`` (whose bytes are ``head``) in ``checkpoint``.

    ``checkpoint`` defaults to the latest; a server with witnesses passes the
    newest cosigned one, so the bundle carries the witnesses' cosignatures.
    A withheld statement's bundle carries the operator's notice in place of
    the body, with its own inclusion proof in the same tree. ``revocations`` (and the
    key's ``recovery_commitment``) are the revocations and recoveries of the statement's
    key, each proved in the same tree too (bundle_revocations.py).
    """
    if reader.entry(index) != head:
        raise BundleError(f"entry {index} of the log is not this statement's head")
    latest = reader.latest() if checkpoint is None else checkpoint
    needed = max(
        [
            index,
            *(() if withheld is None else (withheld.index,)),
            *(r.index for r in revocations),
            *(() if recovery_commitment is None else (recovery_commitment.index,)),
            *(r.index for r in succession),
        ]
    )
    if needed >= latest.size:
        raise BundleError(f"the checkpoint of {latest.size} entries does not hold entry {needed}")
    notice: dict[str, Any] | None = None
    if withheld is not None:
        if reader.entry(withheld.index) != withheld.head:
            raise BundleError(f"entry {withheld.index} of the log is not the withholding notice")
        notice = {
            "index": withheld.index,
            "head": withheld.head.decode("utf-8"),
            "inclusion_proof": _proof_text(reader.inclusion_proof(withheld.index, latest.size)),
        }
    return {
        "format": FORMAT,
        "index": index,
        "head": head.decode("utf-8"),
        "body": body,
        "withheld": notice,
        "tree_size": latest.size,
        "inclusion_proof": _proof_text(reader.inclusion_proof(index, latest.size)),
        "checkpoint": latest.note.decode("utf-8"),
        **revocation_fields(reader, latest.size, revocations, recovery_commitment, succession),
    }


@dataclass(frozen=True)
class WitnessCosignature:
    """A verified witness cosignature on the bundle's checkpoint (tlog-cosignature)."""

    name: str
    key: str  # the witness's cosigner verifier key
    timestamp: int  # when the witness cosigned, in seconds since the Unix epoch

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)


@dataclass(frozen=True)
class Rotation:
    """What a key-rotation statement hands over to, and whether the new key accepted it."""

    new_key: Verifier
    two_way: bool  # the head carries a valid signature by the new key too

    def message(self) -> str:
        return TWO_WAY if self.two_way else ONE_WAY

    def as_json(self) -> dict[str, Any]:
        return {
            "new_key": _key_json(self.new_key),
            "two_way": self.two_way,
            "message": self.message(),
        }


def _key_json(key: Verifier) -> dict[str, str]:
    return {"name": key.name, "key": key.text(), "fingerprint": fingerprint(key)}


def _rotation(head: Head, note: Note) -> Rotation | None:
    if head.kind != "key-rotation" or head.new_key is None:
        return None
    return Rotation(head.new_key, rotation_accepted_by_new_key(head, note))


@dataclass(frozen=True)
class Verdict:
    """What a bundle proves, once every check has passed."""

    author: Verifier
    time: datetime
    kind: str
    lang: str
    index: int
    tree_size: int
    log_origin: str
    body_withheld: bool
    withheld: Withholding | None
    other_signatures: tuple[str, ...]
    cosigned_by: tuple[WitnessCosignature, ...] = ()
    rotation: Rotation | None = None  # a key-rotation's new key, and whether it is two-way
    # The photos and videos the head covers (SHA-256 of the cleaned bytes), so a reader can
    # match a copy of the file (`sha256sum FILE`).
    media: tuple[Media, ...] = ()
    # The revocations of the author's key this bundle carries, and whether one makes this a
    # statement signed by a key its author reported stolen (bundle_revocations.py).
    revocations: KnownRevocations | None = None

    @property
    def stolen_key(self) -> bool:
        return self.revocations is not None and self.revocations.stolen_key is not None

    @property
    def device(self) -> SpeaksFor | None:
        """The identity this statement's key speaks for as a device, if it is one."""
        return None if self.revocations is None else self.revocations.device

    @property
    def author_fingerprint(self) -> str:
        """Who the author is: SHA-256 of their public key (the key ID is only a hint)."""
        return fingerprint(self.author)

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": True,
            "author": {"name": self.author.name, "key": self.author.text()},
            "author_fingerprint": self.author_fingerprint,
            "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": self.kind,
            "lang": self.lang,
            "index": self.index,
            "tree_size": self.tree_size,
            "log": self.log_origin,
            "body_withheld": self.body_withheld,
            "withheld": None
            if self.withheld is None
            else {
                "operator_key": self.withheld.operator.text(),
                "date": f"{self.withheld.date:%Y-%m-%d}",
                "reason": self.withheld.reason,
                "notice_index": self.withheld.notice_index,
                "message": self.withheld.message(),
            },
            "other_checkpoint_signatures": list(self.other_signatures),
            "cosigned_by": [
                {"witness": c.name, "key": c.key, "timestamp": c.timestamp}
                for c in self.cosigned_by
            ],
            "rotation": None if self.rotation is None else self.rotation.as_json(),
            "media": [{"sha256": m.sha256, "type": m.type, "size": m.size} for m in self.media],
            "device": None if self.device is None else self.device.as_json(),
            "stolen_key": None
            if self.revocations is None or self.revocations.stolen_key is None
            else self.revocations.stolen_key.as_json(),
            "revocations": None if self.revocations is None else self.revocations.as_json(),
        }


def _utf8(text: str, what: str, check: str) -> bytes:
    # JSON can carry lone surrogates ("\ud800"), which are not text and have no UTF-8.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise BundleError(
            f"{what} holds a lone surrogate: it is not valid Unicode text", check
        ) from None


def _integer(value: Any) -> int | None:
    """A JSON integer as every JSON reader reads it alike, or None.

    A number with no fractional part (``5``, ``5.0``, ``5e0``: JSON Schema's integer) whose
    size is at most 2^53 - 1, the largest a JavaScript reader holds exactly (RFC 7493, I-JSON);
    so verify.js, whose JSON has only doubles, reads every bundle as this does.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_JSON_INTEGER:
        return value
    return None


def _field(bundle: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = bundle.get(name)
    if kind is int:
        value = _integer(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BundleError(f"the bundle's {name!r} field is missing or of the wrong type", "format")
    return value


def load_bundle(data: bytes) -> dict[str, Any]:
    try:
        bundle = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError("this is not a firsthand bundle: it is not JSON", "format") from None
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"this is not a firsthand bundle ({FORMAT})", "format")
    return bundle


def _verify_inclusion(
    what: str, index: int, head_bytes: bytes, proof_texts: Any, checkpoint: Checkpoint, check: str
) -> None:
    try:
        if not isinstance(proof_texts, list):
            raise ValueError("the proof is not a list")
        proof = [base64.b64decode(p, validate=True) for p in proof_texts]
        merkle.verify_inclusion(
            index, checkpoint.size, merkle.leaf_hash(head_bytes), proof, checkpoint.root_hash
        )
    except (binascii.Error, TypeError, ValueError, InvalidProof) as error:
        raise BundleError(
            f"the inclusion proof does not put {what} at index {index} of the log: {error}", check
        ) from None


def _verify_withholding(
    notice: Any, head_bytes: bytes, checkpoint: Checkpoint, operator_key: Verifier | None
) -> Withholding:
    """The notice must be a logged withholding, by the operator, naming this very head."""
    check = "withheld"
    if not isinstance(notice, dict):
        raise BundleError("the bundle's withholding notice is not an object", check)
    index, notice_text = _integer(notice.get("index")), notice.get("head")
    if index is None or not isinstance(notice_text, str):
        raise BundleError(
            "the bundle's withholding notice lacks its index or its signed head", check
        )
    notice_bytes = _utf8(notice_text, "the withholding notice", check)
    try:
        head, _ = open_head(notice_bytes, check_time=False)
    except LogError as error:
        raise BundleError(
            f"the withholding notice's signature does not hold: {error}", check
        ) from None
    own_leaf = merkle.leaf_hash(head_bytes).hex()
    if head.kind != "withholding" or [r.sha256 for r in head.refers] != [own_leaf]:
        raise BundleError("the withholding notice does not name this statement", check)
    if operator_key is not None and head.author != operator_key:
        raise BundleError(
            f"the withholding notice is signed by {head.author.name}, not by the operator key "
            f"{operator_key.name}",
            check,
        )
    _verify_inclusion(
        "the withholding notice",
        index,
        notice_bytes,
        notice.get("inclusion_proof"),
        checkpoint,
        check,
    )
    assert head.reason is not None  # the format requires it of a withholding
    return Withholding(operator=head.author, date=head.time, reason=head.reason, notice_index=index)


def verify_bundle(
    data: bytes,
    log_key: Verifier,
    *,
    operator_key: Verifier | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> Verdict:
    """Check everything in the bundle; BundleError names the first check that failed.

    A withholding notice, if any, must be logged in the same tree and name
    this statement; with ``operator_key`` it must also be signed by it.

    Witness cosignatures (tlog-cosignature, type 0x04) travel in the checkpoint
    note. Those by ``witnesses`` are verified (a bad one fails the bundle), and
    at least ``quorum`` of the named witnesses must have cosigned: a reader
    who trusts them then knows the log showed everyone this same tree.
    """
    return verify_bundle_object(
        load_bundle(data), log_key, operator_key=operator_key, witnesses=witnesses, quorum=quorum
    )


def verify_bundle_object(
    bundle: dict[str, Any],
    log_key: Verifier,
    *,
    operator_key: Verifier | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> Verdict:
    """verify_bundle of a bundle already read from its JSON (or made by make_bundle, whose
    values are the types the JSON holds): a server checking what it serves need not
    write it out and read it back."""
    if not 0 <= quorum <= len(witnesses):
        raise ValueError(f"a quorum of {quorum} cannot be met by {len(witnesses)} witnesses")
    if bundle.get("format") != FORMAT:
        raise BundleError(f"this is not a firsthand bundle ({FORMAT})", "format")
    index = _field(bundle, "index", int)
    tree_size = _field(bundle, "tree_size", int)
    head_text = _field(bundle, "head", str)
    checkpoint_text = _field(bundle, "checkpoint", str)
    proof_texts = _field(bundle, "inclusion_proof", list)

    try:
        checkpoint_bytes = _utf8(checkpoint_text, "the checkpoint", "checkpoint")
        checkpoint, note = open_checkpoint(checkpoint_bytes, log_key)
    except BundleError:
        raise
    except LogError as error:
        raise BundleError(
            f"the checkpoint is not signed by the log key {log_key.name}: {error}", "checkpoint"
        ) from None
    if checkpoint.size != tree_size:
        raise BundleError(
            f"the bundle's tree size ({tree_size}) is not the checkpoint's size "
            f"({checkpoint.size})",
            "tree-size",
        )

    head_bytes = _utf8(head_text, "the statement's head", "head")
    try:
        # Years later the head's time is in the past; a wrong reader clock must not fail it.
        head, head_note = open_head(head_bytes, check_time=False)
    except LogError as error:
        raise BundleError(f"the statement's signature does not hold: {error}", "head") from None

    body = bundle.get("body")
    notice = bundle.get("withheld")
    withheld = None
    if notice is not None:
        withheld = _verify_withholding(notice, head_bytes, checkpoint, operator_key)
    if body is None:
        if withheld is None:
            raise BundleError("the bundle has no body and no withholding notice", "body")
    else:
        if not isinstance(body, str):
            raise BundleError("the bundle's body is not text", "body")
        try:
            # No size limit: a server's is its own policy; the head's length is the check.
            verify_body(head, body, max_body=len(_utf8(body, "the body", "body")))
        except BodyMismatch:
            raise BundleError(
                "the body was altered: it is not the text the author signed", "body"
            ) from None
        except BundleError:
            raise
        except LogError as error:
            raise BundleError(f"the body is not acceptable: {error}", "body") from None

    _verify_inclusion("this statement", index, head_bytes, proof_texts, checkpoint, "inclusion")
    revocations = verify_revocations(bundle, head, index, checkpoint)
    cosigned_by = _verify_witnesses(note, witnesses, quorum)
    # Lines the reader did not ask about: neither the log's nor a named witness's (those
    # were all verified, or the bundle would have failed), matched as signed-note matches
    # a line to a key, by name and key ID.
    judged = {(log_key.name, log_key.key_id), *((w.name, w.key_id) for w in witnesses)}
    return Verdict(
        author=head.author,
        time=head.time,
        kind=head.kind,
        lang=head.lang,
        index=index,
        tree_size=tree_size,
        log_origin=checkpoint.origin,
        body_withheld=body is None,
        withheld=withheld,
        other_signatures=tuple(
            sig.name for sig in note.signatures if (sig.name, sig.key_id) not in judged
        ),
        cosigned_by=cosigned_by,
        rotation=_rotation(head, head_note),
        media=head.media,
        revocations=revocations,
    )


def _verify_witnesses(
    note: Note, witnesses: Sequence[CosignatureVerifier], quorum: int
) -> tuple[WitnessCosignature, ...]:
    try:
        found = verify_cosignatures(note, witnesses)
    except LogError as error:
        raise BundleError(
            f"a witness cosignature on the checkpoint fails: {error}", "witnesses"
        ) from None
    if len(found) < quorum:
        missing = [w.name for w in witnesses if w not in {c.cosigner for c in found}]
        raise BundleError(
            f"only {len(found)} of the {len(witnesses)} named witnesses cosigned the checkpoint, "
            f"and {quorum} are required; no valid cosignature by: {', '.join(missing)}",
            "witnesses",
        )
    return tuple(WitnessCosignature(c.cosigner.name, c.cosigner.text(), c.timestamp) for c in found)
