"""Published test vectors: our code against data from implementations nobody here wrote.

Sources are cited inside each JSON file under tests/log/vectors/.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from firsthand.log import merkle
from firsthand.log.errors import InvalidProof, LogError, MalformedNote
from firsthand.log.note import Signer, Verifier, open_note, parse_note, sign_note

VECTORS = Path(__file__).parent / "vectors"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


def b64(text: str | None) -> bytes:
    return base64.b64decode(text or "")


CONSTANTS = load("merkle_constants.json")
INCLUSION = load("transparency_dev_inclusion.json")["cases"]
CONSISTENCY = load("transparency_dev_consistency.json")["cases"]
NOTE = load("golang_mod_note.json")


def test_roots_of_every_size_0_to_8_match_transparency_dev() -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in CONSTANTS["leaf_inputs_hex"]]
    assert [h.hex() for h in leaves] == CONSTANTS["leaf_hashes_hex"]
    for size, root in enumerate(CONSTANTS["root_hashes_hex_by_size"]):
        assert merkle.root_from_leaf_hashes(leaves[:size]).hex() == root
        assert merkle.tree_hash(size, merkle.memory_node_reader(leaves)).hex() == root


@pytest.mark.parametrize("case", INCLUSION, ids=[c["file"] for c in INCLUSION])
def test_transparency_dev_inclusion_probes(case: dict[str, Any]) -> None:
    def verify() -> None:
        merkle.verify_inclusion(
            case["leafIdx"],
            case["treeSize"],
            b64(case["leafHash"]),
            [b64(p) for p in case["proof"] or []],
            b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(InvalidProof):
            verify()
    else:
        verify()


# transparency-dev accepts equal sizes with equal roots whatever their length; we are
# stricter and refuse any root that is not 32 bytes, as it cannot be a SHA-256 root.
STRICTER_THAN_TRANSPARENCY_DEV = {
    "testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json",
}


@pytest.mark.parametrize("case", CONSISTENCY, ids=[c["file"] for c in CONSISTENCY])
def test_transparency_dev_consistency_probes(case: dict[str, Any]) -> None:
    def verify() -> None:
        merkle.verify_consistency(
            case["size1"],
            case["size2"],
            b64(case["root1"]),
            b64(case["root2"]),
            [b64(p) for p in case["proof"] or []],
        )

    if case["wantErr"] or case["file"] in STRICTER_THAN_TRANSPARENCY_DEV:
        with pytest.raises(InvalidProof):
            verify()
    else:
        verify()


def test_inclusion_probes_that_verify_are_the_proofs_we_generate() -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in CONSTANTS["leaf_inputs_hex"]]
    reader = merkle.memory_node_reader(leaves)
    happy = [c for c in INCLUSION if not c["wantErr"] and c["treeSize"] <= 8]
    assert happy
    for case in happy:
        proof = merkle.inclusion_proof(case["leafIdx"], case["treeSize"], reader)
        assert proof == [b64(p) for p in case["proof"] or []]


def test_peter_neumann_keys_parse_and_match() -> None:
    signer = Signer.from_private_key(NOTE["peter_skey"])
    assert signer.verifier().text() == NOTE["peter_vkey"]
    assert signer.private_key_text() == NOTE["peter_skey"]
    assert Verifier.from_text(NOTE["peter_vkey"]).key_id.hex() == "c74f20a3"


def test_resigning_the_published_text_reproduces_gos_note_byte_for_byte() -> None:
    signer = Signer.from_private_key(NOTE["peter_skey"])
    expected = (NOTE["text"] + "\n" + NOTE["peter_sig_line"]).encode()
    assert sign_note(NOTE["text"], signer) == expected


def test_a_note_signed_by_peter_and_enoch_opens_with_either_key() -> None:
    data = (NOTE["text"] + "\n" + NOTE["peter_sig_line"] + NOTE["enoch_sig_line"]).encode()
    peter, enoch = Verifier.from_text(NOTE["peter_vkey"]), Verifier.from_text(NOTE["enoch_vkey"])
    assert open_note(data, [peter]).verified_by == (peter,)
    assert open_note(data, [enoch]).verified_by == (enoch,)
    assert set(open_note(data, [peter, enoch]).verified_by) == {peter, enoch}
    assert len(parse_note(data).signatures) == 2


def test_a_tampered_enoch_signature_rejects_the_note_when_enoch_is_trusted() -> None:
    bad = NOTE["enoch_sig_line"].replace("5n2t", "5nABCD2t")
    data = (NOTE["text"] + "\n" + NOTE["peter_sig_line"] + bad).encode()
    peter, enoch = Verifier.from_text(NOTE["peter_vkey"]), Verifier.from_text(NOTE["enoch_vkey"])
    open_note(data, [peter])  # Enoch's key is unknown here, so its line is ignored
    with pytest.raises(LogError):
        open_note(data, [peter, enoch])


@pytest.mark.parametrize("bad", NOTE["bad_verifier_keys"])
def test_gos_bad_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(MalformedNote):
        Verifier.from_text(bad)


@pytest.mark.parametrize("message", [*NOTE["malformed_notes"], None])
def test_gos_malformed_notes_are_refused(message: str | None) -> None:
    peter = Verifier.from_text(NOTE["peter_vkey"])
    data = (
        b"\xff" + (NOTE["text"] + "\n" + NOTE["peter_sig_line"]).encode()
        if message is None
        else message.encode()
    )
    with pytest.raises(MalformedNote):
        open_note(data, [peter])


SIGNED_NOTE = load("signed_note.json")
TLOG = load("tlog_record_hash.json")
TILES = load("tlog_tiles.json")


def test_transparency_dev_reference_proofs_are_the_proofs_we_generate_and_verify() -> None:
    leaves = [bytes.fromhex(h) for h in CONSTANTS["leaf_hashes_hex"]]
    roots = [bytes.fromhex(h) for h in CONSTANTS["root_hashes_hex_by_size"]]
    reader = merkle.memory_node_reader(leaves)
    for case in CONSTANTS["inclusion_proofs"]:
        index, size = case["leaf_index"], case["tree_size"]
        proof = [bytes.fromhex(h) for h in case["proof_hex"]]
        assert merkle.inclusion_proof(index, size, reader) == proof
        merkle.verify_inclusion(index, size, leaves[index], proof, roots[size])
    for case in CONSTANTS["consistency_proofs"]:
        old, new = case["size1"], case["size2"]
        proof = [bytes.fromhex(h) for h in case["proof_hex"]]
        assert merkle.consistency_proof(old, new, reader) == proof
        merkle.verify_consistency(old, new, roots[old], roots[new], proof)


def test_the_c2sp_signed_note_example_verifies() -> None:
    example = SIGNED_NOTE["c2sp_example"]
    key = Verifier.from_text(example["verifier_key"])
    assert open_note(example["signed_note"].encode(), [key]).text == example["text"]


def test_the_c2sp_intro_note_splits_at_its_last_blank_line() -> None:
    intro = SIGNED_NOTE["c2sp_intro_note"]
    note = parse_note(intro["signed_note"].encode())
    assert note.text == intro["text"]
    assert "\n\n" in note.text


def test_the_tlog_checkpoint_example_parses() -> None:
    from firsthand.log.checkpoint import Checkpoint

    example = TILES["checkpoint_example"]
    checkpoint = Checkpoint.from_body(parse_note(example["signed_note"].encode()).text)
    assert checkpoint.origin == example["origin"]
    assert checkpoint.size == example["tree_size"]
    assert checkpoint.root_hash.hex() == example["root_hash_hex"]


def test_gos_record_hash_of_hello_world_is_our_leaf_hash() -> None:
    case = TLOG["record_hash"]
    assert merkle.leaf_hash(case["input"].encode()).hex() == case["want_hex"]


def test_gos_tile_paths_without_the_height_parse_as_c2sp_paths() -> None:
    from firsthand.log.tiles import TileID, parse_tile_path

    for case in TLOG["tile_paths"]["cases"]:
        if not case["valid"] or case["L"] < 0:
            continue
        request = parse_tile_path(case["path_without_height"])
        assert request.tile == TileID(case["L"], case["N"])
        # Go's heights differ from 8, so only partial widths carry over as they are.
        if not case["full"]:
            assert request.width == case["W"]


def test_the_tlog_tiles_spec_size_examples_give_its_tile_counts() -> None:
    from firsthand.log.tiles import partial_width

    for example in TILES["tree_sizes"]:
        for level in example["per_level"]:
            size = example["size"]
            assert size >> (8 * (level["level"] + 1)) == level["full_tiles"]
            assert partial_width(level["level"], size) == level["partial_width"]
