"""`firsthand contacts`, `social-recovery`, `device add|revoke` and `cosign` (docs/recovery.md),
in process: each contact adds their line on their own machine, and the file that results
passes every logging rule the server applies to one statement (format.read_statement)."""

from __future__ import annotations

from pathlib import Path

import pytest

from firsthand.cli.main import main
from firsthand.log.note import Signer
from firsthand.statements.format import read_statement


def run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capfd.readouterr()
    return status, out, err


def keys(tmp_path: Path, *names: str) -> dict[str, Signer]:
    made = {}
    for name in names:
        signer = Signer.generate(f"{name}.example")
        key_file = tmp_path / f"{name}.key"
        key_file.write_text(signer.private_key_text() + "\n", encoding="utf-8")
        key_file.chmod(0o600)  # the CLI refuses a key file others can read
        (tmp_path / f"{name}.pub").write_text(signer.verifier().text() + "\n", encoding="utf-8")
        made[name] = signer
    return made


def test_contacts_then_a_social_recovery_cosigned_one_contact_at_a_time(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    k = keys(tmp_path, "mina", "ana", "bo", "new")
    Path("text").write_text("My trusted contacts.\n", encoding="utf-8")
    status, out, err = run(
        capfd, "contacts", "--key", "mina.key", "--contact", "ana.pub", "--contact", "bo.pub",
        "--threshold", "2", "text",
    )  # fmt: skip
    assert status == 0, err
    named = read_statement(out.encode())
    assert named.head.threshold == 2 and len(named.head.contacts) == 2

    Path("lost").write_text("Mina's key was taken.\n", encoding="utf-8")
    status, out, err = run(
        capfd, "social-recovery", "--key", "new.key", "--subject", "mina.pub",
        "--contact", "bo.pub", "--contact", "ana.pub", "--from", "3", "lost",
    )  # fmt: skip
    assert status == 0, err
    assert "ana.example" in err and "bo.example" in err and "firsthand cosign" in err
    Path("request").write_text(out, encoding="utf-8")
    for contact in ("bo", "ana"):  # in either order
        status, out, err = run(capfd, "cosign", "--key", f"{contact}.key", "request")
        assert status == 0, err
        Path("request").write_text(out, encoding="utf-8")
    assert "ready for" in err
    statement = read_statement(Path("request").read_bytes())
    assert statement.head.kind == "social-recovery" and statement.head.revoked_from == 3
    assert len(statement.note.signatures) == 3

    status, _, err = run(capfd, "cosign", "--key", "mina.key", "request")
    assert status == 1 and "not for mina.example" in err
    assert k  # the keys stayed on their "machines": only the statement file travelled


def test_a_device_is_added_with_both_keys_and_revoked(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keys(tmp_path, "mina", "phone")
    Path("text").write_text("My phone.\n", encoding="utf-8")
    status, out, err = run(
        capfd, "device", "add", "--key", "mina.key", "--device", "phone.key", "text"
    )
    assert status == 0 and "ready for" in err, err
    assert read_statement(out.encode()).head.kind == "device"
    # The phone elsewhere: only its verifier key here, and it co-signs later.
    status, out, err = run(
        capfd, "device", "add", "--key", "mina.key", "--device", "phone.pub", "text"
    )
    assert status == 0 and "phone.example" in err
    Path("request").write_text(out, encoding="utf-8")
    status, out, err = run(capfd, "cosign", "--key", "phone.key", "request")
    assert status == 0 and read_statement(out.encode()).head.kind == "device"
    status, out, err = run(
        capfd,
        "device",
        "revoke",
        "--key",
        "mina.key",
        "--device",
        "phone.pub",
        "--from",
        "4",
        "text",
    )
    assert status == 0, err
    assert read_statement(out.encode()).head.revoked_from == 4
