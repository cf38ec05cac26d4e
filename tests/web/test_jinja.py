"""The pages' Jinja2 environment (web/pages/jinja.py): Django's URLs and translations, and
everything a statement's author wrote escaped wherever a page shows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from firsthand.web.api import ratelimit
from firsthand.web.pages.jinja import url
from tests.web.conftest import log_of_its_own

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes" \'single\''


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("jinja-log")):
        ratelimit.reset()
        yield Client()


@pytest.mark.parametrize("language", ["en", "fa"])
def test_url_answers_as_djangos_reverse_in_each_language(language: str) -> None:
    with translation.override(language):
        for _ in range(2):  # the second time from what it remembered
            assert url("pages:home") == reverse("pages:home")
            assert url("pages:statement", 7) == reverse("pages:statement", args=[7])
    with translation.override("fa"):
        persian = url("pages:home")
    with translation.override("en"):
        assert url("pages:home") != persian  # /fa/ is not remembered for English
    with pytest.raises(NoReverseMatch):
        url("no-such-page")


def test_what_an_author_wrote_is_escaped_on_every_page_that_shows_it(client: Client) -> None:
    statement = sign_statement(Signer.generate("hostile.example"), HOSTILE, kind="testimony")
    answer = client.post(
        "/api/v1/statements", data=statement.file_bytes(), content_type="text/plain"
    ).json()
    pages = [f"/statements/{answer['index']}", "/", "/fa/", "/search?q=alert"]
    pages.append(f"/authors/{statement.head.author.key_id.hex()}")
    for page in pages:
        html = client.get(page).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "&lt;script&gt;alert" in html, page
        assert "bound method" not in html, page  # a method named where its value belongs


def test_translations_and_their_values_in_persian(client: Client) -> None:
    html = client.get("/fa/").content.decode()
    assert 'lang="fa" dir="rtl"' in html
    assert "۰" in html or "۱" in html  # the log's size, in Persian digits, inside a translation
    english = client.get("/").content.decode()
    assert 'lang="en" dir="ltr"' in english
    # _("...") is escaped as a value is: the apostrophe of the site's description.
    assert "another person&#39;s mouth" in english
