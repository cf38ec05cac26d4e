"""A log served with witnesses, end to end: `firsthand witness serve`, `firsthand serve --witness`,
cosigned /checkpoint, cosigned bundles, and `firsthand verify --witness --quorum`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jsonschema
import pytest

from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    verify_cosignatures,
)
from firsthand.log.note import Verifier, parse_note
from tests.serving import ROOT, free_port, running_server
from tests.statements.test_cli import firsthand

WITNESS_SERVE = (sys.executable, "-m", "firsthand.cli", "witness", "serve")
VERDICT_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "docs" / "verdict.schema.json").read_text(encoding="utf-8"))
)


@contextmanager
def running_witness(directory: Path, log_origin: str, log_key: str) -> Iterator[tuple[str, str]]:
    """`firsthand witness serve` as a subprocess; yields (submission URL, cosigner key)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logged = f"{log_origin}={log_key}"
    process = subprocess.Popen(
        [*WITNESS_SERVE, "--data", str(directory), "--port", str(port), "--log", logged],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        key = process.stdout.readline().strip()
        assert process.stdout.readline().startswith("witnessing"), "the witness did not start"
        yield f"http://127.0.0.1:{port}", key
    finally:
        process.terminate()
        process.wait(10)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return bytes(response.read())


def _wait_for_cosigned_checkpoint(url: str, witness_key: str, size: int) -> bytes:
    verifier = CosignatureVerifier.from_text(witness_key)
    for _ in range(100):
        note = _get(url + "/checkpoint")
        parsed = parse_note(note)
        if verify_cosignatures(parsed, [verifier]) and int(parsed.text.split("\n")[1]) >= size:
            return note
        time.sleep(0.1)
    raise AssertionError("/checkpoint never carried the witness's cosignature")


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    data = tmp_path_factory.mktemp("log")
    log_key = firsthand("log-key", "--data", str(data), cwd=data).stdout.strip()
    origin = Verifier.from_text(log_key).name
    witness_dir = tmp_path_factory.mktemp("witness")
    with (
        running_witness(witness_dir, origin, log_key) as (wurl, wkey),
        running_server(data, "--period", "0.05", "--witness", f"{wurl}={wkey}") as url,
    ):
        yield url, log_key, wkey


def _publish(url: str, directory: Path, text: str) -> Path:
    firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "leyla.example",
        "--out",
        "k.key",
        cwd=directory,
    )
    (directory / "t.txt").write_text(text, encoding="utf-8")
    signed = firsthand("sign", "--key", "k.key", "t.txt", cwd=directory)
    (directory / "s.txt").write_text(signed.stdout, encoding="utf-8")
    published = firsthand("publish", "--server", url, "s.txt", cwd=directory)
    assert published.returncode == 0, published.stderr
    return directory


