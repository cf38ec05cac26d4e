"""Our served log, checked by Go's golang.org/x/mod/sumdb/note and tlog (Debian's packages).

The Go program in tests/interop/go/tlogcheck is built against x/mod with
GOPATH=/usr/share/gocode GO111MODULE=off. It is skipped, saying why, only
where Go or x/mod cannot be installed. Debian's x/mod (0.7.0) returns an
all-zero hash for the empty tree, so no check here starts from size 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from firsthand.log.datadir import open_log
from firsthand.log.note import Signer, Verifier, open_note, sign_note
from tests.serving import database_for, running_server

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
GOPATH = "/usr/share/gocode"
XMOD = Path(GOPATH) / "src/golang.org/x/mod/sumdb/tlog"


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None or not XMOD.is_dir():
        pytest.skip(
            "Go or Debian's golang-golang-x-mod-dev is not installed (make test installs them)"
        )
    out = tmp_path_factory.mktemp("go") / "tlogcheck"
    env = {
        **os.environ,
        "GOPATH": GOPATH,
        "GO111MODULE": "off",
        "GOCACHE": str(tmp_path_factory.mktemp("gocache")),
    }
    subprocess.run(
        ["go", "build", "-o", str(out), "."], cwd=HERE / "go/tlogcheck", env=env, check=True
    )
    return out


@pytest.fixture(scope="module")
def served_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """70,000 entries (three tile levels, partial tiles everywhere) behind `firsthand serve`."""
    data = tmp_path_factory.mktemp("data")
    log = open_log(data, "interop.example/log", database_for(data))
    sequencer = log.sequencer(max_batch=4096)
    for i in range(1000):
        sequencer.submit(b"interop entry %d" % i)
    sequencer.run_until_empty()
    old_checkpoint = data / "old-checkpoint"
    old_checkpoint.write_bytes(log.reader.latest().note)
    for i in range(1000, 70_000):
        sequencer.submit(b"interop entry %d" % i)
    sequencer.run_until_empty()
    log.storage.close()
    with running_server(data) as url:
        yield url, old_checkpoint, log.verifier.text()


def run(tool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tool), *args], capture_output=True, text=True, timeout=120)


def test_go_verifies_our_checkpoint_tiles_and_inclusion_proofs(
    tlogcheck: Path, served_log: tuple[str, Path, str]
) -> None:
    url, _, key = served_log
    result = run(tlogcheck, "-url", url, "-key", key, "-index", "0,1,255,256,65535,65536,69999")
    assert result.returncode == 0, result.stderr
    assert "OK checkpoint interop.example/log size 70000" in result.stdout
    assert "OK tree hash from tiles equals the root" in result.stdout
    assert result.stdout.count("is in the tree") == 7


def test_go_verifies_consistency_with_an_older_checkpoint(
    tlogcheck: Path, served_log: tuple[str, Path, str]
) -> None:
    url, old, key = served_log
    result = run(tlogcheck, "-url", url, "-key", key, "-old", str(old))
    assert result.returncode == 0, result.stderr
    assert "OK size 1000 is consistent with size 70000" in result.stdout


def test_go_rejects_our_checkpoint_under_another_key(
    tlogcheck: Path, served_log: tuple[str, Path, str]
) -> None:
    url, _, _ = served_log
    impostor = Signer.generate("interop.example/log").verifier().text()
    result = run(tlogcheck, "-url", url, "-key", impostor)
    assert result.returncode != 0
    assert "note.Open" in result.stderr


def test_keys_made_by_go_sign_notes_go_opens_and_we_open(tlogcheck: Path, tmp_path: Path) -> None:
    skey, vkey = run(tlogcheck, "-genkey", "go.example/key").stdout.split()
    signer = Signer.from_private_key(skey)
    assert signer.verifier().text() == vkey
    signed = sign_note("a note from Python\nwith two lines\n", signer)
    (tmp_path / "note").write_bytes(signed)
    result = run(tlogcheck, "-key", vkey, "-open", str(tmp_path / "note"))
    assert result.returncode == 0, result.stderr
    assert open_note(signed, [Verifier.from_text(vkey)]).text.startswith("a note from Python")


def test_go_opens_a_statement_head_given_the_authors_key(tlogcheck: Path, tmp_path: Path) -> None:
    from firsthand.statements.format import sign_statement

    author = Signer.generate("rana.example")
    statement = sign_statement(author, "من از حلقه جدا شدم.\nI left the circle.\n", lang="fa")
    (tmp_path / "head").write_bytes(statement.head_bytes)
    result = run(tlogcheck, "-key", author.verifier().text(), "-open", str(tmp_path / "head"))
    assert result.returncode == 0, result.stderr
    assert "OK note by rana.example" in result.stdout
    other = Signer.generate("rana.example").verifier().text()
    assert run(tlogcheck, "-key", other, "-open", str(tmp_path / "head")).returncode != 0


def test_go_opens_a_cosigned_checkpoint_and_checks_the_cosignature(
    tlogcheck: Path, tmp_path: Path
) -> None:
    from firsthand.log.checkpoint import Checkpoint, sign_checkpoint
    from firsthand.log.cosignature import CosignatureSigner
    from firsthand.log.note import parse_note
    from firsthand.log.witness_client import merge_cosignatures

    log = Signer.generate("interop.example/log")
    # This seed's key has a "+" inside its base64, which a naive split on "+" gets wrong.
    witness = CosignatureSigner.from_seed("witness.example/w1", bytes([8]) * 32)
    assert "+" in witness.verifier().text().split("+", 2)[2]
    note = sign_checkpoint(Checkpoint(log.name, 12, bytes(range(32))), log)
    line = witness.sign(parse_note(note).text, timestamp=1_764_000_000)
    (tmp_path / "cosigned").write_bytes(merge_cosignatures(note, [line]))
    key = log.verifier().text()
    cosigner = witness.verifier().text()
    result = run(tlogcheck, "-key", key, "-open", str(tmp_path / "cosigned"), "-cosigner", cosigner)
    assert result.returncode == 0, result.stderr
    assert "OK cosigned at 1764000000" in result.stdout
    stranger = CosignatureSigner.generate("witness.example/w1").verifier().text()
    refused = run(
        tlogcheck, "-key", key, "-open", str(tmp_path / "cosigned"), "-cosigner", stranger
    )
    assert refused.returncode != 0
