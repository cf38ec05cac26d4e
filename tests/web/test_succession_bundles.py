"""Bundles from the site carry social recoveries and device statements, and verify decides as
the site does (docs/bundle-format.md, "Succession"); a recovery claims a device key; the
author page's queries are bounded.

The seizing organisation's moves, each a test: a thief holding a device key after it was
revoked, a bundle stripped of the statements that condemn it, a key claimed twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from firsthand.log.note import Signer
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.format import Statement, sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.web import runtime
from firsthand.web.api import key_rules, ratelimit
from tests.web.conftest import log_of_its_own

URL = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("succession-bundles")):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


def post(client: Client, statement: Statement) -> tuple[int, dict[str, Any]]:
    response = client.post(URL, data=statement.file_bytes(), content_type=TEXT)
    return response.status_code, response.json()


def publish(client: Client, statement: Statement) -> int:
    status, answer = post(client, statement)
    assert status in (200, 201), answer
    return int(answer["index"])


def fp(signer: Signer) -> str:
    return fingerprint(signer.verifier())


def bundle_of(client: Client, index: int) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(client.get(f"{URL}/{index}/bundle").content)
    return answer


def verdict(bundle: dict[str, Any]) -> dict[str, Any]:
    return verify_bundle(json.dumps(bundle).encode(), runtime.log().verifier).as_json()


def device_added(client: Client, identity: Signer, device: Signer) -> int:
    return publish(
        client,
        sign_statement(
            identity, "My phone.", kind="device", subject=device.verifier(), cosigners=[device]
        ),
    )


def test_a_device_statements_bundle_names_the_identity_and_its_revocation(client: Client) -> None:
    identity, phone = Signer.generate("leila.example"), Signer.generate("leila.phone")
    publish(client, sign_statement(identity, "I was there."))
    added = device_added(client, identity, phone)
    mine = publish(client, sign_statement(phone, "Written on my phone."))
    offline = verdict(bundle_of(client, mine))
    assert offline["device"]["identity"]["fingerprint"] == fp(identity)
    assert offline["device"]["device"]["fingerprint"] == fp(phone)
    assert offline["device"]["certified_at"] == added
    assert offline["stolen_key"] is None

    # The phone is seized: the identity revokes it, and the thief writes on.
    revoked = publish(
        client,
        sign_statement(
            identity, "My phone was taken.", kind="device-revocation", subject=phone.verifier()
        ),
    )
    thiefs = publish(client, sign_statement(phone, "Written by whoever holds the phone."))
    site = client.get(f"{URL}/{thiefs}").json()["stolen_key"]
    offline = verdict(bundle_of(client, thiefs))["stolen_key"]
    assert site is not None and offline is not None
    assert (offline["since"], offline["by_index"], offline["kind"]) == (
        revoked,
        revoked,
        "device-revocation",
    )
    assert verdict(bundle_of(client, mine))["stolen_key"] is None  # before: still the author's

    # The thief strips the revocation out: the bundle can no longer show it, and says how
    # many it knows; stripping the certificate too leaves a key that is only its own,
    # never shown as the identity.
    stripped = bundle_of(client, thiefs)
    stripped["succession"] = [e for e in stripped["succession"] if e["index"] != revoked]
    assert verdict(stripped)["stolen_key"] is None
    assert verdict(stripped)["revocations"]["counted"] == 0
    bare = bundle_of(client, thiefs)
    bare["succession"] = [e for e in bare["succession"] if e["index"] != added]
    assert verdict(bare)["device"] is None
    assert verdict(bare)["author_fingerprint"] == fp(phone)


def test_a_social_recovery_travels_with_the_bundle_with_the_contacts_it_needs(
    client: Client,
) -> None:
    lost = Signer.generate("sara.example")
    friends = sorted((Signer.generate(f"friend{i}.sara") for i in range(3)), key=fp)
    for friend in friends:
        publish(client, sign_statement(friend, "I am a friend."))
    publish(
        client,
        sign_statement(
            lost,
            "My trusted contacts.",
            kind="contacts",
            contacts=[f.verifier() for f in friends],
            threshold=2,
        ),
    )
    seized = publish(client, sign_statement(lost, "Written by whoever took the phone."))
    new = Signer.generate("sara.2027")
    signers = friends[:2]
    recovered = publish(
        client,
        sign_statement(
            new,
            "My phone was taken; my friends vouch for this key.",
            kind="social-recovery",
            subject=lost.verifier(),
            contacts=[c.verifier() for c in signers],
            cosigners=signers,
            revoked_from=seized,
        ),
    )
    bundle = bundle_of(client, seized)
    offline = verdict(bundle)["stolen_key"]
    assert offline is not None and offline["kind"] == "social-recovery"
    assert (offline["since"], offline["by_index"]) == (seized, recovered)
    assert client.get(f"{URL}/{seized}").json()["stolen_key"] is not None

    # Without the contacts statement it relies on, the recovery cannot count offline.
    bundle["succession"] = [e for e in bundle["succession"] if "kind contacts" not in e["head"]]
    assert verdict(bundle)["stolen_key"] is None


def test_a_recovery_naming_a_device_key_claims_it(client: Client) -> None:
    """A key handed to one identity by a recovery cannot then be another identity's device."""
    other, recovery = Signer.generate("omid.example"), Signer.generate("omid.recovery")
    publish(client, sign_statement(other, "Mine.", recovery=recovery.verifier()))
    shared = Signer.generate("omid.2027")
    publish(
        client,
        sign_statement(
            recovery,
            "Omid continues with this key.",
            kind="recovery",
            subject=other.verifier(),
            new_key=shared.verifier(),
            cosigners=[shared],
        ),
    )
    identity = Signer.generate("nima.example")
    publish(client, sign_statement(identity, "Hello."))
    claim = sign_statement(
        identity, "My phone.", kind="device", subject=shared.verifier(), cosigners=[shared]
    )
    status, answer = post(client, claim)
    assert status == 422 and "claimed before" in answer["error"], answer

    # Logged by a server that does not apply these rules, it still makes no device.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_rules, "check_succession_rules", lambda head: None)
        publish(client, claim)
    said = publish(client, sign_statement(shared, "Written with the recovered key."))
    assert client.get(f"{URL}/{said}").json().get("device_of") is None
    assert verdict(bundle_of(client, said))["device"] is None


