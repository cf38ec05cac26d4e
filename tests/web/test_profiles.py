"""A display name and a short bio are signed statements too (kind profile): the author page
and the API show the newest one, and nobody but the key's holder can set them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from firsthand.log.note import Signer
from firsthand.publishing.pipeline import record_statement
from firsthand.statements.format import sign_statement
from firsthand.statements.identity import fingerprint
from tests.web.conftest import log_of_its_own

PARISA = Signer.generate("parisa.example")


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("profile-log")) as (_, sequencer):
        for statement in (
            sign_statement(PARISA, "I left the circle in 2019.\n"),
            sign_statement(PARISA, "An old bio.\n", kind="profile", name="P."),
            sign_statement(
                PARISA,
                "در سال ۱۳۹۸ از حلقه جدا شدم. اینجا به فارسی و انگلیسی می‌نویسم.",
                kind="profile",
                name="پریسا م.",
                lang="fa",
            ),
        ):
            record_statement(statement, sequencer)
        yield Client()


def test_the_author_page_shows_the_newest_signed_display_name_and_bio(client: Client) -> None:
    page = client.get(f"/authors/{fingerprint(PARISA.verifier())}").content.decode()
    assert '<h1 dir="auto">پریسا م.</h1>' in page
    bio = page.split('class="bio" dir="auto" lang="fa">', 1)[1].split("</p>", 1)[0]
    assert "از حلقه جدا شدم" in bio  # the newest profile's, not "An old bio."
    assert "<bdi>parisa.example</bdi>" in page  # the key's own name stays in view


def test_the_api_gives_the_profile_with_the_statement_that_set_it(client: Client) -> None:
    author = client.get(f"/api/v1/authors/{fingerprint(PARISA.verifier())}").json()
    assert author["profile"]["name"] == "پریسا م."
    assert author["profile"]["lang"] == "fa" and not author["profile"]["withheld"]
    statement = client.get(f"/api/v1/statements/{author['profile']['index']}").json()
    assert statement["kind"] == "profile"


def test_an_author_without_a_profile_is_shown_by_key_name(client: Client) -> None:
    other = Signer.generate("omid.example")
    from firsthand.web import runtime

    sequencer = runtime.sequencer()
    assert sequencer is not None
    record_statement(sign_statement(other, "No profile here.\n"), sequencer)
    author = client.get(f"/api/v1/authors/{fingerprint(other.verifier())}").json()
    assert author["profile"] is None
    page = client.get(f"/authors/{fingerprint(other.verifier())}").content.decode()
    assert "<h1><bdi>omid.example</bdi></h1>" in page
