"""`firsthand check` against a real `firsthand serve` holding the fictional demo.

It runs ``python -m firsthand.cli.check``: the same add_commands and command
function `firsthand` registers, with the same one-line error handling.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from firsthand.statements.identity import fingerprint, grouped_fingerprint
from firsthand.web.demo import demo_signer, demo_statements
from tests.serving import load_demo, running_server, server_env

COMMAND = [sys.executable, "-m", "firsthand.cli", "check"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("check-data")
    load_demo(data)
    with running_server(data, "--period", "0.05") as url:
        yield url, data


def check(
    server: tuple[str, Path], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    url, data = server
    return subprocess.run(
        [*COMMAND, "--server", url + "/", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=server_env(data),
        timeout=60,
    )


def test_an_exact_copy_from_stdin_is_signed_and_exits_0(server: tuple[str, Path]) -> None:
    body = demo_statements()[2].body  # Persian
    done = check(server, "-", stdin=body.replace("ی", "ي"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("verdict: signed\n")
    nasrin = grouped_fingerprint(fingerprint(demo_signer("nasrin.kazemi.demo").verifier()))
    assert f"statement 2: a declaration by nasrin.kazemi.demo (fingerprint {nasrin})" in done.stdout
    assert "key ID" not in done.stdout  # 32 bits anyone can match: never shown as who
    assert f"{server[0]}/statements/2" in done.stdout
    assert f"{server[0]}/api/v1/statements/2/bundle" in done.stdout


def test_an_altered_copy_prints_the_word_diff_and_exits_4(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    text = tmp_path / "altered.txt"
    text.write_text(demo_statements()[0].body.replace("of my own will", "against my will"))
    done = check(server, "--author", "rana.tavakoli.demo", str(text))
    assert done.returncode == 4, done.stderr
    assert done.stdout.startswith("verdict: altered\n")
    assert "(threshold 0.70)" in done.stdout
    assert "[-of-] {+against+}" in done.stdout
    assert "[-own-]" in done.stdout


def test_json_prints_the_servers_answer_and_unknown_exits_6(server: tuple[str, Path]) -> None:
    done = check(server, "--json", "-", stdin="Nothing anyone here ever wrote, about bread.")
    assert done.returncode == 6, done.stderr
    reply = json.loads(done.stdout)
    assert reply["verdict"] == "unknown"
    assert reply["proves_nothing"] is True


def test_a_quote_exits_3_and_a_denied_text_exits_5(server: tuple[str, Path]) -> None:
    quoted = check(server, "-", stdin="We were kept from our phones for nine days")
    assert quoted.returncode == 3, quoted.stderr
    assert "[We were kept from our phones for nine days,]" in quoted.stdout
    denied = check(
        server,
        "-",
        stdin="I, Rana Tavakoli, regret leaving and ask the Circle of Dawn to take me back.",
    )
    assert denied.returncode == 5, denied.stderr
    assert denied.stdout.startswith("verdict: denied\n")


def test_errors_are_one_line_and_exit_1(server: tuple[str, Path], tmp_path: Path) -> None:
    missing = check(server, str(tmp_path / "missing.txt"))
    assert missing.returncode == 1
    assert missing.stderr.startswith("firsthand check: cannot read")
    assert missing.stderr.count("\n") == 1
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    assert "not UTF-8" in check(server, str(tmp_path / "latin1.txt")).stderr
    bad_author = check(server, "--author", "x+y", "-", stdin="some words to check")
    assert bad_author.returncode == 1
    assert "the server answered 400" in bad_author.stderr
    unreachable = subprocess.run(
        [*COMMAND, "--server", "http://127.0.0.1:9", "-"],
        input="words",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("firsthand check: cannot reach")
