"""Witness cosignatures checked in JavaScript (cosignature.js, verify.js) exactly as Python does."""

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
from tests.web.test_browser_crypto import RANA, node, value

ALPHA = CosignatureSigner.from_seed("alpha.example/witness", bytes(range(32)))
BETA = CosignatureSigner.from_seed("beta.example/witness", bytes(range(5, 37)))


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> LogInstance:
    return open_log(tmp_path_factory.mktemp("log"), "cosigned.example/log")


@pytest.fixture(scope="module")
def bundle(log: LogInstance) -> dict[str, Any]:
    statement = sign_statement(RANA, "Cosigned words, checked in the browser.\n")
    sequencer = log.sequencer()
    ticket = sequencer.submit(statement.head_bytes)
    sequencer.run_until_empty()
    latest = log.reader.latest()
    _, note = open_checkpoint(latest.note, log.verifier)
    line = ALPHA.sign(note.text, timestamp=1_764_000_000)
    cosigned = StoredCheckpoint(latest.size, merge_cosignatures(latest.note, [line]))
    return make_bundle(
        log.reader,
        index=ticket.wait().index,
        head=statement.head_bytes,
        body=statement.body,
        checkpoint=cosigned,
    )


def js(bundle: dict[str, Any], log: LogInstance, witnesses: list[str], quorum: int) -> Any:
    request = {
        "op": "verify_bundle",
        "bundle": bundle,
        "log_key": log.verifier.text(),
        "witnesses": witnesses,
        "quorum": quorum,
    }
    return value(node(request)[0])


def python_error(
    bundle: dict[str, Any], log: LogInstance, witnesses: list[str], quorum: int
) -> str:
    from firsthand.log.cosignature import CosignatureVerifier

    keys = [CosignatureVerifier.from_text(k) for k in witnesses]
    with pytest.raises(BundleError) as caught:
        verify_bundle(json.dumps(bundle).encode(), log.verifier, witnesses=keys, quorum=quorum)
    return str(caught.value)


def test_javascript_reports_the_same_cosigners_as_python(
    log: LogInstance, bundle: dict[str, Any]
) -> None:
    from firsthand.log.cosignature import CosignatureVerifier

    keys = [ALPHA.verifier().text(), BETA.verifier().text()]
    result = js(bundle, log, keys, 1)
    assert result["valid"], result["error"]
    assert result["checks"][-1]["id"] == "witnesses"
    expected = verify_bundle(
        json.dumps(bundle).encode(),
        log.verifier,
        witnesses=[CosignatureVerifier.from_text(k) for k in keys],
        quorum=1,
    ).as_json()
    assert result["verdict"] == expected


def test_a_quorum_not_met_fails_with_pythons_message(
    log: LogInstance, bundle: dict[str, Any]
) -> None:
    keys = [ALPHA.verifier().text(), BETA.verifier().text()]
    result = js(bundle, log, keys, 2)
    assert not result["valid"]
    assert result["error"] == python_error(bundle, log, keys, 2)


def test_a_forged_cosignature_fails_with_pythons_message(
    log: LogInstance, bundle: dict[str, Any]
) -> None:
    lines = bundle["checkpoint"].split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"— {ALPHA.name} "))
    prefix, _, signature = lines[at].rpartition(" ")
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 1
    lines[at] = f"{prefix} {base64.b64encode(raw).decode()}"
    forged = {**bundle, "checkpoint": "\n".join(lines)}
    keys = [ALPHA.verifier().text()]
    result = js(forged, log, keys, 1)
    assert not result["valid"]
    assert result["error"] == python_error(forged, log, keys, 1)


def test_a_log_key_given_as_a_witness_key_is_refused(
    log: LogInstance, bundle: dict[str, Any]
) -> None:
    result = js(bundle, log, [log.verifier.text()], 1)
    assert not result["valid"] and "type 0x04" in result["error"]
