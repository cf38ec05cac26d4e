"""The browser's cryptography (firsthand/web/static/firsthand/js) agrees with the Python.

Node 20 runs the same ES modules the site serves (tests/web/js/bridge.mjs answers JSON
requests), and every result is checked against firsthand.log and firsthand.statements:
statements signed in JS are Python's bytes, Python's bundles verify in JS and each
tampering fails at the same check, key files (plain and sealed) cross both ways, and
the published signed-note and Merkle vectors hold. A last test runs the modules in
Debian's Chromium under a strict Content-Security-Policy, IndexedDB included.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from firsthand.log import merkle
from firsthand.log.datadir import LogInstance, open_log
from firsthand.log.errors import LogError
from firsthand.log.note import Note, Signer, Verifier, check_key_name, parse_note, sign_note
from firsthand.statements.bundle import WithholdingNotice, make_bundle, verify_bundle
from firsthand.statements.errors import BundleError, KeyFileError, MalformedStatement, WrongAuthor
from firsthand.statements.format import (
    Head,
    Media,
    Reference,
    body_sha256,
    parse_head_text,
    read_statement,
    rotation_is_two_way,
)
from firsthand.statements.format import sign_statement as py_sign_statement
from firsthand.statements.identity import fingerprint, invisible_character
from firsthand.statements.keys import key_file_text
from firsthand.statements.sealed_keys import open_sealed_key_text, seal_key_file_text

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "firsthand" / "web" / "static" / "firsthand" / "js"
BRIDGE = Path(__file__).resolve().parent / "js" / "bridge.mjs"
VECTORS = Path(__file__).resolve().parent / "js" / "vectors.mjs"
NODE = shutil.which("node") or "/usr/bin/node"
TEST_ITERATIONS = 1000  # sealing at the real 600,000 is tested once, below

RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))
OPERATOR = Signer.from_seed("crypto.example/log/operator", bytes(32))
WHEN = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


def node(*requests: dict[str, Any]) -> list[dict[str, Any]]:
    """Run requests through bridge.mjs in one node process; results in the same order."""
    done = subprocess.run(
        [NODE, str(BRIDGE)],
        input=json.dumps(requests).encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def value(result: dict[str, Any]) -> Any:
    assert result["ok"], result["error"]
    return result["value"]


def seed_of(signer: Signer) -> dict[str, str]:
    return {"name": signer.name, "seed": signer.seed().hex()}


# --- statements ------------------------------------------------------------------------

LEAF = "ab" * 32
TEXT = "cd" * 32
STATEMENTS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019.\n", {}, {}),
    (
        "من این را نگفته‌ام.\n\n— not a signature line\n\tindented\n",
        {"kind": "denial", "lang": "fa", "refers": [f"text:{TEXT}"], "seenAt": "a forum, 2025"},
        {
            "kind": "denial",
            "lang": "fa",
            "refers": [Reference("text", TEXT)],
            "seen_at": "a forum, 2025",
        },
    ),
    (
        "A photo and a correction.",
        {
            "kind": "correction",
            "lang": "en-GB",
            "media": [{"sha256": "ef" * 32, "type": "image/jpeg", "size": 123456}],
            "refers": [{"kind": "leaf", "sha256": LEAF}],
        },
        {
            "kind": "correction",
            "lang": "en-GB",
            "media": [Media("ef" * 32, "image/jpeg", 123456)],
            "refers": [Reference("leaf", LEAF)],
        },
    ),
    (
        "I vouch for Omid.\n",
        {"kind": "vouch", "subject": OMID.verifier().text()},
        {"kind": "vouch", "subject": OMID.verifier()},
    ),
    (
        "My new key.\n",
        {"kind": "key-rotation", "newKey": OMID.verifier().text(), "cosigners": [seed_of(OMID)]},
        {"kind": "key-rotation", "new_key": OMID.verifier(), "cosigners": [OMID]},
    ),
    ("", {"kind": "testimony"}, {"kind": "testimony"}),
    (
        "I left in 2019. I write here in Persian and English.\n",
        {"kind": "profile", "name": "Parisa M."},
        {"kind": "profile", "name": "Parisa M."},
    ),
    ("", {"kind": "profile", "name": "پریسا"}, {"kind": "profile", "name": "پریسا"}),
]


def test_a_statement_signed_in_js_is_pythons_statement_byte_for_byte() -> None:
    requests = [
        {
            "op": "sign",
            **seed_of(RANA),
            "body": body,
            "fields": {**js, "time": "2026-01-31T09:30:00Z"},
        }
        for body, js, _ in STATEMENTS
    ]
    for (body, _, py), result in zip(STATEMENTS, node(*requests), strict=True):
        signed = value(result)
        expected = py_sign_statement(RANA, body, time=WHEN, **py)
        assert signed["file"].encode() == expected.file_bytes()
        assert signed["leaf_hash"] == expected.leaf_hash.hex()
        assert read_statement(signed["file"].encode(), now=WHEN).head == expected.head


def test_the_documented_worked_example_comes_out_of_js_unchanged() -> None:
    docs = (ROOT / "docs" / "statement-format.md").read_text(encoding="utf-8")
    example = docs.split("## Worked example")[1].split("```\n")[1]  # its fenced block
    body = "I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019.\n"
    signed = value(
        node(
            {
                "op": "sign",
                **seed_of(RANA),
                "body": body,
                "fields": {"time": WHEN.isoformat()[:19] + "Z"},
            }
        )[0]
    )
    assert signed["file"] == example
    assert signed["leaf_hash"] == "ef2654fe81bc9a540577d842cefafb1840395aa5c429a2e98774004375c7a198"


def test_a_js_date_loses_its_milliseconds_as_python_loses_microseconds() -> None:
    result = node(
        {"op": "sign", **seed_of(RANA), "body": "x", "fields": {"time": "2026-01-31T09:30:00.999Z"}}
    )[0]
    assert not result["ok"]  # a string must already be canonical...
    assert "RFC 3339" in result["error"]["message"]


def valid_head_text() -> str:
    return py_sign_statement(
        RANA,
        "body",
        time=WHEN,
        kind="denial",
        refers=[Reference("text", TEXT)],
        media=[Media("ef" * 32, "image/png", 10)],
        seen_at="here",
    ).note.text


def head_variants() -> list[str]:
    """Heads that differ from a valid one by one edit: most are refused, some are not."""
    text = valid_head_text()
    lines = text.splitlines()
    variants = [text]
    for i in range(len(lines)):
        variants.append("".join(ln + "\n" for j, ln in enumerate(lines) if j != i))  # drop
        variants.append("".join(ln + "\n" for ln in [*lines[: i + 1], lines[i], *lines[i + 1 :]]))
        if i + 1 < len(lines):  # swap with the next line
            swapped = [*lines[:i], lines[i + 1], lines[i], *lines[i + 2 :]]
            variants.append("".join(ln + "\n" for ln in swapped))
    # fmt: off
    replacements = [
        ("lang en", "lang EN"), ("lang en", "lang en-"), ("lang en", "lang e"),
        ("lang en", "lang zh-Hant-TW"), ("lang en", "lang en-abcdefghi"),
        ("kind denial", "kind Denial"), ("kind denial", "kind testimony"),
        ("kind denial", "kind gossip"), ("time 2026-01-31T09:30:00Z", "time 2026-02-30T09:30:00Z"),
        ("09:30:00Z", "24:00:00Z"), ("09:30:00Z", "23:59:60Z"), ("09:30:00Z", "09:30:00+00:00"),
        ("09:30:00Z", "09:30:00.5Z"), ("2026-01-31", "0999-01-31"), ("2026-01-31", "0000-01-31"),
        ("2026-01-31", "9999-12-31"), ("2026-01-31", "2024-02-29"), ("2026-01-31", "2025-02-29"),
        ("2026-01-31", "٢٠٢٦-01-31"),
        (" 4\n", " 04\n"), (" 4\n", " -4\n"), (" 4\n", " 4 \n"),
        (" 4\n", " 99999999999999999999\n"),
        (" 10\n", " 010\n"), ("image/png", "image/PNG"), ("image/png", "image"),
        ("image/png", "image/svg+xml"), ("text:", "leaf:"), ("text:", "TEXT:"),
        ("text:" + TEXT, "text:" + TEXT.upper()), ("text:" + TEXT, "text:" + TEXT[:-1]),
        ("seen-at here", "seen-at " + "x" * 500), ("seen-at here", "seen-at " + "x" * 501),
        ("seen-at here", "seen-at " + "ж" * 500), ("seen-at here", "seen-at " + "😀" * 500),
        ("seen-at here", "seen-at " + "😀" * 501), ("seen-at here", "seen-at  here"),
        ("seen-at here", "seen-at here\x7f"), ("seen-at here", "seen-at here\x85"),
        ("seen-at here", "seen-at"), ("seen-at here", "seen-at "),
        ("seen-at here", "reason here"), ("seen-at here", "subject " + OMID.verifier().text()),
        ("firsthand-statement/v1", "firsthand-statement/v2"), ("author ", "author  "),
        ("rana.example+", "rana.exampl+"), ("\nbody", "\n\nbody"), ("body sha256", "body sha512"),
    ]
    # fmt: on
    for old, new in replacements:
        assert old in text, old
        variants.append(text.replace(old, new, 1))
    variants += [text[:-1], text + "\n", text + "x\n", "", "\n", text.replace("\n", "\r\n")]
    return variants


def python_accepts(text: str) -> bool:
    try:
        parse_head_text(text)
    except MalformedStatement:
        return False
    return True


def profile_head_variants() -> list[str]:
    text = parse_note(
        py_sign_statement(
            RANA, "A short bio.\n", kind="profile", name="Parisa M.", time=WHEN
        ).head_bytes
    ).text
    names = [
        "P",
        "n" * 100,
        "n" * 101,
        " Parisa",
        "Parisa ",
        "Parisa\x85",
        "Parisa\u00a0",
        "\ufeffParisa",
        "پریسا محمدی",
        "Parisa\u200bM",
        "Parisa\x7f",
    ]
    variants = [text.replace("name Parisa M.", f"name {n}") for n in names]
    variants.append(text.replace("kind profile", "kind declaration"))
    variants.append(text.replace("name Parisa M.\n", ""))
    variants.append(text.replace(" 13\n", " 2001\n"))
    return variants


def test_js_judges_display_names_and_bios_as_python_does() -> None:
    variants = profile_head_variants()
    results = node(*({"op": "parse_head", "text": t} for t in variants))
    verdicts = {t: (python_accepts(t), r["ok"]) for t, r in zip(variants, results, strict=True)}
    assert not {t: v for t, v in verdicts.items() if v[0] != v[1]}
    assert 3 <= sum(accepted for accepted, _ in verdicts.values()) < len(variants)


def test_js_refuses_exactly_the_heads_python_refuses() -> None:
    variants = head_variants()
    results = node(*({"op": "parse_head", "text": t} for t in variants))
    verdicts = {t: (python_accepts(t), r["ok"]) for t, r in zip(variants, results, strict=True)}
    disagreements = {t: v for t, v in verdicts.items() if v[0] != v[1]}
    assert not disagreements
    assert sum(accepted for accepted, _ in verdicts.values()) >= 8  # not only refusals
    for r in results:
        if not r["ok"]:
            assert r["error"]["name"] == "MalformedStatement", r["error"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ("carriage\rreturn", {}),
        ("nul\x00", {}),
        ("delete\x7f", {}),
        ("x", {"kind": "denial"}),
        ("x", {"kind": "correction"}),
        ("x", {"kind": "withholding", "refers": [f"leaf:{LEAF}"]}),
        ("x", {"kind": "declaration", "reason": "because"}),
        ("x", {"kind": "declaration", "seenAt": "there"}),
        ("x", {"kind": "denial", "refers": [f"text:{TEXT}"], "seenAt": "line\nbreak"}),
        ("x", {"lang": "en\nkind testimony"}),
        ("x", {"kind": "vouch"}),
        ("x", {"kind": "vouch", "subject": "not a key"}),
        ("x", {"time": "0999-01-01T00:00:00Z"}),
        ("x", {"kind": "profile"}),
        ("x", {"kind": "declaration", "name": "A name"}),
        ("x", {"kind": "profile", "name": " padded"}),
        ("x", {"kind": "profile", "name": "n" * 101}),
        ("b" * 2001, {"kind": "profile", "name": "Too long a bio"}),
        ("x", {"lang": "en-gb"}),  # a server logs only the canonical case, en-GB
    ],
)
def test_js_will_not_sign_what_python_will_not_sign(body: str, fields: dict[str, Any]) -> None:
    result = node({"op": "sign", **seed_of(RANA), "body": body, "fields": fields})[0]
    assert not result["ok"]
    assert result["error"]["name"] in ("MalformedStatement", "BodyTooLarge")
    py_fields: dict[str, Any] = {
        "kind": fields.get("kind", "declaration"),
        "lang": fields.get("lang", "en"),
        "refers": [Reference(*r.split(":")) for r in fields.get("refers", [])],
        "seen_at": fields.get("seenAt"),
        "reason": fields.get("reason"),
        "name": fields.get("name"),
    }
    if "time" in fields:
        py_fields["time"] = datetime.fromisoformat(fields["time"])
    if "subject" in fields:
        with pytest.raises(LogError):
            Verifier.from_text(fields["subject"])
        return
    with pytest.raises(LogError):
        py_sign_statement(RANA, body, **py_fields)


def test_a_python_statement_file_reads_in_js_and_a_tampered_one_does_not() -> None:
    statement = py_sign_statement(RANA, "Line one.\n\nLine three.\n", time=WHEN, lang="fa")
    good = statement.file_bytes().decode()
    tampered = [
        good.replace("Line three", "Line 3"),
        good.replace("lang fa", "lang en"),
        good.replace("\n\n\u2014", "\n\n\u2014\u2014", 1),
        good.replace("\n\nLine one", "Line one"),
        good.replace("AAQ", "AAR") if "AAQ" in good else good[:-1],
    ]
    later = WHEN.isoformat()
    results = node(
        {"op": "read_statement", "file": good, "now": later},
        *({"op": "read_statement", "file": t, "now": later} for t in tampered),
        {"op": "read_statement", "file": good, "now": "2026-01-31T09:19:59Z"},
    )
    assert value(results[0])["lang"] == "fa"
    assert value(results[0])["author"] == RANA.verifier().text()
    for t, r in zip(tampered, results[1:-1], strict=True):
        assert not r["ok"], t
        with pytest.raises(LogError):
            read_statement(t.encode(), now=WHEN)
    assert results[-1]["error"]["name"] == "StatementFromTheFuture"


# --- bundles ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> LogInstance:
    return open_log(tmp_path_factory.mktemp("log"), "crypto.example/log")


def publish(log: LogInstance, *statements: bytes, fillers: int = 0, after: int = 0) -> list[int]:
    sequencer = log.sequencer()
    for i in range(fillers):  # tiles on two levels, and a path with left and right turns
        sequencer.submit(b"filler %d of %d" % (i, len(statements)))
    tickets = [sequencer.submit(s) for s in statements]
    for i in range(after):
        sequencer.submit(b"after %d of %d" % (i, len(statements)))
    sequencer.run_until_empty()
    return [t.wait().index for t in tickets]


def js_verify(bundle: dict[str, Any], log: LogInstance) -> dict[str, Any]:
    request = {"op": "verify_bundle", "bundle": bundle, "log_key": log.verifier.text()}
    result: dict[str, Any] = value(node(request)[0])
    return result


@pytest.fixture(scope="module")
def bundle(log: LogInstance) -> dict[str, Any]:
    statement = py_sign_statement(RANA, "A statement to check in the browser.\n")
    (index,) = publish(log, statement.head_bytes, fillers=300, after=40)
    return make_bundle(log.reader, index=index, head=statement.head_bytes, body=statement.body)


def test_a_python_bundle_verifies_in_js_with_pythons_verdict(
    log: LogInstance, bundle: dict[str, Any]
) -> None:
    result = js_verify(bundle, log)
    assert result["valid"] and result["error"] is None
    # Every check that applies passed, the revocations of the author's key among them
    # (the withholding and witness checks do not apply to this bundle).
    statuses = {c["id"]: c["status"] for c in result["checks"]}
    assert set(statuses.values()) == {"ok"}
    assert set(statuses) == {
        "format", "checkpoint", "tree-size", "head", "body", "inclusion", "revocations"
    }
    expected = verify_bundle(json.dumps(bundle).encode(), log.verifier).as_json()
    assert result["verdict"] == expected


def test_the_js_proof_path_is_the_trees_own_nodes_from_leaf_to_root(
    log: LogInstance, bundle: dict[str, Any]
) -> None:
    result = js_verify(bundle, log)
    path = result["proof"]
    size = bundle["tree_size"]
    leaves = [merkle.leaf_hash(log.reader.entry(i)) for i in range(size)]
    assert path["leafHash"] == leaves[bundle["index"]].hex()
    assert [step["hash"] for step in path["steps"]] == [
        base64.b64decode(p).hex() for p in bundle["inclusion_proof"]
    ]
    covered = (bundle["index"], bundle["index"] + 1)
    for step in path["steps"]:
        start, end = step["start"], step["end"]
        assert step["hash"] == merkle.root_from_leaf_hashes(leaves[start:end]).hex()
        assert (end == covered[0]) == (step["side"] == "left")
        assert 2 ** step["level"] >= end - start > 2 ** step["level"] // 2
        covered = (min(start, covered[0]), max(end, covered[1]))
        assert step["parent"] == merkle.root_from_leaf_hashes(leaves[covered[0] : covered[1]]).hex()
    assert covered == (0, size)
    assert {s["side"] for s in path["steps"]} == {"left", "right"}


def swap_proof_hash(b: dict[str, Any]) -> None:
    proof = b["inclusion_proof"]
    proof[0], proof[1] = proof[1], proof[0]


TAMPERINGS: list[tuple[str, Any, str]] = [
    ("body", lambda b: b.update(body=b["body"].replace("check", "chuck")), "body"),
    ("body control", lambda b: b.update(body=b["body"] + "\x00"), "body"),
    ("body type", lambda b: b.update(body=7), "body"),
    ("no body", lambda b: b.update(body=None), "body"),
    ("head", lambda b: b.update(head=b["head"].replace("lang en", "lang fr")), "head"),
    (
        "head signature",
        lambda b: b.update(head=b["head"].replace("\u2014 rana", "\u2014 omid")),
        "head",
    ),
    ("index", lambda b: b.update(index=b["index"] - 1), "inclusion"),
    ("proof cut", lambda b: b.update(inclusion_proof=b["inclusion_proof"][:-1]), "inclusion"),
    ("proof order", swap_proof_hash, "inclusion"),
    ("proof not base64", lambda b: b["inclusion_proof"].__setitem__(0, "@@"), "inclusion"),
    ("proof hash short", lambda b: b["inclusion_proof"].__setitem__(0, "AAAA"), "inclusion"),
    ("proof item type", lambda b: b["inclusion_proof"].__setitem__(0, 5), "inclusion"),
    (
        "checkpoint text",
        lambda b: b.update(checkpoint=b["checkpoint"].replace("\n\n", "\nextra\n\n", 1)),
        "checkpoint",
    ),
    (
        "checkpoint size",
        lambda b: b.update(checkpoint=b["checkpoint"].replace(f"\n{b['tree_size']}\n", "\n1\n")),
        "checkpoint",
    ),
    ("tree size", lambda b: b.update(tree_size=b["tree_size"] + 1), "tree-size"),
    ("format", lambda b: b.update(format="something else"), "format"),
    ("index type", lambda b: b.update(index="3"), "format"),
    ("index bool", lambda b: b.update(index=True), "format"),
    ("proof type", lambda b: b.update(inclusion_proof="AAAA"), "format"),
    ("notice not object", lambda b: b.update(withheld=[]), "withheld"),
    ("notice unsigned", lambda b: b.update(withheld={"date": "2026-02-01"}), "withheld"),
]


LIBRARY_DETAIL = {"proof not base64", "proof item type"}


@pytest.mark.parametrize(("name", "tamper", "check"), TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_each_tampering_fails_in_js_at_the_check_python_names(
    log: LogInstance, bundle: dict[str, Any], name: str, tamper: Any, check: str
) -> None:
    copy = json.loads(json.dumps(bundle))
    tamper(copy)
    with pytest.raises(BundleError) as python:
        verify_bundle(json.dumps(copy).encode(), log.verifier)
    result = js_verify(copy, log)
    assert not result["valid"] and result["verdict"] is None
    failed = [c for c in result["checks"] if c["status"] == "failed"]
    assert failed[0]["id"] == check
    assert result["error"] == failed[0]["message"]
    if name in LIBRARY_DETAIL:  # Python's last clause is binascii's or TypeError's own words
        assert result["error"].rsplit(": ", 1)[0] == str(python.value).rsplit(": ", 1)[0]
    else:
        assert result["error"] == str(python.value)


def test_a_bundle_fails_in_js_under_another_log_key_and_garbage_is_no_bundle(
    log: LogInstance, bundle: dict[str, Any]
) -> None:
    impostor = Signer.generate("crypto.example/log").verifier().text()
    results = node(
        {"op": "verify_bundle", "bundle": bundle, "log_key": impostor},
        {"op": "verify_bundle", "bundle": bundle, "log_key": "not a key"},
        *(
            {"op": "verify_bundle", "bundle": garbage, "log_key": log.verifier.text()}
            for garbage in ["", "[]", '{"format": 1}', "null", None, 5, json.dumps(bundle)[:-1]]
        ),
        {"op": "verify_bundle", "bundle": json.dumps(bundle), "log_key": log.verifier.text()},
    )
    first = value(results[0])
    assert first["checks"][1]["status"] == "failed"
    assert first["error"].startswith(
        "the checkpoint is not signed by the log key crypto.example/log"
    )
    assert value(results[1])["error"].startswith("the log key is not a verifier key")
    for garbage in results[2:-1]:
        assert value(garbage)["checks"][0]["status"] == "failed"
        assert value(garbage)["error"].startswith("this is not a firsthand bundle")
    assert value(results[-1])["valid"]  # the JSON text of a bundle is as good as the object


@pytest.fixture(scope="module")
def withheld(log: LogInstance) -> dict[str, Any]:
    statement = py_sign_statement(RANA, "My address is 12 Example Street.\n")
    other = py_sign_statement(RANA, "Another statement.\n")
    notices = [
        py_sign_statement(
            OPERATOR,
            "Withheld: it discloses a home address.",
            kind="withholding",
            refers=[Reference("leaf", s.leaf_hash.hex())],
            reason="it discloses a home address",
        )
        for s in (statement, other)
    ]
    index, _, notice_index, other_notice_index = publish(
        log, statement.head_bytes, other.head_bytes, *(n.head_bytes for n in notices), fillers=5
    )
    bundle = make_bundle(
        log.reader,
        index=index,
        head=statement.head_bytes,
        body=None,
        withheld=WithholdingNotice(notice_index, notices[0].head_bytes),
    )
    misplaced = make_bundle(
        log.reader,
        index=index,
        head=statement.head_bytes,
        body=None,
        withheld=WithholdingNotice(other_notice_index, notices[1].head_bytes),
    )
    return {"good": bundle, "another_statements_notice": misplaced, "body": statement.body}


def test_a_withheld_bundle_verifies_in_js_with_the_operators_notice(
    log: LogInstance, withheld: dict[str, Any]
) -> None:
    good = withheld["good"]
    with_body = {**good, "body": withheld["body"]}
    altered_body = {**good, "body": "My address is elsewhere.\n"}
    vkey, operator = log.verifier.text(), OPERATOR.verifier().text()
    results = node(
        {"op": "verify_bundle", "bundle": good, "log_key": vkey, "operator_key": operator},
        {"op": "verify_bundle", "bundle": with_body, "log_key": vkey},
        {"op": "verify_bundle", "bundle": altered_body, "log_key": vkey},
        {
            "op": "verify_bundle",
            "bundle": good,
            "log_key": vkey,
            "operator_key": OMID.verifier().text(),
        },
        {"op": "verify_bundle", "bundle": withheld["another_statements_notice"], "log_key": vkey},
    )
    verdict = value(results[0])
    python = verify_bundle(
        json.dumps(good).encode(), log.verifier, operator_key=OPERATOR.verifier()
    )
    assert verdict["valid"] and verdict["verdict"] == python.as_json()
    assert verdict["verdict"]["withheld"]["message"].endswith(": it discloses a home address")
    assert verdict["noticeProof"]["index"] == good["withheld"]["index"]
    assert value(results[1])["valid"] and not value(results[1])["verdict"]["body_withheld"]
    cases = [
        (results[2], altered_body, None, "body"),
        (results[3], good, OMID.verifier(), "withheld"),
        (results[4], withheld["another_statements_notice"], None, "withheld"),
    ]
    for result, bundle, operator_key, check in cases:
        with pytest.raises(BundleError) as error:
            verify_bundle(json.dumps(bundle).encode(), log.verifier, operator_key=operator_key)
        failed = [c for c in value(result)["checks"] if c["status"] == "failed"]
        assert failed[0]["id"] == check
        assert value(result)["error"] == str(error.value)


def test_a_withholding_notice_with_a_broken_proof_fails_in_js_as_in_python(
    log: LogInstance, withheld: dict[str, Any]
) -> None:
    bundle = json.loads(json.dumps(withheld["good"]))
    bundle["withheld"]["index"] += 1
    with pytest.raises(BundleError) as python:
        verify_bundle(json.dumps(bundle).encode(), log.verifier)
    result = js_verify(bundle, log)
    assert result["error"] == str(python.value)
    assert "does not put the withholding notice" in result["error"]


def one_way_rotation(old: Signer, new: Signer, body: str) -> bytes:
    """A rotation's head signed by the old key alone, as logged before the two-way rule."""
    head = Head(
        author=old.verifier(),
        time=WHEN,
        lang="en",
        kind="key-rotation",
        body_sha256=body_sha256(body),
        body_length=len(body.encode()),
        new_key=new.verifier(),
    )
    return sign_note(head.text(), old)


