"""Bundles proved against a cosigned checkpoint, and a verifier's witness quorum."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.cosignature import CosignatureSigner
from firsthand.log.datadir import LogInstance, open_log
from firsthand.log.storage import StoredCheckpoint
from firsthand.log.witness_client import merge_cosignatures
from firsthand.statements.bundle import make_bundle, verify_bundle
from firsthand.statements.errors import BundleError
from firsthand.statements.format import sign_statement
from tests.statements.test_bundle import RANA

ALPHA = CosignatureSigner.from_seed("alpha.example/witness", bytes(range(32)))
BETA = CosignatureSigner.from_seed("beta.example/witness", bytes(range(2, 34)))
GAMMA = CosignatureSigner.from_seed("gamma.example/witness", bytes(range(3, 35)))


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> LogInstance:
    return open_log(tmp_path_factory.mktemp("log"), "witnessed.example/log")


def cosigned_bundle(log: LogInstance, *witnesses: CosignatureSigner) -> dict[str, Any]:
    statement = sign_statement(RANA, "Witnessed words, signed by me.\n", lang="en")
    sequencer = log.sequencer()
    ticket = sequencer.submit(statement.head_bytes)
    sequencer.run_until_empty()
    index = ticket.wait().index
    latest = log.reader.latest()
    _, note = open_checkpoint(latest.note, log.verifier)
    lines = [w.sign(note.text, timestamp=1_764_000_000) for w in witnesses]
    cosigned = StoredCheckpoint(latest.size, merge_cosignatures(latest.note, lines))
    return make_bundle(
        log.reader, index=index, head=statement.head_bytes, body=statement.body, checkpoint=cosigned
    )


def encode(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle).encode()


def test_a_quorum_of_named_witnesses_is_met_and_reported(log: LogInstance) -> None:
    bundle = encode(cosigned_bundle(log, ALPHA, BETA))
    verdict = verify_bundle(
        bundle,
        log.verifier,
        witnesses=[ALPHA.verifier(), BETA.verifier(), GAMMA.verifier()],
        quorum=2,
    )
    assert [c.name for c in verdict.cosigned_by] == [ALPHA.name, BETA.name]
    assert verdict.as_json()["cosigned_by"][0]["timestamp"] == 1_764_000_000
    # Without named witnesses their lines are simply other signatures.
    assert set(verify_bundle(bundle, log.verifier).other_signatures) == {ALPHA.name, BETA.name}


def test_a_quorum_not_met_names_the_witnesses_that_did_not_cosign(log: LogInstance) -> None:
    bundle = encode(cosigned_bundle(log, ALPHA))
    with pytest.raises(BundleError, match=r"no valid cosignature by: beta\.example/witness"):
        verify_bundle(bundle, log.verifier, witnesses=[ALPHA.verifier(), BETA.verifier()], quorum=2)


def test_a_forged_cosignature_by_a_named_witness_fails_the_bundle(log: LogInstance) -> None:
    bundle = cosigned_bundle(log, ALPHA)
    lines = bundle["checkpoint"].split("\n")
    forged = next(i for i, line in enumerate(lines) if line.startswith(f"— {ALPHA.name} "))
    prefix, _, signature = lines[forged].rpartition(" ")
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 1  # one bit of the Ed25519 signature
    lines[forged] = f"{prefix} {base64.b64encode(raw).decode()}"
    bundle["checkpoint"] = "\n".join(lines)
    with pytest.raises(BundleError, match="witness cosignature"):
        verify_bundle(encode(bundle), log.verifier, witnesses=[ALPHA.verifier()], quorum=1)


def test_a_quorum_larger_than_the_named_witnesses_is_a_caller_error(log: LogInstance) -> None:
    with pytest.raises(ValueError, match="cannot be met"):
        verify_bundle(encode(cosigned_bundle(log)), log.verifier, quorum=1)


def test_a_checkpoint_too_small_for_the_entry_cannot_make_a_bundle(log: LogInstance) -> None:
    statement = sign_statement(RANA, "Too new for that tree.\n", lang="en")
    sequencer = log.sequencer()
    ticket = sequencer.submit(statement.head_bytes)
    sequencer.run_until_empty()
    old = log.storage.checkpoint_at(1)
    assert old is not None
    with pytest.raises(BundleError, match="does not hold entry"):
        make_bundle(
            log.reader,
            index=ticket.wait().index,
            head=statement.head_bytes,
            body=statement.body,
            checkpoint=old,
        )
