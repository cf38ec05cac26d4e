"""`firsthand verify`: its exit status and its JSON verdict, as docs/bundle-format.md states them.

Real bundles (those of docs/vectors/bundles.json, made by scripts/make-vectors.py from a log
in memory) go through the command in this process; every verdict it prints, valid or not,
must follow docs/verdict.schema.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from firsthand.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "docs" / "vectors" / "bundles.json").read_text(encoding="utf-8"))
SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "docs" / "verdict.schema.json").read_text(encoding="utf-8"))
)
LOG_KEY = VECTORS["log_key"]


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["verify", *args])
    out, err = capsys.readouterr()
    return status, out, err


def bundle_file(tmp_path: Path, case: dict[str, Any]) -> str:
    path = tmp_path / f"{case['id'].replace('/', '-')}.json"
    text = case["bundle_text"] if "bundle_text" in case else json.dumps(case["bundle"])
    path.write_text(text, encoding="utf-8")
    return str(path)


def options(case: dict[str, Any]) -> list[str]:
    args = ["--log-key", LOG_KEY]
    for witness in case.get("witnesses", []):
        args += ["--witness", witness]
    if "quorum" in case:
        args += ["--quorum", str(case["quorum"])]
    if "operator_key" in case:
        args += ["--operator-key", case["operator_key"]]
    return args


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["id"] for c in VECTORS["cases"]])
def test_each_bundle_gets_its_verdict_and_exit_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: dict[str, Any]
) -> None:
    status, out, err = verify(capsys, *options(case), "--json", bundle_file(tmp_path, case))
    verdict = json.loads(out)
    SCHEMA.validate(verdict)
    expected = case["verdict"]
    # 3: valid, but signed by a key its author reported stolen (a revocation it carries).
    wanted = (3 if expected.get("stolen_key") else 0) if expected["valid"] else 1
    assert status == wanted and err == ""
    if expected["valid"]:
        assert verdict == expected
    else:
        assert verdict["failed_check"] == expected["failed_check"] and verdict["error"]


def test_without_json_a_failure_is_one_line_on_stderr_with_status_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    case = next(c for c in VECTORS["cases"] if c["id"] == "tree-size/mismatch")
    status, out, err = verify(capsys, *options(case), bundle_file(tmp_path, case))
    assert status == 1 and out == ""
    # The message docs/bundle-format.md gives for this check, word for word.
    size = case["bundle"]["tree_size"]
    assert err == (
        f"firsthand verify: the bundle's tree size ({size}) is not the checkpoint's size "
        f"({size - 1})\n"
    )
    docs = " ".join((ROOT / "docs" / "bundle-format.md").read_text(encoding="utf-8").split())
    assert "the bundle's tree size (<tree_size>) is not the checkpoint's size (<size>)" in docs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log-key", "not a key"], "--log-key: a verifier key has the form"),
        (["--log-key", LOG_KEY, "--witness", LOG_KEY], "--witness: the cosigner key"),
        (["--log-key", LOG_KEY, "--operator-key", "x+y+z"], "--operator-key: the key ID of"),
        (["--log-key", LOG_KEY, "--quorum", "1"], "--quorum 1 needs at least 1 --witness keys"),
    ],
)
def test_a_verification_that_cannot_be_made_is_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    good = bundle_file(tmp_path, VECTORS["cases"][0])
    status, out, err = verify(capsys, *args, good)
    assert status == 2 and out == "" and message in err
    status, out, _ = verify(capsys, *args, "--json", good)
    verdict = json.loads(out)
    SCHEMA.validate(verdict)
    assert status == 2 and verdict["failed_check"] is None and message in verdict["error"]


def test_an_unreadable_bundle_file_is_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = verify(capsys, "--log-key", LOG_KEY, str(tmp_path / "missing.json"))
    assert status == 2 and "cannot read" in err and "No such file" in err
    status, out, _ = verify(capsys, "--log-key", LOG_KEY, "--json", str(tmp_path))
    assert status == 2 and json.loads(out)["failed_check"] is None


def test_a_valid_bundle_is_status_0_and_says_who_signed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    case = next(c for c in VECTORS["cases"] if c["id"] == "witness/one-named")
    status, out, err = verify(capsys, *options(case), bundle_file(tmp_path, case))
    assert status == 0 and err == ""
    assert out.startswith("valid: a declaration by rana.example (fingerprint 5647 5aa7")
    assert "Cosigned by the witness alpha.example/witness at 2026-01-31 22:53 UTC." in out