@pytest.fixture(scope="module")
def rotations(log: LogInstance) -> dict[str, dict[str, Any]]:
    body = "My new key.\n"
    two_way = py_sign_statement(
        RANA, body, kind="key-rotation", new_key=OMID.verifier(), cosigners=[OMID]
    ).head_bytes
    one_way = one_way_rotation(RANA, OMID, body)
    # The new key co-signs, but a signature line under its name does not verify.
    note = parse_note(two_way)
    forged = Note(
        note.text,
        (note.signatures[0], replace(note.signatures[1], signature=bytes(64))),
    ).encode()
    heads = {"two-way": two_way, "one-way": one_way, "bad new-key signature": forged}
    indices = publish(log, *heads.values(), fillers=3)
    return {
        name: make_bundle(log.reader, index=index, head=head, body=body)
        for (name, head), index in zip(heads.items(), indices, strict=True)
    }


def test_js_says_of_a_rotation_two_way_or_one_way_as_python_does(
    log: LogInstance, rotations: dict[str, dict[str, Any]]
) -> None:
    results = node(
        *(
            {"op": "verify_bundle", "bundle": rotations[name], "log_key": log.verifier.text()}
            for name in ("two-way", "one-way")
        )
    )
    for name, result in zip(("two-way", "one-way"), results, strict=True):
        js = value(result)
        python = verify_bundle(json.dumps(rotations[name]).encode(), log.verifier).as_json()
        assert js["valid"], js["error"]
        assert js["verdict"] == python
        assert js["verdict"]["author_fingerprint"] == fingerprint(RANA.verifier())
        rotation = js["verdict"]["rotation"]
        assert rotation["new_key"]["fingerprint"] == fingerprint(OMID.verifier())
        assert rotation["two_way"] is (name == "two-way")
    message = value(results[1])["verdict"]["rotation"]["message"]
    assert message.startswith("one-way: signed by the old key only: not followed")


