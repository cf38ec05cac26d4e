"""Fair limits on publishing: a token of the publishing budget is spent only by a request that
has proved to be a signed statement; everything else spends a small budget of its own."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client, override_settings

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from firsthand.web.api import ratelimit
from tests.serving import running_server
from tests.web.conftest import log_of_its_own

URL = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"
NEIGHBOUR = "203.0.113.50"  # an author and an attacker behind one address (a café, a NAT)


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("fair-limits-log")):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


def statement_bytes(text: str) -> bytes:
    return sign_statement(Signer.generate("author.example"), text).file_bytes()


def test_thirty_empty_unsigned_posts_do_not_lock_an_address_out_of_publishing(
    client: Client,
) -> None:
    refused = [
        client.post(URL, data=b"", content_type=TEXT, REMOTE_ADDR=NEIGHBOUR).status_code
        for _ in range(30)
    ]
    assert set(refused) <= {400, 429} and refused.count(429) >= 15  # cut short all the same
    answer = client.post(
        URL, data=statement_bytes("Still here."), content_type=TEXT, REMOTE_ADDR=NEIGHBOUR
    )
    assert answer.status_code == 201, answer.json()


def test_unsigned_and_badly_signed_files_spend_the_malformed_budget_not_the_publishing_one(
    client: Client,
) -> None:
    good = statement_bytes("A signed statement.")
    forged = good.replace(b"A signed statement.", b"A forged statement.")
    with override_settings(FIRSTHAND_POST_RATE_PER_MINUTE=1):
        for data in (b"not a statement", forged, b"\xff\xfe", good[:100]):
            refused = client.post(URL, data=data, content_type=TEXT, REMOTE_ADDR=NEIGHBOUR)
            assert refused.status_code in (400, 422)
        first = client.post(URL, data=good, content_type=TEXT, REMOTE_ADDR=NEIGHBOUR)
        second = client.post(
            URL, data=statement_bytes("One too many."), content_type=TEXT, REMOTE_ADDR=NEIGHBOUR
        )
    assert first.status_code == 201
    assert second.status_code == 429 and "too many statements" in second.json()["error"]


def _post(url: str, data: bytes) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": TEXT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_an_author_publishes_while_a_script_floods_malformed_posts_from_the_same_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRSTHAND_POST_RATE_PER_MINUTE", "10")
    monkeypatch.setenv("FIRSTHAND_MALFORMED_RATE_PER_MINUTE", "5")
    with running_server(tmp_path / "data", "--period", "0.05") as base:
        stop = threading.Event()
        flooded: list[int] = []

        def flood() -> None:
            junk = [b"", b"junk", b"firsthand/statement/v1\n" * 40]
            while not stop.is_set() and len(flooded) < 400:
                flooded.append(_post(base + "/api/v1/statements", junk[len(flooded) % 3]))

        flooders = [threading.Thread(target=flood) for _ in range(2)]
        for thread in flooders:
            thread.start()
        try:
            published = [
                _post(base + "/api/v1/statements", statement_bytes(f"Statement {n}."))
                for n in range(5)
            ]
        finally:
            stop.set()
            for thread in flooders:
                thread.join()
        with urllib.request.urlopen(base + "/checkpoint") as response:
            size = int(response.read().decode().splitlines()[1])
    assert published == [201] * 5
    assert size == 5
    assert 429 in flooded  # the flood itself was cut short
    assert set(flooded) <= {400, 413, 429}  # only refusals: nothing of it was logged


def test_a_client_the_operator_gave_a_token_has_a_budget_of_its_own(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from firsthand.web.api import client_tokens

    monkeypatch.setattr(client_tokens, "tokens_file", lambda directory=None: tmp_path / "tokens")
    token = client_tokens.add(tmp_path, "newsroom", 5)

    def post(text: str, bearer: str | None = None) -> int:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
        data = statement_bytes(text)
        return client.post(
            URL, data=data, content_type=TEXT, REMOTE_ADDR=NEIGHBOUR, **extra
        ).status_code

    with override_settings(FIRSTHAND_POST_RATE_PER_MINUTE=1):
        assert post("The address's one.") == 201
        assert post("Over the address's budget.") == 429
        assert post("A guessed token gains nothing.", "fhc_guessed") == 429
        assert [post(f"Imported {n}.", token) for n in range(6)] == [201] * 5 + [429]
        (tmp_path / "tokens").write_text("")  # revoked
        os.utime(tmp_path / "tokens", (1, 1))  # read again: it changed
        assert post("Revoked.", token) == 429
