"""One statement, one log entry: every spelling of a signed head but one is refused.

A signed note still verifies when its signature's base64 sets the unused bits of its
last character, or when a line by some other key is added. Either would give the
same statement a second leaf hash; format.check_canonical_entry refuses both.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from firsthand.log.note import Signer, parse_note, sign_note
from firsthand.statements.errors import MalformedStatement
from firsthand.statements.format import read_statement, sign_statement
from firsthand.statements.keys import read_key_file

SEED = bytes(range(7, 39))
AUTHOR = Signer.from_seed("rana.example", SEED)
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _signature_spellings(line: str) -> list[str]:
    """Every other last character before the padding that decodes to the same bytes."""
    prefix, encoded = line.rsplit(" ", 1)
    decoded = base64.b64decode(encoded)
    body, padding = encoded.rstrip("="), encoded[len(encoded.rstrip("=")) :]
    same = []
    for ch in _BASE64:
        candidate = body[:-1] + ch + padding
        if candidate != encoded and base64.b64decode(candidate) == decoded:
            same.append(f"{prefix} {candidate}")
    return same


def test_padding_bits_set_in_a_signature_are_refused_every_way() -> None:
    statement = sign_statement(AUTHOR, "I left the circle in 2019.\n")
    file = statement.file_bytes().decode("utf-8")
    line = next(ln for ln in file.split("\n") if ln.startswith("\u2014 "))
    spellings = _signature_spellings(line)
    assert spellings  # 68 bytes of key ID and signature: the last character has spare bits
    for other in spellings:
        with pytest.raises(MalformedStatement, match="canonical base64"):
            read_statement(file.replace(line, other).encode("utf-8"))


def test_an_extra_signature_line_is_refused() -> None:
    statement = sign_statement(AUTHOR, "I left the circle in 2019.\n")
    stranger = Signer.generate("stranger.example")
    extra = sign_note(statement.note.text, AUTHOR, stranger)
    with pytest.raises(MalformedStatement, match=r"exactly 1, by rana\.example"):
        read_statement(extra + b"\n" + statement.body.encode("utf-8"))


def test_a_rotations_signatures_in_the_other_order_are_refused() -> None:
    new = Signer.generate("rana.2027")
    rotation = sign_statement(
        AUTHOR, "New key.\n", kind="key-rotation", new_key=new.verifier(), cosigners=[new]
    )
    assert len(parse_note(rotation.head_bytes).signatures) == 2
    swapped = sign_note(rotation.note.text, new, AUTHOR)
    with pytest.raises(MalformedStatement, match="in that order"):
        read_statement(swapped + b"\n" + rotation.body.encode("utf-8"))


def _firsthand(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firsthand.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_sign_refuses_carriage_returns_unless_told_and_then_says_so(tmp_path: Path) -> None:
    key = tmp_path / "rana.key"
    made = _firsthand(
        "keygen",
        "--no-passphrase",
        "--no-recovery",
        "--name",
        "rana.example",
        "--out",
        str(key),
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    text = tmp_path / "letter.txt"
    text.write_bytes(b"I left.\r\nI am safe.\r")
    refused = _firsthand("sign", "--key", str(key), str(text), cwd=tmp_path)
    assert refused.returncode != 0 and "--lf" in refused.stderr and "line endings" in refused.stderr
    told = _firsthand("sign", "--key", str(key), "--lf", str(text), cwd=tmp_path)
    assert told.returncode == 0, told.stderr
    assert "the signed body differs from the file" in told.stderr
    assert read_statement(told.stdout.encode("utf-8")).body == "I left.\nI am safe.\n"
    # A file without carriage returns is signed byte for byte: its hash is the body's.
    plain = tmp_path / "plain.txt"
    plain.write_bytes("من رفتم.\nI left.\n".encode())
    signed = _firsthand("sign", "--key", str(key), str(plain), cwd=tmp_path)
    head = read_statement(signed.stdout.encode("utf-8")).head
    assert head.body_sha256 == hashlib.sha256(plain.read_bytes()).hexdigest()


def test_the_cli_signs_a_recovery_key_a_revocation_and_a_recovery(tmp_path: Path) -> None:
    keys = {}
    for name in ("rana", "rana-recovery", "rana-2027"):
        keys[name] = tmp_path / f"{name}.key"
        made = _firsthand(
            "keygen",
            "--no-passphrase",
            "--no-recovery",
            "--name",
            f"{name}.example",
            "--out",
            str(keys[name]),
            cwd=tmp_path,
        )
        assert made.returncode == 0, made.stderr
    public = {n: read_key_file(k).verifier().text() for n, k in keys.items()}
    text = tmp_path / "text.txt"
    text.write_text("I left.\n")
    first = _firsthand(
        "sign",
        "--key",
        str(keys["rana"]),
        "--recovery",
        public["rana-recovery"],
        str(text),
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert read_statement(first.stdout.encode()).head.recovery is not None
    revoke = _firsthand(
        "sign",
        "--key",
        str(keys["rana-recovery"]),
        "--kind",
        "revocation",
        "--subject",
        public["rana"],
        "--from",
        "7",
        str(text),
        cwd=tmp_path,
    )
    head = read_statement(revoke.stdout.encode()).head
    assert head.kind == "revocation" and head.revoked_from == 7
    recover = _firsthand(
        "sign",
        "--key",
        str(keys["rana-recovery"]),
        "--kind",
        "recovery",
        "--subject",
        public["rana"],
        "--new-key",
        str(keys["rana-2027"]),
        str(text),
        cwd=tmp_path,
    )
    assert recover.returncode == 0, recover.stderr
    assert len(parse_note(read_statement(recover.stdout.encode()).head_bytes).signatures) == 2
