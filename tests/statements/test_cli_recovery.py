"""`firsthand keygen` makes a sealed key and its recovery key; `firsthand sign` commits to the
recovery key; `firsthand revoke`, `recover` and `recovery sheet` use it (docs/recovery.md).
In process (firsthand.cli.main.main), with no server: the statements they print are checked
with the format's own reader, as the server checks them."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from firsthand.cli.main import main
from firsthand.log.note import Verifier
from firsthand.statements.format import new_key_accepted, open_head, read_statement
from firsthand.statements.keys import read_key_file
from firsthand.statements.recovery_words import seed_from_words, words_from_seed


def run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capfd.readouterr()
    return status, out, err


@pytest.fixture
def made(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[str]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pass").write_text("correct horse\n", encoding="utf-8")
    status, _, err = run(
        capfd, "keygen", "--name", "mina.example", "--out", "mina.key", "--passphrase-file", "pass"
    )
    assert status == 0, err
    return tmp_path, re.findall(r"\b\d{1,2}\. ([a-z]+)", err)


def test_keygen_refuses_to_write_an_unsealed_key_unless_told(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FIRSTHAND_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status, _, err = run(capfd, "keygen", "--name", "a.example", "--out", "a.key")
    assert status == 1 and "--passphrase-file" in err and "--no-passphrase" in err
    assert not list(tmp_path.iterdir())  # no key was made
    status, _, err = run(
        capfd, "keygen", "--no-passphrase", "--name", "a.example", "--out", "a.key"
    )
    assert status == 0 and "NOT sealed" in err and (tmp_path / "a.recovery.key").exists()


def test_keygen_seals_both_keys_and_prints_the_recovery_words_once(
    made: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, words = made
    assert "SEALED-KEY" in (directory / "mina.key").read_text(encoding="utf-8")
    assert "SEALED-KEY" in (directory / "mina.recovery.key").read_text(encoding="utf-8")
    recovery = read_key_file(directory / "mina.recovery.key", "correct horse")
    assert len(words) == 24 and seed_from_words(" ".join(words)) == recovery.seed()
    assert words_from_seed(recovery.seed()) == words


def test_sign_commits_to_the_recovery_key_beside_the_key_and_revoke_and_recover_use_it(
    made: tuple[Path, list[str]],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    directory, words = made
    monkeypatch.setenv("FIRSTHAND_PASSPHRASE", "correct horse")
    (directory / "t.txt").write_text("I left in 2019.\n", encoding="utf-8")
    status, out, _ = run(capfd, "sign", "--key", "mina.key", "t.txt")
    head = read_statement(out.encode()).head
    recovery_pub = (directory / "mina.recovery.pub").read_text(encoding="utf-8").strip()
    assert status == 0 and head.recovery == Verifier.from_text(recovery_pub)
    status, out, _ = run(capfd, "sign", "--no-recovery", "--key", "mina.key", "t.txt")
    assert read_statement(out.encode()).head.recovery is None
    mina = head.author.text()

    # From the sheet's words alone, revoke the key from entry 7 on.
    (directory / "words.txt").write_text("\n".join(words), encoding="utf-8")
    status, out, _ = run(
        capfd, "revoke", "--words", "words.txt", "--subject", mina, "--from", "7", "t.txt"
    )
    revocation = read_statement(out.encode()).head
    assert (revocation.kind, revocation.revoked_from) == ("revocation", 7)
    assert revocation.author.public_key == Verifier.from_text(recovery_pub).public_key
    # The key itself revokes only from now on: a thief must not disown earlier words.
    status, _, err = run(capfd, "revoke", "--key", "mina.key", "--from", "3", "t.txt")
    assert status == 1 and "from now on" in err

    # A recovery names a new key, which co-signs it: two-way.
    run(capfd, "keygen", "--no-recovery", "--name", "mina.2027", "--out", "new.key")
    status, out, _ = run(
        capfd,
        "recover",
        "--recovery-key",
        "mina.recovery.key",
        "--subject",
        mina,
        "--new-key",
        "new.key",
        "t.txt",
    )
    statement = read_statement(out.encode())
    head, note = open_head(statement.head_bytes, check_time=False)
    assert head.kind == "recovery" and new_key_accepted(head, note)


def test_the_recovery_sheet_is_a_pdf_with_the_words(
    made: tuple[Path, list[str]],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    directory, words = made
    monkeypatch.setenv("FIRSTHAND_PASSPHRASE", "correct horse")
    status, _, err = run(
        capfd,
        "recovery",
        "sheet",
        "--recovery-key",
        "mina.recovery.key",
        "--key",
        "mina.key",
        "--out",
        "sheet.pdf",
    )
    assert status == 0, err
    pdf = (directory / "sheet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and (directory / "sheet.pdf").stat().st_mode & 0o077 == 0
    if shutil.which("pdftotext"):  # poppler-utils: read the printed words back
        text = subprocess.run(
            ["pdftotext", "sheet.pdf", "-"], capture_output=True, text=True, check=True
        ).stdout
        assert all(f"{n}. {w}" in text for n, w in enumerate(words, 1))
        assert "برگه" in text  # the Persian title, shaped
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):  # the QR code reads back as the words
        subprocess.run(["pdftoppm", "-r", "150", "-png", "sheet.pdf", "sheet"], check=True)
        page = next(directory.glob("sheet*.png"))
        read = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True, check=True
        ).stdout
        assert read.strip() == " ".join(words)
