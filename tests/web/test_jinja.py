"""The pages' Jinja2 environment (web/pages/jinja.py): Django's URLs and translations, and
everything a statement's author wrote escaped wherever a page shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.template import defaultfilters
from django.test import Client
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.web.api import ratelimit
from firsthand.web.pages import pagecache
from firsthand.web.pages.jinja import PagesEnvironment, in_language, truncatechars, url
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


@pytest.mark.parametrize("language", ["en", "fa"])
def test_urls_of_one_index_are_made_from_the_routes_shape_as_reverse_makes_them(
    language: str,
) -> None:
    with translation.override(language):
        for name in ("pages:statement", "api:statement-bundle", "api:statement"):
            for index in (0, 7, 999_999, 2**62):
                assert url(name, index) == reverse(name, args=[index]), (name, index)
        with pytest.raises(NoReverseMatch):  # as reverse() refuses it
            url("pages:statement", -1)
        with pytest.raises(NoReverseMatch):
            url("pages:home", 3)  # a route without an index takes none


def test_what_an_author_wrote_is_escaped_on_every_page_that_shows_it(client: Client) -> None:
    statement = sign_statement(Signer.generate("hostile.example"), HOSTILE, kind="testimony")
    answer = client.post(
        "/api/v1/statements", data=statement.file_bytes(), content_type="text/plain"
    ).json()
    pages = [f"/statements/{answer['index']}", "/", "/fa/", "/search?q=alert"]
    pages.append(f"/authors/{fingerprint(statement.head.author)}")
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


def _without_csrf_token(html: bytes) -> str:
    """The page, with its form's CSRF token (masked anew on every answer) taken out."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html.decode())


def _pages_of(client: Client) -> list[str]:
    first = sign_statement(Signer.generate("pages.example"), "Fixed words, 100% mine.")
    answer = client.post(
        "/api/v1/statements", data=first.file_bytes(), content_type="text/plain"
    ).json()
    key = fingerprint(first.head.author)
    pages = ["/", "/?page=1", f"/statements/{answer['index']}", f"/authors/{key}", "/search?q=x"]
    pages += ["/write", "/identity", "/about", "/check"]
    return pages + ["/fa" + page for page in pages]


def test_translations_compiled_into_each_language_read_as_the_run_time_ones(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each language's templates carry their fixed messages translated (CompiledTranslations);
    every page must read exactly as when each message is translated as it renders."""
    pages = _pages_of(client)
    compiled = {page: _without_csrf_token(client.get(page).content) for page in pages}
    pagecache.clear()
    # Every language rendered by the base environment, which translates at run time.
    monkeypatch.setattr(PagesEnvironment, "for_language", lambda self, language: self)
    for page in pages:
        assert _without_csrf_token(client.get(page).content) == compiled[page], page
    assert "۱۰۰٪" not in compiled["/fa/write"]  # (a sanity check that fa pages are Persian)
    assert 'dir="rtl"' in compiled["/fa/about"] and "How it works" not in compiled["/fa/about"]


def test_the_language_switch_goes_where_translate_url_would(client: Client) -> None:
    pages = [*_pages_of(client), "/no-such-page", "/fa/no-such-page", "/statements/999999"]
    pages += ['/search?q=a"b<c>&x=\u0633\u0644\u0627\u0645', "/fa/search?q=%22%3C"]
    for page in pages:
        response = client.get(page)
        request = response.wsgi_request
        for language in ("en", "fa"):
            with translation.override("fa" if page.startswith("/fa/") else "en"):  # the page's
                assert in_language(request, language) == translate_url(
                    request.get_full_path(), language
                ), (page, language)


def test_truncatechars_cuts_as_djangos_does() -> None:
    texts = ["", "short", "x" * 200, "y" * 201, "z" * 280, "سلام " * 60, "e\u0301" * 150]
    texts += ["\u1100\u1161" * 120, "a" * 199 + "\u0301" * 5]  # jamo NFC joins; marks count 0
    for text in texts:
        for length in (0, 1, 5, 200):
            with translation.override("fa"):
                assert truncatechars(text, length) == defaultfilters.truncatechars(text, length)
    safe = mark_safe("<b>bold</b> " * 40)
    assert truncatechars(safe, 20) == defaultfilters.truncatechars(safe, 20)
    assert isinstance(truncatechars(safe, 20), SafeData)  # not escaped a second time
    assert truncatechars("x" * 300, "200") == defaultfilters.truncatechars("x" * 300, "200")