def test_a_rotation_whose_new_key_signature_fails_fails_in_js_as_in_python(
    log: LogInstance, rotations: dict[str, dict[str, Any]]
) -> None:
    bundle = rotations["bad new-key signature"]
    # Python's verdict on it: the author's signature holds, and the new key's does not.
    python = verify_bundle(json.dumps(bundle).encode(), log.verifier).as_json()
    assert python["rotation"]["two_way"] is False
    result = js_verify(bundle, log)
    assert result["valid"] and result["verdict"] == python


# --- key files -------------------------------------------------------------------------


def test_a_python_key_file_reads_in_js_and_js_writes_it_byte_for_byte() -> None:
    text = key_file_text(RANA)
    parsed, written = node(
        {"op": "parse_key_file", "text": text}, {"op": "key_file", **seed_of(RANA)}
    )
    assert value(parsed) == {
        "verifier": RANA.verifier().text(),
        "private_key": RANA.private_key_text(),
        "sealed": False,
    }
    assert value(written) == text


def test_js_refuses_broken_key_files_with_a_key_file_error() -> None:
    good = key_file_text(RANA)
    broken = [
        "",
        "# only comments\n",
        good + RANA.private_key_text() + "\n",
        good.replace("+AQAB", "+AgAB"),
        good.replace("074c3487", "074c3488"),
        RANA.verifier().text() + "\n",
    ]
    for result in node(*({"op": "parse_key_file", "text": t} for t in broken)):
        assert not result["ok"] and result["error"]["name"] == "KeyFileError", result


