"""A log that shows one tree to one witness and another tree to a second witness is caught:
the two cosigned checkpoints prove it, and so does the next request either witness sees."""

from __future__ import annotations

from pathlib import Path

from firsthand.log.cosignature import CosignatureSigner, verify_cosignatures
from firsthand.log.evidence import NOT_A_PREFIX, SAME_SIZE, make_evidence, verify_evidence
from firsthand.log.note import parse_note
from firsthand.log.witness import TrustedLog, Witness
from firsthand.log.witness_client import merge_cosignatures
from tests.log.test_witness import ORIGIN, TreeLog

HONEST = TreeLog.new(20)
LIE = HONEST.fork(12, 20, b"rewritten")  # same key, same size, other entries from 12 on


def _witness(directory: Path, name: str, seed: int) -> tuple[Witness, CosignatureSigner]:
    signer = CosignatureSigner.from_seed(name, bytes([seed]) * 32)
    trusted = TrustedLog(ORIGIN, (HONEST.signer.verifier(),))
    return Witness(directory / f"{seed}.sqlite3", [signer], [trusted]), signer


def _cosigned(witness: Witness, log: TreeLog, size: int) -> bytes:
    answer = witness.add_checkpoint(log.request(0, size))
    assert answer.status == 200, answer.body
    # As tlog-witness suggests: the answer appended to the checkpoint's text is a note.
    note = log.note(size)
    answered = parse_note(parse_note(note).text.encode() + b"\n" + answer.body)
    return merge_cosignatures(note, answered.signatures)


def test_two_witnesses_shown_two_trees_give_evidence_anyone_can_check(tmp_path: Path) -> None:
    first, first_key = _witness(tmp_path, "first.example/w", 1)
    second, second_key = _witness(tmp_path, "second.example/w", 2)
    # Each witness alone sees a log that only grows, so each cosigns what it was shown.
    seen_by_first = _cosigned(first, HONEST, 20)
    seen_by_second = _cosigned(second, LIE, 20)
    assert verify_cosignatures(parse_note(seen_by_first), [first_key.verifier()])
    assert verify_cosignatures(parse_note(seen_by_second), [second_key.verifier()])

    # Anyone holding both cosigned checkpoints (a reader, a monitor, a witness's gossip) can
    # prove the split view with the log key alone.
    evidence = make_evidence(seen_by_first, seen_by_second, HONEST.signer.verifier())
    view = verify_evidence(evidence, HONEST.signer.verifier())
    assert view.kind == SAME_SIZE

    # And the log cannot bring the second witness back to the honest tree later.
    grown = HONEST.fork(20, 30, b"later")
    answer = second.add_checkpoint(grown.request(20, 30))
    assert answer.status == 422  # its proof does not start from the tree that witness holds
    [refusal] = second.refusals(ORIGIN)
    proof = tuple(refusal.request.proof)
    later = make_evidence(
        refusal.stored_note, refusal.request.checkpoint, HONEST.signer.verifier(), proof
    )
    assert verify_evidence(later, HONEST.signer.verifier()).kind == NOT_A_PREFIX
    first.close()
    second.close()
