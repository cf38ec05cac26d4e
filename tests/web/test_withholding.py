"""Withholding: the operator's logged, signed notice takes a body off the site, not the log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from firsthand.log.note import Signer
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.errors import BundleError
from firsthand.statements.format import Reference, Statement, sign_statement
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.models import PublishedStatement
from tests.web.conftest import log_of_its_own

URL = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"
ADDRESS_TEXT = "She lives at 12 Example Lane, flat 3, and leaves for work at eight."


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("withholding-log")):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


def post(client: Client, statement: Statement) -> tuple[int, dict[str, Any]]:
    response = client.post(URL, data=statement.file_bytes(), content_type=TEXT)
    return response.status_code, response.json()


def published(client: Client, text: str) -> tuple[Statement, int]:
    statement = sign_statement(Signer.generate("someone.example"), text)
    status, answer = post(client, statement)
    assert status == 201, answer
    return statement, answer["index"]


def notice_for(target: Statement, reason: str, signer: Signer | None = None) -> Statement:
    return sign_statement(
        signer or runtime.operator(),
        reason,
        kind="withholding",
        refers=[Reference("leaf", target.leaf_hash.hex())],
        reason=reason,
    )


def test_the_operator_withholds_a_body_with_a_logged_notice_and_readers_see_why(
    client: Client,
) -> None:
    target, index = published(client, ADDRESS_TEXT)
    status, answer = post(client, notice_for(target, "it gives a private address"))
    assert status == 201, answer

    shown = client.get(f"{URL}/{index}").json()
    assert shown["body"] is None
    assert shown["head"] == target.head_bytes.decode()  # the head stays
    withheld = shown["withheld"]
    assert withheld["notice_index"] == answer["index"]
    assert withheld["message"].startswith("withheld by the operator on 20")
    assert withheld["message"].endswith(": it gives a private address")
    assert ADDRESS_TEXT not in json.dumps(shown)
    # Erased from the site's database too, not only hidden.
    assert PublishedStatement.objects.get(index=index).body == ""


def test_a_withheld_bundle_verifies_with_the_notice_and_a_copy_held_elsewhere_still_verifies(
    client: Client,
) -> None:
    target, index = published(client, "Home address: 4 Fictional Road. " + ADDRESS_TEXT)
    status, answer = post(client, notice_for(target, "court order 2026/17"))
    assert status == 201, answer
    bundle = client.get(f"{URL}/{index}/bundle").json()
    assert bundle["body"] is None
    log_key = runtime.log().verifier
    operator = runtime.operator().verifier()

    verdict = verify_bundle(json.dumps(bundle).encode(), log_key, operator_key=operator)
    assert verdict.body_withheld
    assert verdict.withheld is not None
    assert verdict.withheld.reason == "court order 2026/17"
    assert verdict.withheld.notice_index == answer["index"]

    # Someone kept the text: put it back into the bundle and it still verifies.
    kept = dict(bundle, body=target.body)
    assert not verify_bundle(json.dumps(kept).encode(), log_key).body_withheld

    # A wrong operator key is named, not silently accepted.
    with pytest.raises(BundleError, match="not by the operator key"):
        verify_bundle(
            json.dumps(bundle).encode(),
            log_key,
            operator_key=Signer.generate("other.example").verifier(),
        )


def test_a_withholding_notice_that_names_another_statement_does_not_verify(
    client: Client,
) -> None:
    target, index = published(client, "A first text, later withheld for a private address.")
    other, _ = published(client, "A second text, never withheld.")
    assert post(client, notice_for(target, "a private address"))[0] == 201
    bundle = client.get(f"{URL}/{index}/bundle").json()
    other_bundle = client.get(f"{URL}/{_index_of(other)}/bundle").json()
    forged = dict(other_bundle, body=None, withheld=bundle["withheld"])
    with pytest.raises(BundleError, match="does not name this statement"):
        verify_bundle(json.dumps(forged).encode(), runtime.log().verifier)


def _index_of(statement: Statement) -> int:
    index = PublishedStatement.objects.get(leaf_hash=statement.leaf_hash.hex()).index
    assert index is not None
    return index


def test_only_the_operator_key_may_withhold(client: Client) -> None:
    target, index = published(client, "An author's own words, which no author can withhold.")
    status, answer = post(client, notice_for(target, "I dislike it", Signer.generate("x.example")))
    assert status == 403
    assert "operator key" in answer["error"]
    assert client.get(f"{URL}/{index}").json()["body"] == target.body


def test_a_notice_for_a_statement_not_in_the_log_is_refused(client: Client) -> None:
    stranger = sign_statement(Signer.generate("nobody.example"), "never published")
    status, answer = post(client, notice_for(stranger, "a private address"))
    assert status == 422
    assert "not a statement in this log" in answer["error"]


def test_sending_the_same_notice_again_keeps_one_entry(client: Client) -> None:
    target, _ = published(client, "A text withheld once, whatever the retries.")
    notice = notice_for(target, "a private address")
    first = post(client, notice)
    again = post(client, notice)
    assert (first[0], again[0]) == (201, 200)
    assert first[1]["index"] == again[1]["index"]


def test_a_second_notice_for_the_same_statement_is_a_conflict(client: Client) -> None:
    target, _ = published(client, "A text withheld once only.")
    assert post(client, notice_for(target, "a private address"))[0] == 201
    status, answer = post(client, notice_for(target, "another reason"))
    assert status == 409
    assert "already withheld" in answer["error"]


def test_a_withholding_notice_cannot_be_withheld(client: Client) -> None:
    target, _ = published(client, "Withheld, then someone tries to hide the notice.")
    notice = notice_for(target, "a private address")
    assert post(client, notice)[0] == 201
    status, answer = post(client, notice_for(notice, "hide the notice"))
    assert status == 422
    assert "cannot itself be withheld" in answer["error"]