def test_a_key_sealed_in_js_opens_in_python_and_the_other_way() -> None:
    sealed_in_python = seal_key_file_text(
        OMID, "correct horse", insecure_test_iterations=TEST_ITERATIONS
    )
    from_js, opened_in_js = node(
        {
            "op": "seal",
            **seed_of(RANA),
            "passphrase": "رمز عبور",
            "test_iterations": TEST_ITERATIONS,
        },
        {
            "op": "parse_key_file",
            "text": sealed_in_python,
            "passphrase": "correct horse",
            "test_iterations": TEST_ITERATIONS,
        },
    )
    sealed_in_js = value(from_js)
    opened = open_sealed_key_text(
        sealed_in_js, "رمز عبور", insecure_test_iterations=TEST_ITERATIONS
    )
    assert opened.private_key_text() == RANA.private_key_text()
    assert value(opened_in_js)["private_key"] == OMID.private_key_text()
    assert value(opened_in_js)["sealed"] is True
    # Both write the same comment lines, so a person reads the same file from either.
    python_comments = seal_key_file_text(RANA, "x", insecure_test_iterations=1).splitlines()[:3]
    assert sealed_in_js.splitlines()[:3] == python_comments


def test_a_wrong_passphrase_fails_clearly_in_both() -> None:
    sealed = seal_key_file_text(RANA, "right", insecure_test_iterations=TEST_ITERATIONS)
    count = f"+{TEST_ITERATIONS}+"
    recounted = sealed.replace(count, f"+{TEST_ITERATIONS + 1}+")
    damaged = sealed.replace(sealed.splitlines()[-1][-8:], "AAAAAAA=")
    cases = [(sealed, "wrong"), (recounted, "right"), (damaged, "right")]
    results = node(
        *(
            {"op": "open_sealed", "text": t, "passphrase": p, "test_iterations": TEST_ITERATIONS}
            for t, p in cases
        )
    )
    for (text, passphrase), result in zip(cases, results, strict=True):
        assert result["error"] == {
            "name": "KeyFileError",
            "message": "wrong passphrase or damaged key file",
        }
        with pytest.raises(KeyFileError, match=r"^wrong passphrase or damaged key file$"):
            open_sealed_key_text(text, passphrase, insecure_test_iterations=TEST_ITERATIONS)


