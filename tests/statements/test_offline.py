"""The single-file verifier's entry point (statements/offline.py): what `firsthand verify`
prints, the photos a statement covers among it, and the documented exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firsthand.log.datadir import open_log
from firsthand.log.note import Signer
from firsthand.statements.bundle import make_bundle
from firsthand.statements.format import Media, sign_statement
from firsthand.statements.offline import CANNOT_CHECK, INVALID, VALID, main

PHOTO = Media("ab" * 32, "image/jpeg", 48213)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    log = open_log(tmp_path_factory.mktemp("log"), "offline.example/log")
    statement = sign_statement(
        Signer.generate("leyla.example"), "The courtyard, that day.\n", media=[PHOTO]
    )
    sequencer = log.sequencer()
    ticket = sequencer.submit(statement.head_bytes)
    sequencer.run_until_empty()
    bundle = make_bundle(
        log.reader, index=ticket.wait().index, head=statement.head_bytes, body=statement.body
    )
    path = tmp_path_factory.mktemp("bundle") / "statement.bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path, log.verifier.text()


def test_a_valid_bundle_prints_the_photo_hashes_it_covers(
    published: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, log_key = published
    assert main(["verify", "--log-key", log_key, str(path)]) == VALID
    out = capsys.readouterr().out
    assert out.startswith("valid: a declaration by leyla.example (fingerprint ")
    assert f"Covers the file sha256:{PHOTO.sha256} (image/jpeg, 48213 bytes)." in out


def test_a_photo_swapped_in_the_bundle_fails_and_an_unreadable_file_cannot_be_checked(
    published: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, log_key = published
    bundle = json.loads(path.read_text(encoding="utf-8"))
    # The adversary's move: the same statement, another photo's hash in its head.
    bundle["head"] = bundle["head"].replace(PHOTO.sha256, "cd" * 32)
    swapped = tmp_path / "swapped.json"
    swapped.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["verify", "--log-key", log_key, str(swapped)]) == INVALID
    assert capsys.readouterr().err.startswith("firsthand verify: ")
    assert main(["verify", "--log-key", log_key, str(tmp_path / "missing.json")]) == CANNOT_CHECK
    assert "missing.json" in capsys.readouterr().err