def test_an_author_page_with_a_device_makes_a_bounded_number_of_queries(client: Client) -> None:
    identity, phone = Signer.generate("dara.example"), Signer.generate("dara.phone")
    publish(client, sign_statement(identity, "I was there."))
    device_added(client, identity, phone)
    publish(client, sign_statement(phone, "From the phone."))
    client.get(f"/api/v1/authors/{fp(identity)}")  # warm what is cached per process
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"/api/v1/authors/{fp(identity)}")
    assert answer.status_code == 200
    assert len(answer.json()["devices"]) == 1
    # 47 (51 once recoveries were looked up as claims on a device key) before lookups were
    # made once per request (once_per_request.py); 24 after.
    assert len(queries) <= 26, [q["sql"][:120] for q in queries]

    alone = Signer.generate("dara.alone")
    publish(client, sign_statement(alone, "No devices."))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/v1/authors/{fp(alone)}").status_code == 200
    assert len(queries) <= 20, [q["sql"][:120] for q in queries]  # 20 before


def test_the_feed_names_a_device_statement_by_its_identity(client: Client) -> None:
    from xml.etree import ElementTree

    identity, phone = Signer.generate("mina.example"), Signer.generate("mina.phone")
    publish(client, sign_statement(identity, "I was there."))
    device_added(client, identity, phone)
    said = publish(client, sign_statement(phone, "Written on my phone."))
    atom = "{http://www.w3.org/2005/Atom}"
    for url in ("/feed.atom", f"/authors/{fp(identity)}/feed.atom"):
        feed = ElementTree.fromstring(client.get(url).content)
        entry = next(
            e
            for e in feed.iter(f"{atom}entry")
            if any(
                link.get("href", "").endswith(f"/statements/{said}")
                for link in e.iter(f"{atom}link")
            )
        )
        author = entry.find(f"{atom}author")
        assert author is not None
        name = author.findtext(f"{atom}name") or ""
        assert name.startswith(f"mina.example ({fp(identity)[:4]}"), name
        assert "from device mina.phone" in name
        assert (author.findtext(f"{atom}uri") or "").endswith(f"/authors/{fp(identity)}")