def test_a_weakly_sealed_file_is_refused_unless_a_test_asks_for_it() -> None:
    weak = seal_key_file_text(RANA, "pass", insecure_test_iterations=TEST_ITERATIONS)
    by_default, no_passphrase, empty = node(
        {"op": "open_sealed", "text": weak, "passphrase": "pass"},
        {"op": "parse_key_file", "text": weak},
        {"op": "seal", **seed_of(RANA), "passphrase": "", "test_iterations": TEST_ITERATIONS},
    )
    assert "600,000 to 10,000,000" in by_default["error"]["message"]
    with pytest.raises(KeyFileError, match="600,000 to 10,000,000"):
        open_sealed_key_text(weak, "pass")
    assert "sealed with a passphrase" in no_passphrase["error"]["message"]
    assert empty["error"]["name"] == "KeyFileError"
    with pytest.raises(KeyFileError, match="choose a passphrase"):
        seal_key_file_text(RANA, "")


def test_the_passphrase_is_nfc_normalised_and_the_real_iteration_count_crosses_over() -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    sealed = seal_key_file_text(RANA, composed)  # 600,000 iterations: the one slow case
    assert f"+{600_000}+" in sealed
    opened = value(node({"op": "open_sealed", "text": sealed, "passphrase": decomposed})[0])
    assert opened == RANA.private_key_text()


