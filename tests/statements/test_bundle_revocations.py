"""The precedence rules of docs/recovery.md, as the offline verifier applies them to the
revocations a bundle carries (statements/bundle_revocations.py), as properties.

A log in memory holds the key's first statement (naming its recovery key), then any mix of
the author's statements, revocations by the key itself, by the recovery key (from any
index, or none), by a stranger, and recoveries (two-way or not). For each statement's
bundle, carrying every revocation:

* it is a stolen-key statement exactly when its index is at or after the smallest point
  the model (the rules restated) finds: by the key itself from its own index, by the
  recovery key from min(from, its index), a recovery only if its new key co-signed;
* whatever subset of the revocations a bundle carries (the adversary may drop any), it can
  only say less: never stolen where the whole set says not, never from an earlier point;
* a stranger's revocation changes nothing.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log import merkle
from firsthand.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from firsthand.log.note import Signer
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.bundle_revocations import verify_revocations
from firsthand.statements.format import open_head, sign_statement

LOG = Signer.from_seed("props.example/log", bytes(range(3, 35)))
AUTHOR = Signer.from_seed("author.example", bytes(range(32)))
RECOVERY = Signer.from_seed("recovery", bytes(range(2, 34)))
STRANGER = Signer.from_seed("stranger.example", bytes(range(7, 39)))
NEW = Signer.from_seed("author.2027", bytes(range(9, 41)))

EVENT = st.one_of(
    st.just(("say",)),
    st.just(("revoke by key",)),
    st.tuples(st.just("revoke by recovery"), st.none() | st.integers(0, 14)),
    st.just(("revoke by stranger",)),
    st.tuples(st.just("recover"), st.none() | st.integers(0, 14), st.booleans()),
)


def _entries(events: list[tuple[Any, ...]]) -> tuple[list[bytes], list[int], list[int], list[int]]:
    """The log's heads; the author's statements, the revocations of the author's key, and the
    points the model says each valid one revokes from."""
    subject = AUTHOR.verifier()
    heads = [sign_statement(AUTHOR, "First.", recovery=RECOVERY.verifier()).head_bytes]
    said, revocations, points = [0], [], []
    for n, event in enumerate(events):
        at = len(heads)
        if event[0] == "say":
            heads.append(sign_statement(AUTHOR, f"Statement {n}.").head_bytes)
            said.append(at)
            continue
        if event[0] == "revoke by key":
            statement = sign_statement(AUTHOR, "Lost.", kind="revocation", subject=subject)
            said.append(at)  # the key's own statement, counted like any other
            points.append(at)
        elif event[0] == "revoke by recovery":
            statement = sign_statement(
                RECOVERY, "Taken.", kind="revocation", subject=subject, revoked_from=event[1]
            )
            points.append(at if event[1] is None else min(event[1], at))
        elif event[0] == "revoke by stranger":
            statement = sign_statement(STRANGER, "Not mine.", kind="revocation", subject=subject)
        else:
            _, start, two_way = event
            statement = sign_statement(
                RECOVERY, "Continues.", kind="recovery", subject=subject,
                new_key=NEW.verifier(), revoked_from=start, cosigners=[NEW],
            )  # fmt: skip
            if two_way:
                points.append(at if start is None else min(start, at))
            else:  # the new key's line cut off: a recovery only the recovery key signed
                lines = statement.head_bytes.decode().split("\n")
                heads.append("\n".join([*lines[:-2], ""]).encode())
                revocations.append(at)
                continue
        heads.append(statement.head_bytes)
        revocations.append(at)
    return heads, said, revocations, points


def _bundle(heads: list[bytes], index: int, carried: list[int]) -> bytes:
    leaves = [merkle.leaf_hash(h) for h in heads]
    reader = merkle.memory_node_reader(leaves)
    root = merkle.root_from_leaf_hashes(leaves)
    checkpoint = sign_checkpoint(Checkpoint(LOG.name, len(heads), root, ()), LOG)

    def entry(at: int) -> dict[str, Any]:
        proof = merkle.inclusion_proof(at, len(heads), reader)
        return {
            "index": at,
            "head": heads[at].decode(),
            "inclusion_proof": [base64.b64encode(h).decode() for h in proof],
        }

    bundle = {
        "format": "firsthand-bundle/v1",
        **{k: v for k, v in entry(index).items() if k != "inclusion_proof"},
        "body": None,
        "withheld": None,
        "tree_size": len(heads),
        "inclusion_proof": entry(index)["inclusion_proof"],
        "checkpoint": checkpoint.decode(),
        "revocations": [entry(at) for at in carried],
        "recovery_commitment": entry(0),
    }
    return json.dumps(bundle).encode()


def _stolen_since(heads: list[bytes], index: int, carried: list[int]) -> int | None:
    """The verifier's point for ``heads[index]`` given ``carried``: the rules alone (the body,
    checked elsewhere, is left out of these bundles)."""
    bundle = json.loads(_bundle(heads, index, carried))
    checkpoint, _ = open_checkpoint(bundle["checkpoint"].encode(), LOG.verifier())
    head, _ = open_head(heads[index], check_time=False)
    known = verify_revocations(bundle, head, index, checkpoint)
    return None if known.stolen_key is None else known.stolen_key.since


@settings(max_examples=40, deadline=None)
@given(events=st.lists(EVENT, min_size=1, max_size=8), data=st.data())
def test_a_statement_is_stolen_exactly_from_the_earliest_valid_point_and_omissions_only_hide(
    events: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    heads, said, revocations, points = _entries(events)
    since = min(points, default=None)
    for index in said:
        whole = _stolen_since(heads, index, revocations)
        assert whole == (since if since is not None and index >= since else None), index
        kept = data.draw(st.lists(st.sampled_from(revocations), unique=True) if revocations
                         else st.just([]))  # fmt: skip
        partial = _stolen_since(heads, index, sorted(kept))
        # Dropping revocations never makes a statement stolen, nor stolen from earlier on.
        assert partial is None or (whole is not None and partial >= whole)


def test_a_whole_bundle_with_a_body_carries_the_verdict_through_verify_bundle() -> None:
    heads, _, revocations, _ = _entries([("say",), ("revoke by recovery", 1)])
    statement = sign_statement(AUTHOR, "Statement 0.")
    assert statement.head_bytes == heads[1]
    data = json.loads(_bundle(heads, 1, revocations))
    data["body"] = "Statement 0."
    verdict = verify_bundle(json.dumps(data).encode(), LOG.verifier())
    assert verdict.stolen_key and verdict.revocations is not None
    assert verdict.revocations.stolen_key is not None and verdict.revocations.stolen_key.since == 1