def test_the_checkpoint_and_bundles_carry_the_witness_cosignature(
    witnessed: tuple[str, str, str], tmp_path: Path
) -> None:
    url, log_key, witness_key = witnessed
    _publish(url, tmp_path, "I left the circle in the spring of 2020.\n")
    note = _wait_for_cosigned_checkpoint(url, witness_key, 1)
    checkpoint, _ = open_checkpoint(note, Verifier.from_text(log_key))
    bundle = json.loads(_get(f"{url}/api/v1/statements/{checkpoint.size - 1}/bundle"))
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")

    verified = firsthand(
        "verify", "--log-key", log_key, "--witness", witness_key, "--json", str(path), cwd=tmp_path
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    verdict = json.loads(verified.stdout)
    assert [c["key"] for c in verdict["cosigned_by"]] == [witness_key]
    human = firsthand(
        "verify", "--log-key", log_key, "--witness", witness_key, str(path), cwd=tmp_path
    )
    assert "Cosigned by the witness" in human.stdout


def test_a_quorum_the_bundle_does_not_meet_fails_with_the_missing_witness_named(
    witnessed: tuple[str, str, str], tmp_path: Path
) -> None:
    url, log_key, witness_key = witnessed
    _publish(url, tmp_path, "Nobody wrote this for me.\n")
    _wait_for_cosigned_checkpoint(url, witness_key, 1)
    path = tmp_path / "bundle.json"
    path.write_bytes(_get(f"{url}/api/v1/statements/0/bundle"))
    stranger = CosignatureSigner.generate("stranger.example/witness").verifier().text()
    result = firsthand(
        "verify",
        "--log-key",
        log_key,
        "--witness",
        witness_key,
        "--witness",
        stranger,
        str(path),
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "stranger.example/witness" in result.stderr and "2 are required" in result.stderr
    lenient = firsthand(
        "verify",
        "--log-key",
        log_key,
        "--witness",
        witness_key,
        "--witness",
        stranger,
        "--quorum",
        "1",
        str(path),
        cwd=tmp_path,
    )
    assert lenient.returncode == 0, lenient.stderr
    impossible = firsthand(
        "verify",
        "--log-key",
        log_key,
        "--witness",
        witness_key,
        "--quorum",
        "2",
        str(path),
        cwd=tmp_path,
    )
    assert impossible.returncode == 2 and "--quorum 2" in impossible.stderr  # cannot check


def test_publish_writes_bundles_proved_against_a_cosigned_checkpoint(
    witnessed: tuple[str, str, str], tmp_path: Path
) -> None:
    # Sequencing never waits for witnesses, so the first answer for a new entry is proved
    # against the log's own checkpoint, marked pending; publish asks until it is cosigned.
    url, log_key, witness_key = witnessed
    firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "arash.example",
        "--out",
        "k.key",
        cwd=tmp_path,
    )
    for i in range(3):
        (tmp_path / f"t{i}.txt").write_text(f"Statement {i} of three.\n", encoding="utf-8")
        signed = firsthand("sign", "--key", "k.key", f"t{i}.txt", cwd=tmp_path)
        (tmp_path / f"s{i}.txt").write_text(signed.stdout, encoding="utf-8")
    published = firsthand(
        "publish", "--server", url, "--bundle-dir", "b", "s0.txt", "s1.txt", "s2.txt", cwd=tmp_path
    )
    assert published.returncode == 0, published.stderr
    assert "no witness has cosigned" not in published.stderr
    bundles = sorted((tmp_path / "b").glob("*.json"))
    assert len(bundles) == 3
    for path in bundles:
        named = firsthand(
            "verify",
            "--log-key",
            log_key,
            "--witness",
            witness_key,
            "--json",
            str(path),
            cwd=tmp_path,
        )
        assert named.returncode == 0, named.stdout + named.stderr
        verdict = json.loads(named.stdout)
        VERDICT_SCHEMA.validate(verdict)  # a real server's bundle, as docs/ describe its verdict
        assert [c["key"] for c in verdict["cosigned_by"]] == [witness_key]
        assert verdict["other_checkpoint_signatures"] == []  # the named witness is judged
        unnamed = json.loads(
            firsthand("verify", "--log-key", log_key, "--json", str(path), cwd=tmp_path).stdout
        )
        witness_name = CosignatureVerifier.from_text(witness_key).name
        assert unnamed["other_checkpoint_signatures"] == [witness_name]
        assert unnamed["cosigned_by"] == []
    index = json.loads(bundles[-1].read_text(encoding="utf-8"))["index"]
    with urllib.request.urlopen(f"{url}/api/v1/statements/{index}/bundle", timeout=5) as answer:
        assert answer.headers["Firsthand-Cosigned"] == "yes"


def test_a_witness_that_cannot_be_reached_never_holds_up_publishing(tmp_path: Path) -> None:
    data = tmp_path / "log"
    dead = CosignatureSigner.generate("dead.example/witness").verifier().text()
    dead_url = f"http://127.0.0.1:{free_port()}"
    with running_server(
        data, "--period", "0.05", "--witness", f"{dead_url}={dead}", "--witness-timeout", "1"
    ) as url:
        began = time.monotonic()
        _publish(url, tmp_path, "The gathering was in a village near the river.\n")
        assert time.monotonic() - began < 20
        note = _get(url + "/checkpoint")
        assert parse_note(note).text.split("\n")[1] == "1"
        assert len(parse_note(note).signatures) == 1  # the log's own; no witness answered
        with urllib.request.urlopen(f"{url}/api/v1/statements/0/bundle", timeout=5) as answer:
            assert answer.headers["Firsthand-Cosigned"] == "pending"  # ask again later
            assert answer.headers["Retry-After"] == "1"
