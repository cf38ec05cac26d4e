"""A log with a real witness: /checkpoint, bundles, the statement page and "How it works"
show the witness's cosignature once it has come in."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client, override_settings

from firsthand.log.cosignature import CosignatureSigner, verify_cosignatures
from firsthand.log.datadir import load_or_create_log_key
from firsthand.log.note import Signer, parse_note
from firsthand.log.witness import TrustedLog, Witness
from firsthand.log.witness_http import make_server
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.format import sign_statement
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from tests.web.conftest import log_of_its_own

WITNESS = CosignatureSigner.generate("witness.example/w1")
ABSENT = CosignatureSigner.generate("absent.example/w2")


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    directory = tmp_path_factory.mktemp("witnessed-log")
    log_key = load_or_create_log_key(directory).verifier()
    witness_dir: Path = tmp_path_factory.mktemp("witness")
    witness = Witness(witness_dir / "w.sqlite3", [WITNESS], [TrustedLog(log_key.name, (log_key,))])
    server = make_server(witness)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    # The second witness is never reachable: it must not hold anything up.
    configured = [
        f"{url}={WITNESS.verifier().text()}",
        f"http://127.0.0.1:9={ABSENT.verifier().text()}",
    ]
    ratelimit.reset()
    with log_of_its_own(directory, witnesses=configured, witness_timeout=1):
        yield Client()
    server.close()
    witness.close()


@pytest.fixture(scope="module")
def published(client: Client) -> int:
    statement = sign_statement(Signer.generate("mina.example"), "I saw it myself, in 2021.\n")
    response = client.post(
        "/api/v1/statements", data=statement.file_bytes(), content_type="text/plain; charset=utf-8"
    )
    assert response.status_code == 201, response.content
    collector = runtime.collector()
    assert collector is not None
    for _ in range(50):
        assert collector.wait_idle(10)
        note = client.get("/checkpoint").content
        if verify_cosignatures(parse_note(note), [WITNESS.verifier()]):
            break
    index: int = response.json()["index"]
    return index


def test_the_checkpoint_carries_the_witness_cosignature(client: Client, published: int) -> None:
    note = parse_note(client.get("/checkpoint").content)
    assert [c.cosigner for c in verify_cosignatures(note, [WITNESS.verifier()])] == [
        WITNESS.verifier()
    ]


def test_the_bundle_meets_a_quorum_of_the_witness_that_answered(
    client: Client, published: int
) -> None:
    bundle = client.get(f"/api/v1/statements/{published}/bundle").content
    verdict = verify_bundle(
        bundle, runtime.log().verifier, witnesses=[WITNESS.verifier()], quorum=1
    )
    assert [c.name for c in verdict.cosigned_by] == ["witness.example/w1"]
    assert json.loads(bundle)["tree_size"] > published


def test_the_statement_page_names_the_witness_and_when_it_cosigned(
    client: Client, published: int
) -> None:
    page = client.get(f"/statements/{published}").content.decode()
    assert "Cosigned by the independent witnesses" in page
    assert "<bdi>witness.example/w1</bdi>" in page and "<bdi>absent.example/w2</bdi>" not in page
    assert WITNESS.verifier().text() in page  # handed to the browser's own check


def test_how_it_works_shows_each_witness_and_what_it_cosigned(
    client: Client, published: int
) -> None:
    page = client.get("/about").content.decode()
    assert "cosigned the checkpoint of" in page
    assert "absent.example/w2" in page and "has not cosigned the newest checkpoint" in page
    # The command line keeps each word whole in a span of its own (pages/_command.html).
    block = page.split('<pre class="command"', 1)[1].split("</pre>")[0]
    command = re.sub(r"<[^>]+>", "", block.split(">", 1)[1])
    assert f"--witness {WITNESS.verifier().text()}" in command
    assert f"--log-key {runtime.log().verifier.text()}" in command  # no KEY placeholder
    # Who runs each witness, in the operator's words (FIRSTHAND_WITNESS_ABOUT).
    with override_settings(FIRSTHAND_WITNESS_ABOUT={"witness.example/w1": "Run by a press desk"}):
        assert "Run by a press desk" in client.get("/about").content.decode()
    persian = client.get("/fa/about").content.decode()
    assert 'dir="rtl"' in persian and "witness.example/w1" in persian


def test_the_witness_status_reads_in_persian(client: Client, published: int) -> None:
    page = client.get("/fa/about").content.decode()
    assert "شاهدان" in page and "هم‌امضا کرده است" in page
