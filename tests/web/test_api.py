"""The JSON API through Django's test client, with the real sequencer logging each head."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import URLPattern

from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.note import Signer
from firsthand.log.sequencer import PoolFull, Sequencer
from firsthand.publishing import process
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.format import Reference, Statement, sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.urls import urlpatterns
from tests.forging import one_way_rotation
from tests.web.conftest import log_of_its_own

URL = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("api-log")):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


@dataclass
class Answer:
    status: int
    json: dict[str, Any]
    retry_after: str | None


def post(
    client: Client, data: bytes, content_type: str = TEXT, address: str = "127.0.0.1"
) -> Answer:
    response = client.post(URL, data=data, content_type=content_type, REMOTE_ADDR=address)
    return Answer(response.status_code, response.json(), response.get("Retry-After"))


def publish(client: Client, statement: Statement) -> dict[str, Any]:
    answer = post(client, statement.file_bytes())
    assert answer.status in (200, 201), answer.json
    return answer.json


def signed(text: str, name: str = "alice.example", **kwargs: object) -> Statement:
    return sign_statement(Signer.generate(name), text, **kwargs)  # type: ignore[arg-type]


def test_publishing_answers_201_with_a_signed_checkpoint_that_covers_the_index(
    client: Client,
) -> None:
    statement = signed("I was at the meeting on Tuesday.")
    answer = post(client, statement.file_bytes())
    assert answer.status == 201
    body = answer.json
    assert body["leaf_hash"] == statement.leaf_hash.hex()
    assert body["bundle_url"] == f"/api/v1/statements/{body['index']}/bundle"
    checkpoint, _ = open_checkpoint(body["checkpoint"].encode(), runtime.log().verifier)
    assert checkpoint.size > body["index"]
    assert runtime.log().reader.entry(body["index"]) == statement.head_bytes


def test_publishing_the_same_statement_twice_answers_200_with_the_first_index(
    client: Client,
) -> None:
    statement = signed("Said once, sent twice.")
    first = post(client, statement.file_bytes())
    again = post(client, statement.file_bytes())
    assert (first.status, again.status) == (201, 200)
    assert again.json["index"] == first.json["index"]
    checkpoint, _ = open_checkpoint(again.json["checkpoint"].encode(), runtime.log().verifier)
    assert checkpoint.size > first.json["index"]


def test_a_body_other_than_the_signed_one_is_refused_with_422(client: Client) -> None:
    statement = signed("I will vote yes.")
    tampered = statement.head_bytes + b"\nI will vote no."
    answer = post(client, tampered)
    assert answer.status == 422
    assert "not the one the author signed" in answer.json["error"]


def test_a_head_whose_signature_does_not_verify_is_refused_with_422(client: Client) -> None:
    statement = signed("Signed, then altered in transit.")
    text, _, line = statement.head_bytes[:-1].rpartition(b"\n")
    prefix, _, encoded = line.rpartition(b" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    head = text + b"\n" + prefix + b" " + base64.b64encode(bytes(raw)) + b"\n"
    answer = post(client, head + b"\n" + statement.body.encode())
    assert answer.status == 422
    assert "not validly signed" in answer.json["error"]


def test_a_statement_dated_in_the_future_is_refused_with_422(client: Client) -> None:
    future = datetime.now(UTC) + timedelta(days=2)
    answer = post(client, signed("Tomorrow's news.", time=future).file_bytes())
    assert answer.status == 422
    assert "future" in answer.json["error"]


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, world", b"\xff\xfe\x00garbage\n\n\xff", b"firsthand-statement/v1\n"],
)
def test_what_is_not_a_statement_file_is_refused_with_400(client: Client, data: bytes) -> None:
    answer = post(client, data)
    assert answer.status == 400
    assert isinstance(answer.json["error"], str) and answer.json["error"]


def test_a_body_that_is_not_utf8_is_refused_with_400(client: Client) -> None:
    statement = signed("plain")
    answer = post(client, statement.head_bytes + b"\n\xff\xfe")
    assert answer.status == 400
    assert "UTF-8" in answer.json["error"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain; charset=latin-1", "multipart/form-data"]
)
def test_a_statement_sent_with_another_content_type_is_refused_with_415(
    client: Client, content_type: str
) -> None:
    response = client.post(URL, data=b"x", content_type=content_type)
    assert response.status_code == 415
    assert "text/plain; charset=utf-8" in response.json()["error"]


def test_a_request_over_the_size_limit_is_refused_with_413(client: Client) -> None:
    statement = signed("x" * 5_000)
    with override_settings(FIRSTHAND_MAX_REQUEST_BYTES=4_000):
        answer = post(client, statement.file_bytes())
    assert answer.status == 413
    assert "4,000 bytes" in answer.json["error"]
    assert post(client, statement.file_bytes()).status == 201


def test_a_request_over_the_default_limit_is_refused_before_it_is_parsed(client: Client) -> None:
    answer = post(client, b"a" * 1_100_001)
    assert answer.status == 413


def test_a_persian_statement_round_trips_through_get(client: Client) -> None:
    text = "من آنجا بودم و این را با چشم خودم دیدم.\nامضا: مریم"
    statement = signed(text, name="maryam.example", lang="fa", kind="testimony")
    index = publish(client, statement)["index"]
    response = client.get(f"/api/v1/statements/{index}")
    assert response.status_code == 200
    got = response.json()
    assert got["body"] == text
    assert got["lang"] == "fa"
    assert got["kind"] == "testimony"
    assert got["author"] == {
        "key": statement.head.author.text(),
        "fingerprint": fingerprint(statement.head.author),
        "key_id": statement.head.author.key_id.hex(),
        "name": "maryam.example",
    }
    assert got["head"].encode() == statement.head_bytes
    assert got["time"] == statement.head.time.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert got["leaf_hash"] == statement.leaf_hash.hex()


def test_an_unknown_statement_is_a_json_404(client: Client) -> None:
    for path in ("/api/v1/statements/999999", "/api/v1/statements/999999/bundle"):
        response = client.get(path)
        assert response.status_code == 404
        assert "999999" in response.json()["error"]


def test_an_index_past_any_database_integer_is_a_404_not_a_500(client: Client) -> None:
    # Found by Schemathesis: SQLite cannot take the number at all (OverflowError).
    huge = "103298673250500323618190497153024"
    for path in (f"/api/v1/statements/{huge}", f"/api/v1/statements/{huge}/bundle"):
        assert client.get(path).status_code == 404
    assert client.get(f"/statements/{huge}").status_code == 404


def test_the_author_page_lists_statements_newest_first_and_the_denials(client: Client) -> None:
    signer = Signer.generate("bob.example")
    said = sign_statement(signer, "I support the plan.")
    denied = sign_statement(
        signer,
        "I never said the quote going round.",
        kind="denial",
        refers=[Reference("text", "ab" * 32)],
        seen_at="a screenshot on a forum",
    )
    first = publish(client, said)["index"]
    second = publish(client, denied)["index"]
    author = fingerprint(signer.verifier())
    response = client.get(f"/api/v1/authors/{author}")
    assert response.status_code == 200
    page = response.json()
    assert page["fingerprint"] == author
    assert page["keys"] == [signer.verifier().text()]
    assert [s["index"] for s in page["statements"]] == [second, first]
    assert [d["index"] for d in page["denials"]] == [second]
    assert page["denials"][0]["refers"] == ["text:" + "ab" * 32]
    assert page["vouches_received"] == [] and page["rotations"] == []
    assert client.get(f"/api/v1/authors/{author.upper()}").json() == page
    # An old link by the short key ID: one key has it here, so it leads there.
    old_link = client.get(f"/api/v1/authors/{signer.key_id.hex()}")
    assert old_link.status_code == 302 and old_link["Location"].endswith(f"/authors/{author}")


def test_the_author_page_lists_vouches_received_and_key_rotations(client: Client) -> None:
    carol, dave, carol_new = (Signer.generate(n) for n in ("carol.example", "dave.example", "c2"))
    vouch = sign_statement(dave, "I know Carol.", kind="vouch", subject=carol.verifier())
    rotation = rotate(carol, carol_new)
    vouch_index = publish(client, vouch)["index"]
    rotation_index = publish(client, rotation)["index"]
    page = client.get(f"/api/v1/authors/{fingerprint(carol.verifier())}").json()
    assert [v["index"] for v in page["vouches_received"]] == [vouch_index]
    assert page["vouches_received"][0]["author"]["key"] == dave.verifier().text()
    assert page["vouches_received"][0]["author"]["fingerprint"] == fingerprint(dave.verifier())
    assert [r["index"] for r in page["rotations"]] == [rotation_index]
    assert page["rotations"][0]["new_key"] == carol_new.verifier().text()
    assert page["rotations"][0]["new_key_fingerprint"] == fingerprint(carol_new.verifier())
    assert page["rotations"][0]["two_way"] is True


def test_a_key_rotation_merges_the_new_keys_later_statements_into_the_authors_page(
    client: Client,
) -> None:
    old, new, newer = (Signer.generate(n) for n in ("farah.example", "farah2", "farah3"))
    before = publish(client, signed_by(old, "Written with my first key."))["index"]
    first = publish(client, rotate(old, new))["index"]
    after = publish(client, signed_by(new, "Written with my second key."))["index"]
    second = publish(client, rotate(new, newer))["index"]
    latest = publish(client, signed_by(newer, "Written with my third key."))["index"]

    page = client.get(f"/api/v1/authors/{fingerprint(old.verifier())}").json()
    assert page["successors"] == [fingerprint(new.verifier()), fingerprint(newer.verifier())]
    assert [s["index"] for s in page["statements"]] == [latest, second, after, first, before]


def test_a_one_way_rotation_naming_someone_elses_key_is_refused(client: Client) -> None:
    victim, impostor = Signer.generate("victim.example"), Signer.generate("impostor.example")
    publish(client, signed_by(victim, "My own words."))
    answer = post(client, one_way_rotation(impostor, victim))
    assert answer.status == 422
    assert "signed by both keys" in answer.json["error"]
    page = client.get(f"/api/v1/authors/{fingerprint(victim.verifier())}").json()
    assert page["rotations_received"] == []


def signed_by(signer: Signer, text: str) -> Statement:
    return sign_statement(signer, text)


def rotate(old: Signer, new: Signer) -> Statement:
    return sign_statement(
        old, "My new key.", kind="key-rotation", new_key=new.verifier(), cosigners=[new]
    )


def test_an_unknown_author_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/authors/00000000")
    assert response.status_code == 404
    assert "00000000" in response.json()["error"]
    assert client.get("/api/v1/authors/" + "0" * 64).status_code == 404
    assert client.get("/api/v1/authors/xyz").status_code == 404


def test_a_correction_by_the_same_key_is_published(client: Client) -> None:
    signer = Signer.generate("erin.example")
    original = sign_statement(signer, "The meeting is at 9.")
    publish(client, original)
    correction = sign_statement(
        signer,
        "The meeting is at 10.",
        kind="correction",
        refers=[Reference("leaf", original.leaf_hash.hex())],
    )
    assert post(client, correction.file_bytes()).status == 201


def test_a_correction_of_another_authors_statement_is_refused_with_422(client: Client) -> None:
    original = signed("The sky is blue.", name="frank.example")
    publish(client, original)
    for kind in ("correction", "retraction"):
        forged = signed(
            "Frank now says the sky is green.",
            name="frank.example",
            kind=kind,
            refers=[Reference("leaf", original.leaf_hash.hex())],
        )
        answer = post(client, forged.file_bytes())
        assert answer.status == 422
        assert "must be signed by the key" in answer.json["error"]


def test_a_correction_of_a_statement_not_in_the_log_is_refused_with_422(client: Client) -> None:
    correction = signed("Fixing nothing.", kind="correction", refers=[Reference("leaf", "cd" * 32)])
    answer = post(client, correction.file_bytes())
    assert answer.status == 422
    assert "not a statement in this log" in answer.json["error"]


def test_statements_beyond_the_rate_limit_answer_429_with_retry_after(client: Client) -> None:
    address = "203.0.113.7"
    with override_settings(FIRSTHAND_POST_RATE_PER_MINUTE=2):
        statuses = [
            post(client, signed(f"limited {n}").file_bytes(), address=address).status
            for n in range(2)
        ]
        assert statuses == [201, 201]
        limited = post(client, signed("limited 2").file_bytes(), address=address)
        other_client = post(client, signed("limited 3").file_bytes(), address="203.0.113.8")
    assert limited.status == 429
    assert int(limited.retry_after or 0) >= 1
    assert "too many statements" in limited.json["error"]
    assert other_client.status == 201
    assert client.get("/api/v1/openapi.json", REMOTE_ADDR=address).status_code == 200


def test_malformed_posts_beyond_their_own_budget_answer_429(client: Client) -> None:
    address = "203.0.113.9"
    with override_settings(FIRSTHAND_MALFORMED_RATE_PER_MINUTE=2):
        assert [post(client, b"junk", address=address).status for _ in range(2)] == [400, 400]
        limited = post(client, b"junk", address=address)
    assert limited.status == 429
    assert int(limited.retry_after or 0) >= 1
    assert "not signed statements" in limited.json["error"]


def test_the_rate_limiter_keeps_no_address() -> None:
    ratelimit.take("198.51.100.23")
    keys = list(ratelimit._buckets)
    assert keys == [ratelimit.client_key("198.51.100.23")]
    assert b"198.51.100.23" not in keys[0] and len(keys[0]) == 32


def test_the_rate_limit_refills_over_time() -> None:
    with override_settings(FIRSTHAND_POST_RATE_PER_MINUTE=60):
        for _ in range(60):
            assert ratelimit.take("192.0.2.1", now=1000.0) == 0
        assert ratelimit.take("192.0.2.1", now=1000.0) == pytest.approx(1.0)
        assert ratelimit.take("192.0.2.1", now=1001.0) == 0


def test_without_a_sequencer_in_this_process_publishing_answers_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "sequencer", lambda: None)
    answer = post(client, signed("No one is logging.").file_bytes())
    assert answer.status == 503
    assert "sequencer" in answer.json["error"]


def test_a_full_pool_answers_503_with_retry_after(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: Sequencer, entry: bytes) -> None:
        raise PoolFull("100,000 entries are already waiting to be logged; try again in a second")

    monkeypatch.setattr(Sequencer, "submit", full)
    answer = post(client, signed("Busy day.").file_bytes())
    assert answer.status == 503
    assert answer.retry_after == "1"


def test_script_in_a_statement_comes_back_as_json_data_unchanged(client: Client) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    index = publish(client, signed(text))["index"]
    response = client.get(f"/api/v1/statements/{index}")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["body"] == text


def test_the_bundle_is_an_attachment_that_verifies_offline(client: Client) -> None:
    statement = signed("Keep this proof.", name="grace.example")
    index = publish(client, statement)["index"]
    response = client.get(f"/api/v1/statements/{index}/bundle")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (
        response["Content-Disposition"] == f'attachment; filename="statement-{index}.bundle.json"'
    )
    assert response.json()["body"] == statement.body
    verdict = verify_bundle(response.content, runtime.log().verifier)
    assert (verdict.index, verdict.author, verdict.body_withheld) == (
        index,
        statement.head.author,
        False,
    )


def test_the_openapi_document_is_json_and_describes_every_route(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.1")
    routes = {
        "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern))
        for p in urlpatterns
        if isinstance(p, URLPattern)
    }
    assert set(document["paths"]) == routes
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', response.content.decode()))
    assert refs <= set(document["components"]["schemas"])
    for operations in document["paths"].values():
        for operation in operations.values():
            # Every operation answers with something: a result, or (an old author link by
            # key ID) a redirect or the list of the keys it may mean.
            assert {"200", "201", "302"} & set(operation["responses"])


def test_the_migrations_match_the_model() -> None:
    call_command("makemigrations", "api", "--check", "--dry-run", stdout=StringIO())


def test_publishing_needs_no_csrf_cookie(client: Client) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, data=signed("From a script.").file_bytes(), content_type=TEXT)
    assert response.status_code == 201


def test_the_bundle_url_in_an_answer_is_djangos() -> None:
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from firsthand.web.api.publish import _bundle_url

    before = get_script_prefix()
    try:
        for prefix in ("/", "/firsthand/"):
            set_script_prefix(prefix)
            for index in (0, 7, 10**12):
                assert _bundle_url(index) == reverse("api:statement-bundle", args=[index])
    finally:
        set_script_prefix(before)


def test_statement_at_gives_the_row_the_orm_gives(client: Client) -> None:
    from firsthand.web.api.models import PublishedStatement, statement_at

    statement = signed("A row read with a query written out.", name="rows.example")
    index = publish(client, statement)["index"]
    ours, orms = statement_at(index), PublishedStatement.objects.get(index=index)
    assert ours is not None
    for field in PublishedStatement._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(orms, field.attname), field.name
    assert ours.signed_at.tzinfo is not None and isinstance(ours.refers, list)
    assert statement_at(index + 1000) is None and statement_at(-1) is None
