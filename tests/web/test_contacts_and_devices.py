"""Trusted contacts (k of n) and device keys through the API, against the seizing organisation.

docs/recovery.md ("Trusted contacts", "Devices"); the pure rules are tested as properties
in tests/statements/test_succession.py, this is the same story through a real log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from firsthand.log.note import Signer
from firsthand.statements.format import Statement, sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.web.api import key_rules, ratelimit
from firsthand.web.api.revocations import trusted_contacts
from tests.web.conftest import log_of_its_own

URL = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("contacts-log")):
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


def refused(client: Client, statement: Statement) -> str:
    status, answer = post(client, statement)
    assert status == 422, answer
    return str(answer["error"])


def fp(signer: Signer) -> str:
    return fingerprint(signer.verifier())


def author_api(client: Client, key: Signer) -> dict[str, Any]:
    answer: dict[str, Any] = client.get(f"/api/v1/authors/{fp(key)}").json()
    return answer


def on_page(client: Client, key: Signer) -> list[int]:
    return [s["index"] for s in author_api(client, key)["statements"]]


def social_recovery(new: Signer, lost: Signer, contacts: list[Signer], **more: Any) -> Statement:
    return sign_statement(
        new,
        "My phone was taken. This is my new key; my friends vouch for it.",
        kind="social-recovery",
        subject=lost.verifier(),
        contacts=[c.verifier() for c in contacts],
        cosigners=contacts,
        **more,
    )


def test_k_of_n_contacts_recover_a_seized_key_and_the_thiefs_contacts_do_not(
    client: Client,
) -> None:
    author = Signer.generate("maryam.example")
    friends = [Signer.generate(f"friend{i}.example") for i in range(3)]
    first = publish(client, sign_statement(author, "I left the group in 2020."))
    named = publish(
        client,
        sign_statement(
            author,
            "If I lose my key, two of these three friends can vouch for my new one.",
            kind="contacts",
            contacts=[f.verifier() for f in friends],
            threshold=2,
        ),
    )
    assert author_api(client, author)["contacts"] == {
        "statement_index": named,
        "threshold": 2,
        "contacts": sorted(fp(f) for f in friends),
    }
    for prefix, words in (("", "2 of 3"), ("/fa", "۲ از ۳")):
        page = client.get(f"{prefix}/authors/{fp(author)}").content.decode()
        assert words in page and fp(friends[0])[:4] in page

    # The phone is seized: the thief speaks, names puppets as contacts, and "recovers"
    # the identity to a key of his own with one puppet.
    fake = publish(client, sign_statement(author, "I regret leaving."))
    puppets = [Signer.generate("puppet.example")]
    publish(
        client,
        sign_statement(
            author,
            "New contacts.",
            kind="contacts",
            contacts=[p.verifier() for p in puppets],
            threshold=1,
        ),
    )
    thief_key = Signer.generate("maryam.new")
    thiefs = publish(client, social_recovery(thief_key, author, puppets))
    assert author_api(client, author)["successors"] == [fp(thief_key)]  # until...

    # ...the author asks her friends. One is not enough (k - 1), and says so.
    new = Signer.generate("maryam.2027")
    reason = refused(client, social_recovery(new, author, friends[:1], revoked_from=fake))
    assert "1 of the trusted contacts" in reason and "2 must" in reason

    # Two, dated back to the seizure: the thief's contacts and recovery no longer count.
    recovered = publish(client, social_recovery(new, author, friends[:2], revoked_from=fake))
    answer = author_api(client, author)
    assert answer["successors"] == [fp(new)]
    assert answer["contacts"] is None  # the new key names contacts of its own, in time
    in_force = trusted_contacts(fp(author))  # the lost key's: the author's set, not the thief's
    assert in_force is not None and in_force.index == named
    stolen = client.get(f"/api/v1/statements/{fake}").json()["stolen_key"]
    assert stolen["since"] == fake and stolen["by_index"] == recovered
    assert client.get(f"/api/v1/statements/{first}").json()["stolen_key"] is None
    assert client.get(f"/api/v1/statements/{thiefs}").json()["stolen_key"] is None  # not K's
    after = publish(client, sign_statement(new, "Still me, with a new key."))
    assert after in on_page(client, author) and first in on_page(client, author)
    assert thiefs not in on_page(client, author)  # the thief's key is no successor


def test_a_contact_reported_stolen_before_the_recovery_does_not_count(client: Client) -> None:
    author = Signer.generate("sara.example")
    friends = [Signer.generate(f"sara-friend{i}.example") for i in range(3)]
    publish(
        client,
        sign_statement(
            author,
            "My contacts.",
            kind="contacts",
            contacts=[f.verifier() for f in friends],
            threshold=2,
        ),
    )
    # A friend's own key was taken, and she said so: her signature no longer counts.
    publish(
        client,
        sign_statement(
            friends[0],
            "My key was taken.",
            kind="revocation",
            subject=friends[0].verifier(),
        ),
    )
    new = Signer.generate("sara.2027")
    reason = refused(client, social_recovery(new, author, friends[:2]))
    assert "1 of the trusted contacts" in reason
    publish(client, social_recovery(new, author, friends[1:]))
    assert author_api(client, author)["successors"] == [fp(new)]


def test_a_social_recovery_to_a_key_that_signed_before_is_refused(client: Client) -> None:
    author, friend = Signer.generate("nima.example"), Signer.generate("nima-friend.example")
    publish(
        client,
        sign_statement(
            author, "Contacts.", kind="contacts", contacts=[friend.verifier()], threshold=1
        ),
    )
    used = Signer.generate("someone.example")
    publish(client, sign_statement(used, "I am someone else."))
    assert "fresh key" in refused(client, social_recovery(used, author, [friend]))


def test_device_statements_are_the_authors_and_a_device_cannot_steer_the_identity(
    client: Client,
) -> None:
    identity = Signer.generate("reza.example")
    phone = Signer.generate("reza.phone")
    laptop = Signer.generate("reza.laptop")
    publish(client, sign_statement(identity, "I testify about the compound."))
    added = publish(
        client,
        sign_statement(
            identity,
            "My phone.",
            kind="device",
            subject=phone.verifier(),
            cosigners=[phone],
        ),
    )
    from_phone = publish(client, sign_statement(phone, "Written on my phone."))
    assert from_phone in on_page(client, identity)
    answer = client.get(f"/api/v1/statements/{from_phone}").json()
    assert answer["device_of"] == {
        "identity_fingerprint": fp(identity),
        "device_fingerprint": fp(phone),
    }
    devices = author_api(client, identity)["devices"]
    assert devices == [
        {
            "fingerprint": fp(phone),
            "added_by_index": added,
            "revoked_since": None,
            "revoked_by_index": None,
        }
    ]
    page = client.get(f"/statements/{from_phone}").content.decode()
    assert "from device" in page and fp(identity)[:4] in page

    # A device cannot rotate the identity, add devices, or name contacts.
    successor = Signer.generate("reza.2027")
    for statement in (
        sign_statement(
            phone, "x", kind="key-rotation", new_key=successor.verifier(), cosigners=[successor]
        ),
        sign_statement(phone, "x", kind="device", subject=laptop.verifier(), cosigners=[laptop]),
        sign_statement(phone, "x", kind="contacts", contacts=[laptop.verifier()], threshold=1),
    ):
        assert "device of its author" in refused(client, statement)
    assert author_api(client, identity)["successors"] == []

    # The phone is lost: the identity revokes it, and its later statements are flagged.
    publish(
        client,
        sign_statement(
            identity, "My phone is lost.", kind="device-revocation", subject=phone.verifier()
        ),
    )
    later = publish(client, sign_statement(phone, "Written by whoever found the phone."))
    assert client.get(f"/api/v1/statements/{later}").json()["stolen_key"] is not None
    assert client.get(f"/api/v1/statements/{from_phone}").json()["stolen_key"] is None
    assert 'class="warning stolen"' in client.get(f"/statements/{later}").content.decode()


def test_a_thief_cannot_add_a_device_after_the_key_was_revoked(client: Client) -> None:
    identity, recovery = Signer.generate("ali.example"), Signer.generate("ali.recovery")
    publish(client, sign_statement(identity, "Mine.", recovery=recovery.verifier()))
    publish(
        client,
        sign_statement(
            recovery, "Taken.", kind="revocation", subject=identity.verifier(), revoked_from=0
        ),
    )
    gadget = Signer.generate("ali.gadget")
    statement = sign_statement(
        identity, "My device.", kind="device", subject=gadget.verifier(), cosigners=[gadget]
    )
    assert "reported stolen" in refused(client, statement)


def test_a_stranger_cannot_revoke_someone_elses_device(client: Client) -> None:
    identity, phone = Signer.generate("hana.example"), Signer.generate("hana.phone")
    publish(
        client,
        sign_statement(
            identity, "My phone.", kind="device", subject=phone.verifier(), cosigners=[phone]
        ),
    )
    stranger = Signer.generate("stranger.example")
    statement = sign_statement(
        stranger, "Not hers.", kind="device-revocation", subject=phone.verifier()
    )
    assert "revoked by itself" in refused(client, statement)


def logged_without_the_site_checks(client: Client, statement: Statement) -> int:
    """Publish as a server that does not apply this site's succession rules would have."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_rules, "check_succession_rules", lambda head: None)
        return publish(client, statement)


