"""C2SP tlog-cosignature v1.0.1: key IDs with type 0x04, the 76-byte line, the signed message."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from firsthand.log.cosignature import (
    MAX_TIMESTAMP,
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_message,
    verify_cosignatures,
)
from firsthand.log.errors import InvalidSignature, MalformedNote, UnverifiedNote
from firsthand.log.note import NoteSignature, Signer, open_note, parse_note
from firsthand.log.witness_client import merge_cosignatures

# A real witness's cosigner key (type 0x04), copied as data from transparency-dev/formats
# note/note_cosigv1_test.go (TestCoSigV1NewVerifier, "native algEd25519CosignatureV1 verifier").
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
# A cosignature's base64 and its timestamp, from the same file (TestCoSigV1Timestamp).
FORMATS_SIG = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJ"
    "XORmnFBOBA=="
)
# The witness line of the example in C2SP tlog-cosignature v1.0.1, whose "Signed message"
# section shows the same checkpoint signed at time 1679315147.
SPEC_WITNESS_SIG = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIU"
    "BkBIfZ+qnA=="
)
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

SEED = bytes(range(32))


def test_a_published_cosigner_key_has_the_key_id_of_type_0x04() -> None:
    verifier = CosignatureVerifier.from_text(REMORA_VKEY)
    assert verifier.key_id.hex() == "da77ade7"
    expected = hashlib.sha256(b"remora.n621.de\n\x04" + verifier.public_key).digest()[:4]
    assert verifier.key_id == expected
    assert verifier.text() == REMORA_VKEY


@pytest.mark.parametrize(
    ("encoded", "timestamp"), [(FORMATS_SIG, 1727964367), (SPEC_WITNESS_SIG, 1679315147)]
)
def test_published_cosignatures_are_key_id_then_big_endian_time_then_64_bytes(
    encoded: str, timestamp: int
) -> None:
    raw = base64.b64decode(encoded)
    assert len(raw) == 4 + 8 + 64
    assert int.from_bytes(raw[4:12], "big") == timestamp


def test_the_signed_message_is_header_time_line_and_the_whole_body() -> None:
    assert cosignature_message(SPEC_BODY, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + SPEC_BODY.encode()
    )


def test_a_cosignature_is_an_ed25519_signature_over_the_message_after_the_time() -> None:
    signer = CosignatureSigner.from_seed("witness.example/w1", SEED)
    line = signer.sign(SPEC_BODY, 1679315147)
    expected = Ed25519PrivateKey.from_private_bytes(SEED).sign(
        b"cosignature/v1\ntime 1679315147\n" + SPEC_BODY.encode()
    )
    assert line.key_id == signer.key_id
    assert line.signature == (1679315147).to_bytes(8, "big") + expected
    assert signer.verifier().verify(SPEC_BODY, line) == 1679315147


def test_the_cosigner_key_id_differs_from_the_same_keys_note_key_id() -> None:
    note_signer = Signer.from_seed("witness.example/w1", SEED)
    cosigner = CosignatureSigner.from_seed("witness.example/w1", SEED)
    assert note_signer.verifier().public_key == cosigner.verifier().public_key
    assert note_signer.key_id != cosigner.key_id


def _cosigned(extensions: tuple[str, ...] = ()) -> tuple[bytes, Signer, CosignatureSigner]:
    log = Signer.from_seed("example.org/log", bytes(32))
    witness = CosignatureSigner.from_seed("witness.example/w1", SEED)
    checkpoint = Checkpoint("example.org/log", 7, bytes(range(32)), extensions)
    note = sign_checkpoint(checkpoint, log)
    return merge_cosignatures(note, [witness.sign(checkpoint.body(), 1700000000)]), log, witness


def test_a_cosigned_checkpoint_still_opens_with_the_log_key_alone() -> None:
    note, log, witness = _cosigned()
    checkpoint, opened = open_checkpoint(note, log.verifier())
    assert checkpoint.size == 7
    [found] = verify_cosignatures(opened, [witness.verifier()])
    assert found.timestamp == 1700000000


def test_a_cosignature_is_not_a_log_signature_by_the_same_key() -> None:
    log = Signer.from_seed("witness.example/w1", SEED)
    witness = CosignatureSigner.from_seed("witness.example/w1", SEED)
    body = Checkpoint("witness.example/w1", 1, bytes(32)).body()
    only_cosigned = merge_cosignatures(
        sign_checkpoint(Checkpoint("witness.example/w1", 1, bytes(32)), log),
        [witness.sign(body, 5)],
    )
    note = parse_note(only_cosigned)
    cosignature_only = type(note)(note.text, note.signatures[1:]).encode()
    with pytest.raises(UnverifiedNote):
        open_note(cosignature_only, [log.verifier()])


def test_the_cosignature_covers_extension_lines() -> None:
    note, _, witness = _cosigned(("extension one", "extension two"))
    tampered = note.replace(b"extension two", b"extension 2wo")
    with pytest.raises(InvalidSignature):
        verify_cosignatures(parse_note(tampered), [witness.verifier()])


def test_unknown_cosigners_are_ignored_and_a_failing_known_one_rejects() -> None:
    note, _, witness = _cosigned()
    stranger = CosignatureSigner.generate("witness.example/w1")  # same name, other key
    assert verify_cosignatures(parse_note(note), [stranger.verifier()]) == []
    bad = NoteSignature(witness.name, witness.key_id, bytes(72))
    with pytest.raises(InvalidSignature):
        verify_cosignatures(parse_note(merge_cosignatures(note, [bad])), [witness.verifier()])


@pytest.mark.parametrize("length", [0, 64, 71, 73])
def test_a_cosignature_of_the_wrong_length_is_refused(length: int) -> None:
    witness = CosignatureSigner.from_seed("w", SEED)
    with pytest.raises(InvalidSignature, match="72"):
        witness.verifier().verify(SPEC_BODY, NoteSignature("w", witness.key_id, bytes(length)))


def test_a_timestamp_above_2_63_minus_1_is_refused_on_both_sides() -> None:
    witness = CosignatureSigner.from_seed("w", SEED)
    with pytest.raises(MalformedNote):
        witness.sign(SPEC_BODY, MAX_TIMESTAMP + 1)
    line = witness.sign(SPEC_BODY, MAX_TIMESTAMP)
    assert witness.verifier().verify(SPEC_BODY, line) == MAX_TIMESTAMP
    huge = NoteSignature("w", witness.key_id, (2**63).to_bytes(8, "big") + line.signature[8:])
    with pytest.raises(InvalidSignature, match="2\\^63"):
        witness.verifier().verify(SPEC_BODY, huge)


def test_private_keys_round_trip_and_a_plain_note_key_can_cosign() -> None:
    witness = CosignatureSigner.from_seed("witness.example/w1", SEED)
    again = CosignatureSigner.from_private_key(witness.private_key_text())
    assert again.verifier() == witness.verifier()
    as_note_key = Signer.from_seed("witness.example/w1", SEED).private_key_text()
    assert CosignatureSigner.from_private_key(as_note_key).verifier() == witness.verifier()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "0x01"),
        ("remora.n621.de+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", "claims"),
        ("remora.n621.de+da77ade7+BOvN63jn", "bytes"),
        ("remora.n621.de+da77ade7", "form"),
        ("remora.n621.de+DA77ADE7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", "hex"),
    ],
)
def test_bad_cosigner_keys_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(MalformedNote, match=message):
        CosignatureVerifier.from_text(text)


def test_merging_replaces_an_older_line_by_the_same_witness() -> None:
    note, log, witness = _cosigned()
    body = parse_note(note).text
    merged = merge_cosignatures(note, [witness.sign(body, 1800000000)])
    signatures = parse_note(merged).signatures
    assert [s.name for s in signatures] == [log.name, witness.name]
    [found] = verify_cosignatures(parse_note(merged), [witness.verifier()])
    assert found.timestamp == 1800000000


@settings(max_examples=50, deadline=None)
@given(
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(st.text("abc xyz/:", min_size=1, max_size=20), max_size=3),
    timestamp=st.integers(0, MAX_TIMESTAMP),
)
def test_any_checkpoint_cosigned_at_any_time_verifies_with_that_time(
    size: int, root: bytes, extensions: list[str], timestamp: int
) -> None:
    witness = CosignatureSigner.from_seed("w.example", SEED)
    body = Checkpoint("example.org/log", size, root, tuple(extensions)).body()
    assert witness.verifier().verify(body, witness.sign(body, timestamp)) == timestamp
    other = Checkpoint("example.org/log", size ^ 1, root, tuple(extensions)).body()
    with pytest.raises(InvalidSignature):
        witness.verifier().verify(other, witness.sign(body, timestamp))
