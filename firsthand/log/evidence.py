"""Split-view evidence: two checkpoints signed by one log that cannot both be true.

A log that shows one tree to some people and another tree to others (a *split
view*) must sign two checkpoints that no single append-only log could sign.
This module writes such a pair into one self-contained file that anyone can
check with nothing but the log's verifier key, and checks such files.

Two kinds of pair prove it (docs/witness.md describes the file):

``same-size-different-roots``
    Both checkpoints have the same size and different root hashes. One tree of
    a given size has one root.

``not-a-prefix``
    The first checkpoint has size m, the second size n > m. The file carries a
    consistency proof from m to n and the root ``prefix_root`` of the second
    tree's first m entries, such that the proof verifies from ``prefix_root``
    to the second root (RFC 9162 section 2.1.4.2). SHA-256 being collision
    resistant, ``prefix_root`` is then the true root of those m entries in the
    second tree; when it differs from the first checkpoint's root, the first
    tree is not a prefix of the second. A proof that merely fails proves
    nothing (anyone can write a wrong proof), so such a pair is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from firsthand.log.checkpoint import Checkpoint
from firsthand.log.errors import InvalidProof, LogError
from firsthand.log.merkle import HASH_SIZE, node_hash, verify_consistency
from firsthand.log.note import Verifier, parse_note, verify_note

FORMAT = "firsthand/split-view-evidence/v1"
SAME_SIZE = "same-size-different-roots"
NOT_A_PREFIX = "not-a-prefix"


class NotEvidence(LogError):
    """The checkpoints (or the file) do not prove that the log showed two views."""


@dataclass(frozen=True)
class SplitView:
    """A verified pair of contradicting checkpoints by one log."""

    kind: str
    origin: str
    first: Checkpoint
    second: Checkpoint
    first_note: bytes
    second_note: bytes
    proof: tuple[bytes, ...] = ()
    prefix_root: bytes | None = None

    def explain(self) -> str:
        a, b = self.first, self.second
        if self.kind == SAME_SIZE:
            return (
                f"the log {self.origin} signed two different trees of size {a.size}: "
                f"root {_b64(a.root_hash)} and root {_b64(b.root_hash)}"
            )
        assert self.prefix_root is not None
        return (
            f"the log {self.origin} signed a tree of size {a.size} with root "
            f"{_b64(a.root_hash)}, and a tree of size {b.size} whose first {a.size} entries "
            f"have root {_b64(self.prefix_root)}: the second does not extend the first"
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _open(note_bytes: bytes, log_key: Verifier, which: str) -> Checkpoint:
    try:
        note = verify_note(parse_note(note_bytes), [log_key])
        return Checkpoint.from_body(note.text)
    except LogError as error:
        raise NotEvidence(
            f"the {which} checkpoint is not signed by {log_key.name}: {error}"
        ) from None


def _prefix_root(old_size: int, new_size: int, proof: tuple[bytes, ...]) -> bytes:
    """The old root a consistency proof implies: the old-root half of RFC 9162 2.1.4.2.

    Only a candidate: ``merkle.verify_consistency`` then checks the whole proof
    against it. When the old size is a power of two the proof omits that root.
    """
    if old_size & (old_size - 1) == 0:
        raise NotEvidence(
            f"a proof from size {old_size} (a power of two) does not name the old root; "
            "give the root of the second tree's first entries as prefix_root"
        )
    if not proof:
        raise NotEvidence("the consistency proof is empty")
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    root = proof[0]
    for node in proof[1:]:
        if sn == 0:
            break  # too long: verify_consistency will say so
        if fn & 1 or fn == sn:
            root = node_hash(node, root)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        fn >>= 1
        sn >>= 1
    return root


def _check(
    first: Checkpoint,
    second: Checkpoint,
    proof: tuple[bytes, ...],
    prefix_root: bytes | None,
) -> tuple[str, bytes | None]:
    if first.origin != second.origin:
        raise NotEvidence(
            f"the checkpoints are of two logs ({first.origin!r}, {second.origin!r}), not one"
        )
    if first.size == second.size:
        if first.root_hash == second.root_hash:
            raise NotEvidence(f"both checkpoints have the same root at size {first.size}")
        return SAME_SIZE, None
    if first.size > second.size:
        raise NotEvidence("the first checkpoint must be the smaller tree")
    if first.size == 0:
        raise NotEvidence("the empty tree is a prefix of every tree")
    if prefix_root is None:
        prefix_root = _prefix_root(first.size, second.size, proof)
    try:
        verify_consistency(first.size, second.size, prefix_root, second.root_hash, proof)
    except InvalidProof as error:
        raise NotEvidence(
            f"the consistency proof does not verify against the second checkpoint ({error}); "
            "a wrong proof proves nothing about the log"
        ) from None
    if prefix_root == first.root_hash:
        raise NotEvidence("the proof shows the second tree extends the first: no split view")
    return NOT_A_PREFIX, prefix_root


def find_split_view(
    note_a: bytes,
    note_b: bytes,
    log_key: Verifier,
    proof: tuple[bytes, ...] = (),
    prefix_root: bytes | None = None,
) -> SplitView:
    """Check that two signed checkpoints contradict each other; NotEvidence otherwise.

    ``proof`` (from the smaller size to the larger) and ``prefix_root`` matter
    only for trees of different sizes; ``prefix_root`` is needed only when the
    smaller size is a power of two.
    """
    a = _open(note_a, log_key, "first")
    b = _open(note_b, log_key, "second")
    if a.size > b.size:
        a, b, note_a, note_b = b, a, note_b, note_a
    kind, prefix = _check(a, b, tuple(proof), prefix_root)
    used_proof = tuple(proof) if kind == NOT_A_PREFIX else ()
    return SplitView(kind, a.origin, a, b, note_a, note_b, used_proof, prefix)


def encode_evidence(view: SplitView, log_key: Verifier) -> bytes:
    """The evidence file: JSON, UTF-8, with both signed notes verbatim."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "kind": view.kind,
        "origin": view.origin,
        "log_key": log_key.text(),
        "explanation": view.explain(),
        "first_checkpoint": view.first_note.decode("utf-8"),
        "second_checkpoint": view.second_note.decode("utf-8"),
    }
    if view.kind == NOT_A_PREFIX:
        assert view.prefix_root is not None
        document["consistency_proof"] = [_b64(h) for h in view.proof]
        document["prefix_root"] = _b64(view.prefix_root)
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def make_evidence(
    note_a: bytes,
    note_b: bytes,
    log_key: Verifier,
    proof: tuple[bytes, ...] = (),
    prefix_root: bytes | None = None,
) -> bytes:
    """Check the pair (``find_split_view``) and write it as an evidence file."""
    return encode_evidence(find_split_view(note_a, note_b, log_key, proof, prefix_root), log_key)


