"""Offline bundles: a good one verifies with no network; each tampering gets its own message."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from firsthand.log.datadir import LogInstance, open_log
from firsthand.log.note import Signer, sign_note
from firsthand.statements.bundle import (
    Rotation,
    WithholdingNotice,
    make_bundle,
    verify_bundle,
    verify_bundle_object,
)
from firsthand.statements.errors import BundleError, KeyFileError
from firsthand.statements.format import Head, Reference, body_sha256, sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.statements.keys import read_key_file, write_key_file

RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> LogInstance:
    return open_log(tmp_path_factory.mktemp("log"), "bundles.example/log")


def publish(log: LogInstance, body: str) -> dict[str, Any]:
    statement = sign_statement(RANA, body, lang="en")
    sequencer = log.sequencer()
    for i in range(300):  # put the statement inside a tree with tiles on two levels
        sequencer.submit(b"filler %d for %s" % (i, body.encode()))
    ticket = sequencer.submit(statement.head_bytes)
    sequencer.run_until_empty()
    index = ticket.wait().index
    return make_bundle(log.reader, index=index, head=statement.head_bytes, body=statement.body)


def encode(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle).encode()


def test_a_bundle_verifies_offline_and_names_author_time_and_index(log: LogInstance) -> None:
    bundle = publish(log, "I, Rana, left the Circle of Dawn in 2019.\n")
    verdict = verify_bundle(encode(bundle), log.verifier)
    assert verify_bundle_object(bundle, log.verifier) == verdict
    assert verdict.author == RANA.verifier()
    assert verdict.index == bundle["index"]
    assert verdict.log_origin == "bundles.example/log"
    assert verdict.as_json()["valid"] is True
    assert verdict.author_fingerprint == fingerprint(RANA.verifier())
    assert verdict.as_json()["author_fingerprint"] == fingerprint(RANA.verifier())
    assert verdict.rotation is None and verdict.as_json()["rotation"] is None


def bundle_of(log: LogInstance, head: bytes, body: str) -> dict[str, Any]:
    sequencer = log.sequencer()
    ticket = sequencer.submit(head)
    sequencer.run_until_empty()
    return make_bundle(log.reader, index=ticket.wait().index, head=head, body=body)


def test_a_two_way_rotation_verifies_and_the_verdict_says_the_new_key_accepted_it(
    log: LogInstance,
) -> None:
    rotation = sign_statement(
        RANA, "My new key.\n", kind="key-rotation", new_key=OMID.verifier(), cosigners=[OMID]
    )
    verdict = verify_bundle(
        encode(bundle_of(log, rotation.head_bytes, rotation.body)), log.verifier
    )
    assert verdict.rotation == Rotation(OMID.verifier(), two_way=True)
    assert verdict.as_json()["rotation"] == {
        "new_key": {
            "name": "omid.example",
            "key": OMID.verifier().text(),
            "fingerprint": fingerprint(OMID.verifier()),
        },
        "two_way": True,
        "message": "two-way: signed by the old key and by the new key, which accepted it",
    }


def test_an_old_one_way_rotation_still_verifies_but_the_verdict_says_it_is_not_followed(
    log: LogInstance,
) -> None:
    # Logged before rotations needed both keys: the log holds it, so the bundle verifies.
    body = "My new key.\n"
    head = Head(
        author=RANA.verifier(),
        time=datetime(2026, 1, 31, 9, 30, tzinfo=UTC),
        lang="en",
        kind="key-rotation",
        body_sha256=body_sha256(body),
        body_length=len(body),
        new_key=OMID.verifier(),
    )
    head_bytes = sign_note(head.text(), RANA)
    verdict = verify_bundle(encode(bundle_of(log, head_bytes, body)), log.verifier)
    assert verdict.rotation == Rotation(OMID.verifier(), two_way=False)
    assert verdict.as_json()["rotation"]["message"] == (
        "one-way: signed by the old key only: not followed; anyone can name any key as new"
    )
    assert verdict.author_fingerprint == fingerprint(RANA.verifier())


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda b: b.update(body=b["body"].replace("tamper", "improve")), "body was altered"),
        (
            lambda b: b.update(head=b["head"].replace("lang en", "lang fr")),
            "signature does not hold",
        ),
        (lambda b: b.update(index=b["index"] - 1), "inclusion proof"),
        (lambda b: b.update(inclusion_proof=b["inclusion_proof"][:-1]), "inclusion proof"),
        (
            lambda b: b.update(checkpoint=b["checkpoint"].replace("\n\n", "\nextra\n\n", 1)),
            "not signed by the log key",
        ),
        (lambda b: b.update(tree_size=b["tree_size"] + 1), "tree size"),
        (lambda b: b.update(format="something else"), "not a firsthand bundle"),
        (lambda b: b.update(index="3"), "'index' field"),
        (lambda b: b.update(body=None), "no body and no withholding notice"),
    ],
)
@pytest.mark.parametrize("as_object", [False, True], ids=["json", "object"])
def test_each_tampering_fails_with_its_own_message(
    log: LogInstance, tamper: Any, message: str, as_object: bool
) -> None:
    bundle = publish(log, f"A statement to tamper with: {message}\n")
    verify_bundle_object(bundle, log.verifier)  # as made, whole
    tamper(bundle)
    with pytest.raises(BundleError, match=message):
        if as_object:  # as a server checks the bundle it has just made (pages/presenting.py)
            verify_bundle_object(bundle, log.verifier)
        else:
            verify_bundle(encode(bundle), log.verifier)


def test_a_bundle_under_another_log_key_fails(log: LogInstance) -> None:
    bundle = publish(log, "Checked against the wrong log.\n")
    impostor = Signer.generate("bundles.example/log").verifier()
    with pytest.raises(BundleError, match="not signed by the log key"):
        verify_bundle(encode(bundle), impostor)


def test_a_withheld_body_still_verifies_its_head_and_the_operators_notice(
    log: LogInstance,
) -> None:
    statement = sign_statement(RANA, "My address is 12 Example Street.\n")
    operator = Signer.from_seed("bundles.example/log/operator", bytes(32))
    notice = sign_statement(
        operator,
        "Withheld: it discloses a home address.",
        kind="withholding",
        refers=[Reference("leaf", statement.leaf_hash.hex())],
        reason="it discloses a home address",
    )
    sequencer = log.sequencer()
    tickets = [sequencer.submit(statement.head_bytes), sequencer.submit(notice.head_bytes)]
    sequencer.run_until_empty()
    index, notice_index = (t.wait().index for t in tickets)
    bundle = make_bundle(
        log.reader,
        index=index,
        head=statement.head_bytes,
        body=None,
        withheld=WithholdingNotice(notice_index, notice.head_bytes),
    )
    verdict = verify_bundle(encode(bundle), log.verifier, operator_key=operator.verifier())
    assert verdict.body_withheld and verdict.withheld is not None
    assert verdict.withheld.message().endswith(": it discloses a home address")
    assert verdict.as_json()["withheld"]["notice_index"] == notice_index

    # An unsigned claim of withholding is not a notice.
    bundle["withheld"] = {"date": "2026-02-01", "reason": "it discloses a home address"}
    with pytest.raises(BundleError, match="lacks its index or its signed head"):
        verify_bundle(encode(bundle), log.verifier)
    # Nor is a notice whose proof does not hold.
    bundle["withheld"] = {
        "index": notice_index + 1,
        "head": notice.head_bytes.decode(),
        "inclusion_proof": [],
    }
    with pytest.raises(BundleError, match="does not put the withholding notice"):
        verify_bundle(encode(bundle), log.verifier)


def test_garbage_is_not_a_bundle(log: LogInstance) -> None:
    for data in [b"", b"\xff", b"[]", b'{"format": 1}', b"null"]:
        with pytest.raises(BundleError):
            verify_bundle(data, log.verifier)


def test_key_files_are_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "rana.key"
    write_key_file(path, RANA)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert read_key_file(path).verifier() == RANA.verifier()
    with pytest.raises(KeyFileError, match="already exists"):
        write_key_file(path, OMID)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        read_key_file(path)
    with pytest.raises(KeyFileError, match="firsthand keygen"):
        read_key_file(tmp_path / "missing.key")


def test_lone_surrogates_anywhere_are_a_bundle_error_not_a_crash(log: LogInstance) -> None:
    bundle = publish(log, "Text.\n")
    for field in ("head", "body", "checkpoint"):
        broken = dict(bundle, **{field: bundle[field] + "\ud800"})
        with pytest.raises(BundleError, match="lone surrogate"):
            verify_bundle(json.dumps(broken).encode(), log.verifier)