def test_a_js_generated_identity_is_a_valid_python_signer() -> None:
    made = value(node({"op": "generate", "name": "new.example"})[0])
    signer = Signer.from_private_key(made["private_key"])
    assert signer.verifier().text() == made["verifier"]
    assert signer.name == "new.example"


def test_js_key_names_follow_pythons_rules_for_every_code_point() -> None:
    candidates = [chr(c) for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF]
    candidates += ["\ufeff", "\U0001f600", "a b", "a+b", "", "\u3000", "\U000e0020"]

    def python(name: str) -> bool:
        try:
            check_key_name(name)
        except LogError:
            return False
        return True

    results = node(*({"op": "check_key_name", "text": c} for c in candidates))
    assert [r["ok"] for r in results] == [python(c) for c in candidates]


def python_invisible(label: str) -> list[Any] | None:
    found = invisible_character(label)
    return None if found is None else list(found)


def test_js_finds_the_invisible_characters_python_finds() -> None:
    # Every code point of the BMP's lower part, then the ranges and cases the rule names.
    singles = [chr(c) for c in range(0x3200)]
    singles += [chr(c) for c in [0xFE00, 0xFE0F, 0xFEFF, 0xFFA0, 0xFFF0, 0xFFF9, 0x3164]]
    singles += [chr(c) for c in [0x1BCA0, 0x1D159, 0x1D173, 0x1D455, 0xE0001, 0xE0100, 0xF0000]]
    labels = [f"Maryam{ch}" for ch in singles]
    labels += [
        "Maryam",
        "Maryam\u00ad",  # soft hyphen: the example
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # می‌خواهم: allowed
        "\u0645\u06cc\u200c\u200c\u062e",  # doubled: refused
        "\u200c\u0645",  # at the start
        "\u0645\u200c",  # at the end
        "a\u200cb",  # between Latin letters
        "\u0645\u200c1",  # before a digit
        "\u0645\u200c\u06f1",  # before a Persian digit (Nd, not a letter)
        "\u0645\u200c\u0751",  # Arabic Supplement letter
        "\u0645\u200c\u08a0",  # Arabic Extended-A letter
        "\u0645\u200c\u0644\u064e",  # before a letter that carries a vowel mark
        "Mar\U0001f600yam",
        "",
    ]
    results = node(*({"op": "invisible_character", "text": t} for t in labels))
    disagreements = {}
    for label, result in zip(labels, results, strict=True):
        expected, got = python_invisible(label), value(result)
        if expected == got:
            continue
        # Node's Unicode can be newer than this Python's: a code point Python calls
        # unassigned (Cn) may be a visible letter there. The server has the last word.
        if expected is not None and got is None and unicodedata.category(expected[1]) == "Cn":
            continue
        disagreements[label] = (expected, got)
    assert not disagreements
    assert sum(r["value"] is not None for r in results) > 100  # not only acceptances
    assert value(results[len(singles) + 1]) == [6, "\u00ad"]
    assert value(results[len(singles) + 2]) is None