def test_a_device_rotation_logged_elsewhere_is_never_followed(client: Client) -> None:
    """Readers apply the rules whatever a server accepted: a device does not steer."""
    identity, phone = Signer.generate("parisa.example"), Signer.generate("parisa.phone")
    publish(
        client,
        sign_statement(
            identity, "My phone.", kind="device", subject=phone.verifier(), cosigners=[phone]
        ),
    )
    elsewhere = Signer.generate("parisa.thief")
    logged_without_the_site_checks(
        client,
        sign_statement(
            phone, "New key.", kind="key-rotation", new_key=elsewhere.verifier(),
            cosigners=[elsewhere],
        ),
    )  # fmt: skip
    later = publish(client, sign_statement(elsewhere, "Signed with the key the phone named."))
    assert author_api(client, identity)["successors"] == []
    assert later not in on_page(client, identity)
    assert client.get(f"/api/v1/authors/{fp(phone)}").json()["successors"] == []


def test_a_social_recovery_by_k_minus_one_logged_elsewhere_is_never_followed(
    client: Client,
) -> None:
    author = Signer.generate("kian.example")
    friends = [Signer.generate(f"kian-friend{i}.example") for i in range(3)]
    publish(
        client,
        sign_statement(
            author, "Contacts.", kind="contacts", contacts=[f.verifier() for f in friends],
            threshold=2,
        ),
    )  # fmt: skip
    new = Signer.generate("kian.2027")
    logged_without_the_site_checks(client, social_recovery(new, author, friends[:1]))
    answer = author_api(client, author)
    assert answer["successors"] == []
    fake = publish(client, sign_statement(author, "Still my key."))
    assert client.get(f"/api/v1/statements/{fake}").json()["stolen_key"] is None
