"""The CLI end to end: keygen, sign, publish to `firsthand serve`, fetch and verify bundles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from firsthand.log.note import Signer, Verifier
from firsthand.statements.format import read_statement
from firsthand.statements.identity import fingerprint, grouped_fingerprint
from firsthand.statements.keys import write_key_file
from tests.serving import ROOT, running_server


def firsthand(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
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
    keygen = firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "nasrin.example",
        "--out",
        "nasrin.key",
        cwd=tmp_path,
    )
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
    firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "omid.example",
        "--out",
        "omid.key",
        cwd=tmp_path,
    )
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
    firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "x.example",
        "--out",
        "x.key",
        cwd=tmp_path,
    )
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
    firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "leila.example",
        "--out",
        "leila.key",
        cwd=tmp_path,
    )
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


def test_keygen_refuses_a_name_with_an_invisible_character_and_makes_no_key(
    tmp_path: Path,
) -> None:
    result = firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "nasrin\u200b.example",
        "--out",
        "n.key",
        cwd=tmp_path,
    )
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "invisible character U+200B (ZERO WIDTH SPACE) at position 7" in result.stderr
    assert "Type the --name again by hand" in result.stderr
    assert not (tmp_path / "n.key").exists()


def keys(tmp_path: Path, *names: str) -> list[str]:
    """Make a key file per name (name.key); their verifier keys, in order."""
    made = [
        firsthand(
            "keygen",
            "--no-passphrase",
            "--no-recovery",
            "--name",
            n,
            "--out",
            f"{n}.key",
            cwd=tmp_path,
        )
        for n in names
    ]
    assert all(m.returncode == 0 for m in made), [m.stderr for m in made]
    for m in made:  # who the key is, beside the verifier key keygen prints
        assert m.stderr.startswith(f"fingerprint: {grouped(m.stdout.strip())}\n")
        assert "NOT sealed" in m.stderr and "no recovery key" in m.stderr  # opted out, and told
    return [m.stdout.strip() for m in made]


def grouped(verifier_key: str) -> str:
    return grouped_fingerprint(fingerprint(Verifier.from_text(verifier_key)))


def test_a_rotation_is_co_signed_with_the_new_key_file_and_verifies_as_two_way(
    server: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, log_key, _ = server
    old, new = keys(tmp_path, "arash.example", "arash.new")
    (tmp_path / "r.txt").write_text("My new key.\n", encoding="utf-8")
    signed = firsthand(
        "sign", "--key", "arash.example.key", "--kind", "key-rotation",
        "--new-key", "arash.new.key", "r.txt", cwd=tmp_path,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert f"signed by arash.example (fingerprint {grouped(old)})" in signed.stderr
    assert f"co-signed by the new key arash.new (fingerprint {grouped(new)})" in signed.stderr
    head = signed.stdout.split("\n\n")[1]  # the signature lines: old key first, then new
    assert [line.split()[1] for line in head.splitlines()] == ["arash.example", "arash.new"]
    (tmp_path / "r.statement").write_text(signed.stdout, encoding="utf-8")

    published = firsthand(
        "publish", "--server", url, "--bundle-dir", "b", "r.statement", cwd=tmp_path
    )
    assert published.returncode == 0, published.stderr
    assert f"a key-rotation by arash.example (fingerprint {grouped(old)}), index" in (
        published.stdout
    )
    bundle = next((tmp_path / "b").glob("*.json"))
    verified = firsthand("verify", "--log-key", log_key, str(bundle), cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert f"valid: a key-rotation by arash.example (fingerprint {grouped(old)})," in (
        verified.stdout
    )
    assert f"Rotation to the new key arash.new (fingerprint {grouped(new)}):" in verified.stdout
    assert "two-way: signed by the old key and by the new key" in verified.stdout
    as_json = firsthand("verify", "--log-key", log_key, "--json", str(bundle), cwd=tmp_path)
    verdict = json.loads(as_json.stdout)
    assert verdict["author_fingerprint"] == fingerprint(Verifier.from_text(old))
    assert verdict["rotation"]["two_way"] is True
    assert verdict["rotation"]["new_key"]["fingerprint"] == fingerprint(Verifier.from_text(new))


def test_a_rotation_given_only_the_new_verifier_key_fails_saying_it_needs_the_key_file(
    tmp_path: Path,
) -> None:
    _, new = keys(tmp_path, "bita.example", "bita.new")
    (tmp_path / "new.pub").write_text(f"# bita's new key\n{new}\n", encoding="utf-8")
    (tmp_path / "r.txt").write_text("My new key.\n", encoding="utf-8")
    rotate = ("sign", "--key", "bita.example.key", "--kind", "key-rotation", "r.txt")
    for given in (new, "new.pub"):
        result = firsthand(*rotate, "--new-key", given, cwd=tmp_path)
        assert result.returncode == 1 and result.stdout == ""
        assert "a key rotation needs the new key's key file" in result.stderr
        assert result.stderr.count("\n") == 1
    missing = firsthand(*rotate, cwd=tmp_path)
    assert missing.returncode == 1 and "give --new-key NEW.key" in missing.stderr
    itself = firsthand(*rotate, "--new-key", "bita.example.key", cwd=tmp_path)
    assert itself.returncode == 1 and "is the key you sign with" in itself.stderr
    not_a_rotation = firsthand(
        "sign", "--key", "bita.example.key", "--new-key", "bita.new.key", "r.txt", cwd=tmp_path
    )
    assert not_a_rotation.returncode == 1
    assert "key-rotation or recovery only" in not_a_rotation.stderr


def test_a_sealed_new_key_file_co_signs_with_its_passphrase(tmp_path: Path) -> None:
    keys(tmp_path, "dara.example")
    new = Signer.generate("dara.new")
    write_key_file(tmp_path / "new.key", new, passphrase="a long passphrase")
    (tmp_path / "r.txt").write_text("My new key.\n", encoding="utf-8")
    env = {"FIRSTHAND_PASSPHRASE": "a long passphrase"}
    rotate = ("sign", "--key", "dara.example.key", "--kind", "key-rotation", "r.txt")
    signed = firsthand(*rotate, "--new-key", "new.key", cwd=tmp_path, env=env)
    assert signed.returncode == 0, signed.stderr
    statement = read_statement(signed.stdout.encode())
    assert statement.head.new_key == new.verifier()
    wrong = firsthand(
        *rotate, "--new-key", "new.key", cwd=tmp_path, env={"FIRSTHAND_PASSPHRASE": "wrong"}
    )
    assert wrong.returncode == 1 and "passphrase" in wrong.stderr
