"""Social recoveries and devices in an offline bundle (statements/bundle_succession.py,
docs/bundle-format.md "Succession"), against the seizing organisation's moves; and what
`firsthand verify` prints of them, with the photos' hashes in its JSON.

The shared vectors (docs/vectors/bundles.json, "social/" and "device/") pin the verdicts
for both verifiers; these are the attacks on top, and properties of stripping.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log import merkle
from firsthand.log.checkpoint import Checkpoint, sign_checkpoint
from firsthand.log.note import Note, NoteSignature, Signer, parse_note
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.format import Media, sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.statements.offline import STOLEN_KEY, VALID, main

LOG = Signer.from_seed("succession.example/log", bytes(range(3, 35)))
IDENTITY = Signer.from_seed("hamid.example", bytes(range(32)))
PHONE = Signer.from_seed("hamid.phone", bytes(range(1, 33)))
LOST = Signer.from_seed("rana.example", bytes(range(2, 34)))
NEW = Signer.from_seed("rana.2027", bytes(range(4, 36)))
FRIENDS = [Signer.from_seed(f"friend{i}.example", bytes(range(10 + i, 42 + i))) for i in range(3)]
PHOTO = Media("ab" * 32, "image/jpeg", 48213)


def bundle(heads: list[bytes], index: int, succession: list[int], body: str) -> dict[str, Any]:
    leaves = [merkle.leaf_hash(h) for h in heads]
    reader = merkle.memory_node_reader(leaves)
    root = merkle.root_from_leaf_hashes(leaves)
    checkpoint = sign_checkpoint(Checkpoint(LOG.name, len(heads), root, ()), LOG)

    def proof(at: int) -> list[str]:
        return [
            base64.b64encode(h).decode() for h in merkle.inclusion_proof(at, len(heads), reader)
        ]

    return {
        "format": "firsthand-bundle/v1",
        "index": index,
        "head": heads[index].decode(),
        "body": body,
        "tree_size": len(heads),
        "inclusion_proof": proof(index),
        "checkpoint": checkpoint.decode(),
        "succession": [
            {"index": at, "head": heads[at].decode(), "inclusion_proof": proof(at)}
            for at in succession
        ],
    }


def verdict(b: dict[str, Any]) -> dict[str, Any]:
    return verify_bundle(json.dumps(b).encode(), LOG.verifier()).as_json()


def device_log() -> list[bytes]:
    return [
        sign_statement(IDENTITY, "Hello.").head_bytes,  # 0
        sign_statement(
            IDENTITY, "My phone.", kind="device", subject=PHONE.verifier(), cosigners=[PHONE]
        ).head_bytes,  # 1
        sign_statement(PHONE, "From my phone.\n", media=[PHOTO]).head_bytes,  # 2
    ]


def test_a_device_certificate_logged_after_the_statement_does_not_make_it_the_identitys() -> None:
    """A thief holding a fresh key signs first, then gets it certified: its earlier words stay
    its own (and a key that signed before is no device at all)."""
    early = sign_statement(PHONE, "Before any certificate.").head_bytes
    certificate = sign_statement(
        IDENTITY, "My phone.", kind="device", subject=PHONE.verifier(), cosigners=[PHONE]
    ).head_bytes
    heads = [early, certificate]
    assert verdict(bundle(heads, 0, [1], "Before any certificate."))["device"] is None


def test_a_device_statement_without_the_devices_own_line_is_no_device() -> None:
    """Whoever holds the identity key cannot claim someone else's key as their device."""
    heads = device_log()
    note = parse_note(heads[1])
    heads[1] = Note(note.text, note.signatures[:1]).encode()  # the device's line cut off
    assert verdict(bundle(heads, 2, [0, 1], "From my phone.\n"))["device"] is None


def test_a_forged_contact_line_does_not_count_toward_the_threshold() -> None:
    """A thief who holds the lost key, one contact's key, and forges the second line."""
    contacts = FRIENDS[:2]
    keys = tuple(sorted((f.verifier() for f in FRIENDS), key=fingerprint))
    named = sign_statement(LOST, "Contacts.", kind="contacts", contacts=keys, threshold=2)
    stolen = sign_statement(LOST, "Stolen.")
    recovery = sign_statement(
        NEW, "Mine now.", kind="social-recovery", subject=LOST.verifier(),
        contacts=[c.verifier() for c in contacts], cosigners=contacts, revoked_from=1,
    )  # fmt: skip
    note = parse_note(recovery.head_bytes)
    forged = note.signatures[-1]
    lines = (*note.signatures[:-1], NoteSignature(forged.name, forged.key_id, bytes(64)))
    heads = [named.head_bytes, stolen.head_bytes, Note(note.text, lines).encode()]
    assert verdict(bundle(heads, 1, [0, 2], "Stolen."))["stolen_key"] is None
    heads[2] = recovery.head_bytes  # with both real lines it counts
    assert verdict(bundle(heads, 1, [0, 2], "Stolen."))["stolen_key"]["kind"] == "social-recovery"


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(0, 4)))
def test_stripping_entries_never_makes_a_device_statement_look_more_the_identitys(
    kept: set[int],
) -> None:
    """Whatever a thief leaves out of a revoked device's bundle, the verdict never names the
    identity with a revocation point later than the whole bundle's, and never names another
    identity."""
    heads = [
        *device_log(),
        sign_statement(PHONE, "The thief, on the phone.").head_bytes,  # 3
        sign_statement(
            IDENTITY, "Taken.", kind="device-revocation", subject=PHONE.verifier()
        ).head_bytes,  # 4
        sign_statement(PHONE, "The thief again.").head_bytes,  # 5
    ]
    whole = verdict(bundle(heads, 5, [0, 1, 3, 4], "The thief again."))
    assert whole["stolen_key"]["since"] == 4
    part = verdict(bundle(heads, 5, sorted(kept - {2, 5}), "The thief again."))
    if part["device"] is not None:
        assert (
            part["device"]["identity"]["fingerprint"] == whole["device"]["identity"]["fingerprint"]
        )
    if part["stolen_key"] is not None:
        assert part["stolen_key"]["since"] >= whole["stolen_key"]["since"]


def test_verify_prints_the_device_and_its_json_carries_the_photos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "phone.bundle.json"
    path.write_text(json.dumps(bundle(device_log(), 2, [0, 1], "From my phone.\n")))
    assert main(["verify", "--log-key", LOG.verifier().text(), str(path)]) == VALID
    out = capsys.readouterr().out
    assert "signed by device hamid.phone (fingerprint " in out
    assert "of identity hamid.example (fingerprint " in out
    assert main(["verify", "--json", "--log-key", LOG.verifier().text(), str(path)]) == VALID
    printed = json.loads(capsys.readouterr().out)
    assert printed["media"] == [{"sha256": PHOTO.sha256, "type": "image/jpeg", "size": 48213}]
    assert printed["device"]["identity"]["name"] == "hamid.example"


def test_a_revoked_devices_statement_exits_with_the_stolen_key_status(tmp_path: Path) -> None:
    heads = [
        *device_log(),
        sign_statement(
            IDENTITY, "Taken.", kind="device-revocation", subject=PHONE.verifier()
        ).head_bytes,
        sign_statement(PHONE, "The thief.").head_bytes,
    ]
    path = tmp_path / "thief.bundle.json"
    path.write_text(json.dumps(bundle(heads, 4, [0, 1, 3], "The thief.")))
    assert main(["verify", "--log-key", LOG.verifier().text(), str(path)]) == STOLEN_KEY
