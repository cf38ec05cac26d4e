"""Offline proof bundles: everything needed to check a statement with no network.

A bundle is one JSON file (docs/bundle-format.md): the signed head, the body
(or the operator's withholding notice in its place), the entry's index, an
inclusion proof, and the log's signed checkpoint with any witness
cosignatures. Given only the log's verifier key, verify_bundle checks, in
order, the checkpoint signature, the author's signature on the head, the
body against the head, and the head's inclusion in the checkpoint's tree.
Each failure has its own message, so a reader learns what was wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from firsthand.log import merkle
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.errors import InvalidProof, LogError
from firsthand.log.note import Verifier
from firsthand.log.reader import LogReader
from firsthand.statements.errors import BodyMismatch, BundleError
from firsthand.statements.format import open_head, verify_body

FORMAT = "firsthand-bundle/v1"


def make_bundle(
    reader: LogReader,
    *,
    index: int,
    head: bytes,
    body: str | None,
    withheld: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A bundle proving entry ``index`` (whose bytes are ``head``) in the latest checkpoint."""
    if reader.entry(index) != head:
        raise BundleError(f"entry {index} of the log is not this statement's head")
    latest = reader.latest()
    proof = reader.inclusion_proof(index, latest.size)
    return {
        "format": FORMAT,
        "index": index,
        "head": head.decode("utf-8"),
        "body": body,
        "withheld": withheld,
        "tree_size": latest.size,
        "inclusion_proof": [base64.b64encode(h).decode() for h in proof],
        "checkpoint": latest.note.decode("utf-8"),
    }


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
    withheld: dict[str, str] | None
    other_signatures: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": True,
            "author": {"name": self.author.name, "key": self.author.text()},
            "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": self.kind,
            "lang": self.lang,
            "index": self.index,
            "tree_size": self.tree_size,
            "log": self.log_origin,
            "body_withheld": self.body_withheld,
            "withheld": self.withheld,
            "other_checkpoint_signatures": list(self.other_signatures),
        }


def _field(bundle: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = bundle.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BundleError(f"the bundle's {name!r} field is missing or of the wrong type")
    return value


def load_bundle(data: bytes) -> dict[str, Any]:
    try:
        bundle = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError("this is not a firsthand bundle: it is not JSON") from None
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"this is not a firsthand bundle ({FORMAT})")
    return bundle


def verify_bundle(data: bytes, log_key: Verifier) -> Verdict:
    """Check everything in the bundle; BundleError names the first check that failed.

    Witness cosignatures (tlog-cosignature, type 0x04) travel in the checkpoint
    note and are kept, unjudged; demanding a quorum of them comes with witnesses.
    """
    bundle = load_bundle(data)
    index = _field(bundle, "index", int)
    tree_size = _field(bundle, "tree_size", int)
    head_text = _field(bundle, "head", str)
    checkpoint_text = _field(bundle, "checkpoint", str)
    proof_texts = _field(bundle, "inclusion_proof", list)

    try:
        checkpoint, note = open_checkpoint(checkpoint_text.encode("utf-8"), log_key)
    except LogError as error:
        raise BundleError(
            f"the checkpoint is not signed by the log key {log_key.name}: {error}"
        ) from None
    if checkpoint.size != tree_size:
        raise BundleError("the bundle's tree size is not the checkpoint's")

    head_bytes = head_text.encode("utf-8")
    try:
        # Years later the head's time is in the past; a wrong reader clock must not fail it.
        head, _ = open_head(head_bytes, check_time=False)
    except LogError as error:
        raise BundleError(f"the statement's signature does not hold: {error}") from None

    body = bundle.get("body")
    withheld = bundle.get("withheld")
    if body is None:
        if not isinstance(withheld, dict):
            raise BundleError("the bundle has no body and no withholding notice")
    else:
        if not isinstance(body, str):
            raise BundleError("the bundle's body is not text")
        try:
            verify_body(head, body, max_body=len(body.encode("utf-8")))
        except BodyMismatch:
            raise BundleError(
                "the body was altered: it is not the text the author signed"
            ) from None
        except LogError as error:
            raise BundleError(f"the body is not acceptable: {error}") from None

    try:
        proof = [base64.b64decode(p, validate=True) for p in proof_texts]
        merkle.verify_inclusion(
            index, tree_size, merkle.leaf_hash(head_bytes), proof, checkpoint.root_hash
        )
    except (binascii.Error, TypeError, ValueError, InvalidProof) as error:
        raise BundleError(
            f"the inclusion proof does not put this statement at index {index} of the log: {error}"
        ) from None
    return Verdict(
        author=head.author,
        time=head.time,
        kind=head.kind,
        lang=head.lang,
        index=index,
        tree_size=tree_size,
        log_origin=checkpoint.origin,
        body_withheld=body is None,
        withheld=withheld if isinstance(withheld, dict) else None,
        other_signatures=tuple(sig.name for sig in note.signatures if sig.name != log_key.name),
    )
