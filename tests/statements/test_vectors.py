"""The published test vectors (docs/vectors) hold in the Python verifier, and are current.

scripts/make-vectors.py writes them, each case's expectation stated by hand from the rule it
tests; here each case runs through firsthand.statements as a verifier (and as a server, for
the "log" answers) would use it. tests/web/test_browser_vectors.py runs the same files
through the JavaScript twin. The valid verdicts also validate against docs/verdict.schema.json.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from firsthand.log import merkle
from firsthand.log.cosignature import CosignatureVerifier
from firsthand.log.errors import LogError
from firsthand.log.note import Verifier
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.errors import BundleError
from firsthand.statements.format import (
    Head,
    check_new_head,
    open_head,
    read_statement,
    rotation_accepted_by_new_key,
    split_statement_file,
    verify_body,
)
from firsthand.statements.identity import fingerprint

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "docs" / "vectors"
SCHEMA = ROOT / "docs" / "verdict.schema.json"


@cache
def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return document


def cases(name: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in load(name)["cases"]]


def _key(key: Verifier | None) -> str | None:
    return None if key is None else key.text()


def fields(head: Head) -> dict[str, Any]:
    return {
        "author": head.author.text(),
        "time": f"{head.time:%Y-%m-%dT%H:%M:%SZ}",
        "lang": head.lang,
        "kind": head.kind,
        "body_sha256": head.body_sha256,
        "body_length": str(head.body_length),
        "media": [{"sha256": m.sha256, "type": m.type, "size": str(m.size)} for m in head.media],
        "refers": [r.line() for r in head.refers],
        "subject": _key(head.subject),
        "new_key": _key(head.new_key),
        "seen_at": head.seen_at,
        "reason": head.reason,
        "name": head.name,
        "from": None if head.revoked_from is None else str(head.revoked_from),
        "recovery": _key(head.recovery),
        **({"contacts": [c.text() for c in head.contacts]} if head.contacts else {}),
        **({"threshold": str(head.threshold)} if head.threshold is not None else {}),
    }


def read_head(head_bytes: bytes) -> dict[str, Any]:
    head, note = open_head(head_bytes, check_time=False)
    rotation = head.kind == "key-rotation"
    return {
        "valid": True,
        "leaf_hash": merkle.leaf_hash(head_bytes).hex(),
        "author_fingerprint": fingerprint(head.author),
        "two_way": rotation_accepted_by_new_key(head, note) if rotation else None,
        "fields": fields(head),
    }


def invalid(error: LogError) -> dict[str, Any]:
    return {"valid": False, "error": type(error).__name__}


def not_logged(error: LogError) -> dict[str, Any]:
    return {"accepted": False, "error": type(error).__name__}


def now(document: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(document["now"])


@pytest.mark.parametrize("case", cases("verifier-keys.json"))
def test_verifier_key_vectors(case: dict[str, Any]) -> None:
    try:
        key = Verifier.from_text(case["key"])
    except LogError as error:
        got = invalid(error)
    else:
        got = {
            "valid": True,
            "name": key.name,
            "key_id": key.key_id.hex(),
            "public_key": key.public_key.hex(),
            "fingerprint": fingerprint(key),
        }
    assert got == case["expect"]


@pytest.mark.parametrize("case", cases("heads.json"))
def test_head_vectors(case: dict[str, Any]) -> None:
    data = case["head"].encode("utf-8")
    try:
        verify = read_head(data)
    except LogError as error:
        verify = invalid(error)
    try:
        head, note = open_head(data, now=now(load("heads.json")))
        check_new_head(head, note, data)
        log = {"accepted": True}
    except LogError as error:
        log = not_logged(error)
    assert {"verify": verify, "log": log} == {"verify": case["verify"], "log": case["log"]}


@pytest.mark.parametrize("case", cases("statements.json"))
def test_statement_vectors(case: dict[str, Any]) -> None:
    data = case["file"].encode() if "file" in case else base64.b64decode(case["file_base64"])
    verify: dict[str, Any]
    try:
        head_bytes, body_bytes = split_statement_file(data)
        body = body_bytes.decode("utf-8")
        head, _ = open_head(head_bytes, check_time=False)
        verify_body(head, body, max_body=len(body_bytes))  # readers set no size limit
        verify = {**read_head(head_bytes), "body": body}
    except UnicodeDecodeError:
        verify = {"valid": False, "error": "MalformedStatement"}
    except LogError as error:
        verify = invalid(error)
    limit = {"max_body": case["max_body"]} if "max_body" in case else {}
    try:
        read_statement(data, now=now(load("statements.json")), **limit)
        log = {"accepted": True}
    except LogError as error:
        log = not_logged(error)
    assert {"verify": verify, "log": log} == {"verify": case["verify"], "log": case["log"]}


def python_verdict(case: dict[str, Any]) -> dict[str, Any]:
    data = (case["bundle_text"] if "bundle_text" in case else json.dumps(case["bundle"])).encode()
    witnesses = [CosignatureVerifier.from_text(w) for w in case.get("witnesses", [])]
    operator = case.get("operator_key")
    try:
        return verify_bundle(
            data,
            Verifier.from_text(case.get("log_key", load("bundles.json")["log_key"])),
            operator_key=None if operator is None else Verifier.from_text(operator),
            witnesses=witnesses,
            quorum=case.get("quorum", 0),
        ).as_json()
    except BundleError as error:
        return {"valid": False, "failed_check": error.check}


@pytest.mark.parametrize("case", cases("bundles.json"))
def test_bundle_vectors(case: dict[str, Any]) -> None:
    assert python_verdict(case) == case["verdict"]


def test_there_are_enough_vectors_and_each_names_its_rule() -> None:
    every = [c for name in VECTORS.glob("*.json") for c in load(name.name)["cases"]]
    assert len(every) >= 150
    assert all(
        c["rule"] and c["doc"].split("#")[0] in ("statement-format.md", "bundle-format.md")
        for c in every
    )
    anchors = {c["doc"] for c in every}
    for anchor in anchors:  # each case points at a section the docs have
        doc, _, section = anchor.partition("#")
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        headings = {_anchor(line) for line in text.splitlines() if line.startswith("#")}
        assert section in headings, anchor


def _anchor(heading: str) -> str:
    """A Markdown heading's anchor as GitHub makes it: lowercase, spaces to hyphens."""
    words = heading.lstrip("#").strip().lower()
    return "".join(ch for ch in words if ch.isalnum() or ch in " -").replace(" ", "-")


def test_the_vectors_are_what_the_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("make_vectors", ROOT / "scripts/make-vectors.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(script)
        files = script.rendered()
    finally:
        del sys.modules[spec.name]
    for name, text in files.items():
        assert (VECTORS / name).read_text(encoding="utf-8") == text, (
            f"docs/vectors/{name} is stale: run scripts/make-vectors.py"
        )


def test_every_valid_vector_verdict_follows_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    verdicts = [c["verdict"] for c in load("bundles.json")["cases"]]
    for verdict in verdicts:
        if verdict["valid"]:
            validator.validate(verdict)
    assert sum(v["valid"] for v in verdicts) >= 12
