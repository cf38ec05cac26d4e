"""A withheld body leaves no byte on disk: not in the SQLite file, not in its WAL, nowhere in
the data directory (publishing/erasure.py), while the server still runs and after it stops."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from tests.serving import ROOT, database_for, running_server, server_env

# Words no other statement holds, so any trace of them is this body's.
BODY = (
    "Qzxwvk Lomberdayne lives at 41 Vellichor Row, flat 9; her door code is 7719-QZX and "
    "she leaves at 07:40."
)
# The search index keeps words folded to lower case, one by one.
TRACES = [BODY.encode(), b"Lomberdayne", b"Vellichor", b"7719-QZX", b"lomberdayne", b"vellichor"]


def _post(url: str, data: bytes) -> dict[str, object]:
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def traces_in(directory: Path) -> list[str]:
    found = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {t.decode()}" for t in TRACES if t in data]
    return found


def test_a_withheld_body_is_in_no_file_of_the_data_directory_wal_included(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    if database_for(data) is not None:
        pytest.skip("on PostgreSQL the rows live outside the data directory (docs/deploy.md)")
    with running_server(data, "--period", "0.05") as base:
        statement = sign_statement(Signer.generate("neighbour.example"), BODY)
        # Other statements before and after, as on a live site: the body's pages get company.
        for n in range(3):
            _post(
                base + "/api/v1/statements",
                sign_statement(Signer.generate("a.example"), f"Before {n}.").file_bytes(),
            )
        index = _post(base + "/api/v1/statements", statement.file_bytes())["index"]
        _post(
            base + "/api/v1/statements",
            sign_statement(Signer.generate("b.example"), "After.").file_bytes(),
        )
        with urllib.request.urlopen(f"{base}/search?q=Lomberdayne") as response:
            assert b"Vellichor" in response.read()  # indexed for search, too
        assert traces_in(data)  # the attack: before withholding, the body is on disk

        withheld = subprocess.run(
            [sys.executable, "-m", "firsthand.cli", "withhold", "--data", str(data),
             "--server", base, "--reason", "it gives a private address", str(index)],
            capture_output=True, text=True, env=server_env(data), cwd=ROOT,
        )  # fmt: skip
        assert withheld.returncode == 0, withheld.stderr
        assert traces_in(data) == []  # while the server runs
    assert traces_in(data) == []  # and once it has stopped
