"""The CLI end to end: keygen, sign, publish to `firsthand serve`, fetch and verify bundles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import ROOT, running_server


def firsthand(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "firsthand.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data = tmp_path_factory.mktemp("data")
    with running_server(data, "--period", "0.05") as url:
        key = firsthand("log-key", "--data", str(data), cwd=data).stdout.strip()
        yield url, key, data


def test_an_author_publishes_and_anyone_verifies_offline(
    server: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, log_key, _ = server
    keygen = firsthand("keygen", "--name", "nasrin.example", "--out", "nasrin.key", cwd=tmp_path)
    assert keygen.returncode == 0, keygen.stderr
    (tmp_path / "text.txt").write_text(
        "من، نسرین، در سال ۱۳۹۸ از حلقه جدا شدم.\n", encoding="utf-8"
    )
    signed = firsthand("sign", "--key", "nasrin.key", "--lang", "fa", "text.txt", cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    (tmp_path / "statement.txt").write_text(signed.stdout, encoding="utf-8")
    published = firsthand(
        "publish", "--server", url, "--bundle-dir", "bundles", "statement.txt", cwd=tmp_path
    )
    assert published.returncode == 0, published.stderr
    bundles = list((tmp_path / "bundles").glob("*.json"))
    assert len(bundles) == 1
    verified = firsthand("verify", "--log-key", log_key, "--json", str(bundles[0]), cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["valid"] and verdict["author"]["name"] == "nasrin.example"
    index = verdict["index"]
    fetched = firsthand("bundle", "--server", url, str(index), cwd=tmp_path)
    assert fetched.returncode == 0 and json.loads(fetched.stdout)["index"] == index


def test_a_tampered_bundle_fails_with_one_clear_line(
    server: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, log_key, _ = server
    firsthand("keygen", "--name", "omid.example", "--out", "omid.key", cwd=tmp_path)
    (tmp_path / "t.txt").write_text("I saw the retreat of 2019.\n", encoding="utf-8")
    (tmp_path / "s.txt").write_text(
        firsthand("sign", "--key", "omid.key", "t.txt", cwd=tmp_path).stdout, encoding="utf-8"
    )
    firsthand("publish", "--server", url, "--bundle-dir", "b", "s.txt", cwd=tmp_path)
    path = next((tmp_path / "b").glob("*.json"))
    bundle = json.loads(path.read_text(encoding="utf-8"))
    bundle["body"] = bundle["body"].replace("saw", "never saw")
    path.write_text(json.dumps(bundle), encoding="utf-8")
    result = firsthand("verify", "--log-key", log_key, str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "body was altered" in result.stderr


def test_publishing_to_an_unreachable_server_says_so(tmp_path: Path) -> None:
    firsthand("keygen", "--name", "x.example", "--out", "x.key", cwd=tmp_path)
    (tmp_path / "t.txt").write_text("hello\n", encoding="utf-8")
    (tmp_path / "s.txt").write_text(
        firsthand("sign", "--key", "x.key", "t.txt", cwd=tmp_path).stdout, encoding="utf-8"
    )
    result = firsthand("publish", "--server", "http://127.0.0.1:9", "s.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot reach" in result.stderr


def test_the_operator_withholds_with_the_cli_and_the_bundle_shows_the_notice(
    server: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, log_key, data = server
    firsthand("keygen", "--name", "leila.example", "--out", "leila.key", cwd=tmp_path)
    (tmp_path / "t.txt").write_text("His home is 7 Imaginary Street.\n", encoding="utf-8")
    (tmp_path / "s.txt").write_text(
        firsthand("sign", "--key", "leila.key", "t.txt", cwd=tmp_path).stdout, encoding="utf-8"
    )
    published = firsthand("publish", "--server", url, "s.txt", cwd=tmp_path)
    index = published.stdout.split("index ")[-1].strip()

    withheld = firsthand(
        "withhold",
        "--data",
        str(data),
        "--server",
        url,
        "--reason",
        "a private address",
        index,
        cwd=tmp_path,
    )
    assert withheld.returncode == 0, withheld.stderr
    assert f"statement {index} is withheld" in withheld.stdout
    again = firsthand(
        "withhold", "--data", str(data), "--server", url, "--reason", "again", index, cwd=tmp_path
    )
    assert again.returncode == 1 and "already withheld by the operator" in again.stderr

    (tmp_path / "b.json").write_text(
        firsthand("bundle", "--server", url, index, cwd=tmp_path).stdout, encoding="utf-8"
    )
    operator = firsthand("operator-key", "--data", str(data), cwd=tmp_path).stdout.strip()
    verified = firsthand(
        "verify", "--log-key", log_key, "--operator-key", operator, "b.json", cwd=tmp_path
    )
    assert verified.returncode == 0, verified.stderr
    assert "withheld by the operator on 20" in verified.stdout
    assert ": a private address" in verified.stdout