def test_a_js_fingerprint_is_sha256_of_the_public_key_as_python_has_it() -> None:
    results = node({"op": "fingerprint", **seed_of(RANA)}, {"op": "fingerprint", **seed_of(OMID)})
    assert [value(r) for r in results] == [
        fingerprint(RANA.verifier()),
        fingerprint(OMID.verifier()),
    ]


def test_a_key_rotation_signed_in_js_carries_both_signatures_the_server_asks_for() -> None:
    body = "I now sign with a new key.\n"
    fields = {
        "kind": "key-rotation",
        "newKey": OMID.verifier().text(),
        "time": "2026-01-31T09:30:00Z",
    }
    both, alone = node(
        {
            "op": "sign",
            **seed_of(RANA),
            "body": body,
            "fields": {**fields, "cosigners": [seed_of(OMID)]},
        },
        {"op": "sign", **seed_of(RANA), "body": body, "fields": fields},
    )
    statement = read_statement(value(both)["file"].encode(), now=WHEN)
    assert [s.name for s in parse_note(statement.head_bytes).signatures] == [RANA.name, OMID.name]
    assert rotation_is_two_way(statement.head_bytes)
    # JS signs a one-way rotation as Python's sign_statement would; the server refuses it.
    assert value(alone)["file"].count("\n\u2014 ") == 1
    with pytest.raises(WrongAuthor):
        read_statement(value(alone)["file"].encode(), now=WHEN)