def _hash(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise NotEvidence(f"{what} must be a base64 string")
    try:
        value = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise NotEvidence(f"{what} is not valid base64") from None
    if len(value) != HASH_SIZE:
        raise NotEvidence(f"{what} holds {len(value)} bytes, not a 32-byte hash")
    return value


def verify_evidence(data: bytes, log_key: Verifier) -> SplitView:
    """Check an evidence file with the log key *you* trust (its log_key field is a hint)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotEvidence("the evidence file is not UTF-8 JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise NotEvidence(f"the file is not {FORMAT} evidence")
    notes = document.get("first_checkpoint"), document.get("second_checkpoint")
    if not all(isinstance(n, str) for n in notes):
        raise NotEvidence("the evidence needs first_checkpoint and second_checkpoint notes")
    raw_proof = document.get("consistency_proof", [])
    if not isinstance(raw_proof, list):
        raise NotEvidence("consistency_proof must be a list of base64 hashes")
    proof = tuple(_hash(h, f"consistency proof hash {i}") for i, h in enumerate(raw_proof))
    prefix = document.get("prefix_root")
    prefix_root = None if prefix is None else _hash(prefix, "prefix_root")
    first, second = (str(n).encode("utf-8") for n in notes)
    view = find_split_view(first, second, log_key, proof, prefix_root)
    if view.kind != document.get("kind") or view.first_note != first:
        raise NotEvidence(f"the file says {document.get('kind')!r} but shows {view.kind!r}")
    return view