# --- published vectors, and the modules in a real browser -------------------------------


def test_the_published_signed_note_and_merkle_vectors_hold_in_js() -> None:
    done = subprocess.run([NODE, str(VECTORS)], capture_output=True, timeout=60, check=False)
    report = json.loads(done.stdout)
    assert report["failures"] == [], report["failures"]
    assert report["passed"] >= 140
    assert done.returncode == 0


class _StaticHandler(SimpleHTTPRequestHandler):
    # The site's policy: scripts from our own origin only, no eval, no inline script.
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", "default-src 'none'; script-src 'self'")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_StaticHandler, directory=str(JS)))
    SimpleHTTPRequestHandler.extensions_map[".js"] = "text/javascript"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

BROWSER_SCENARIO = """async (body) => {
  const keys = await import('/keys.js');
  const { signStatement } = await import('/statement.js');
  const made = await keys.generateIdentity('browser.example');
  const sealed = await keys.sealKeyFile(made, 'pass', { insecureTestIterations: 1000 });
  await keys.saveIdentity(made, { sealedKeyFile: sealed });
  const loaded = await keys.loadIdentity();
  let exportRefused = false;
  try { keys.privateKeyText(loaded.signer); }
  catch (e) { exportRefused = e.name === 'KeyFileError'; }
  const signed = await signStatement(loaded.signer, body, { lang: 'fa' });
  // Kept without its signing key: it signs only once opened with the passphrase.
  await keys.saveIdentity(loaded.signer, { sealedKeyFile: sealed, keepSigningKey: false });
  const locked = await keys.loadIdentity();
  let lockedRefused = false;
  try { await signStatement(locked.signer, body); }
  catch (e) { lockedRefused = e.name === 'KeyFileError'; }
  let wrongRefused = false;
  try { await keys.unlockIdentity(locked, 'wrong', { insecureTestIterations: 1000 }); }
  catch (e) { wrongRefused = e.name === 'KeyFileError'; }
  const opened = await keys.unlockIdentity(locked, 'pass', { insecureTestIterations: 1000 });
  const unlockedFile = (await signStatement(opened, body)).fileText;
  opened.forget();
  const stored = await indexedDB.databases();
  await keys.forgetIdentity();
  return {
    sealedOnly: {
      sealed: locked.sealed, lockedRefused, wrongRefused, unlockedFile, canExport: opened.canExport,
    },
    file: signed.fileText,
    verifierKey: loaded.verifierKey,
    extractable: loaded.signer.privateKey.extractable,
    exportRefused,
    sealed: loaded.sealedKeyFile,
    privateKey: keys.privateKeyText(made),
    afterForget: await keys.loadIdentity(),
    databases: stored.map((d) => d.name),
  };
}"""


def test_the_modules_run_in_chromium_under_the_csp_and_keep_a_key_in_indexeddb(
    static_server: str,
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is not at {CHROMIUM}; run `make test`, which installs it")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{static_server}/README.md")
            out = page.evaluate(BROWSER_SCENARIO, "از دست رفته.\n")
        finally:
            browser.close()
    assert problems == []
    statement = read_statement(out["file"].encode())
    assert statement.head.author.text() == out["verifierKey"]
    assert statement.head.lang == "fa"
    assert out["extractable"] is False and out["exportRefused"] is True
    opened = open_sealed_key_text(out["sealed"], "pass", insecure_test_iterations=1000)
    assert opened.private_key_text() == out["privateKey"]
    assert out["afterForget"] is None
    assert "firsthand" in out["databases"]
    sealed_only = out["sealedOnly"]
    assert sealed_only["sealed"] and sealed_only["lockedRefused"] and sealed_only["wrongRefused"]
    assert (
        read_statement(sealed_only["unlockedFile"].encode()).head.author.text()
        == out["verifierKey"]
    )
    assert sealed_only["canExport"] is False  # forget() dropped the seed
