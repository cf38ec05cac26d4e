"""web/language.py: the language from the path alone, as Django's LocaleMiddleware ends up."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.test import RequestFactory
from django.utils import translation

from firsthand.web.language import PathLanguageMiddleware

PATHS = ["/", "/fa/", "/fa", "/fa/statements/1", "/statements/1", "/api/v1/statements"]
PATHS += ["/checkpoint", "/tile/0/000", "/xx/", "/en/", "/fa-ir/about", "/static/x.css"]
HEADERS = [{}, {"HTTP_ACCEPT_LANGUAGE": "fa"}, {"HTTP_COOKIE": "django_language=fa"}]


def _answer(middleware: LocaleMiddleware, path: str, headers: dict[str, str], status: int) -> tuple:
    request = RequestFactory().get(path, **headers)
    with translation.override(None):
        middleware.process_request(request)
        chosen = translation.get_language()
        response = middleware.process_response(request, HttpResponse(status=status))
    return chosen, request.LANGUAGE_CODE, response.get("Vary"), response.get("Content-Language")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("status", [200, 404])
def test_it_chooses_and_answers_as_djangos_locale_middleware(path: str, status: int) -> None:
    ours = PathLanguageMiddleware(lambda request: HttpResponse())
    assert ours._by_path_alone  # this site's URLs: English unprefixed, /fa/ for Persian
    django = LocaleMiddleware(lambda request: HttpResponse())
    for headers in HEADERS:
        if path.startswith("/api/") and "HTTP_ACCEPT_LANGUAGE" in headers:
            continue  # the API follows Accept-Language (below)
        expected = _answer(django, path, headers, status)
        assert _answer(ours, path, headers, status) == expected, (path, headers)
    if path in ("/", "/fa/", "/api/v1/statements"):
        assert expected[0] == ("fa" if path == "/fa/" else "en")


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("fa", "fa"),
        ("fa-IR,fa;q=0.9,en;q=0.8", "fa"),
        ("de, fa;q=0.5", "fa"),
        ("en-GB", "en"),
        ("de", "en"),
        ("*", "en"),
        ("", "en"),
        ("fa;q=garbage", "en"),
        ("x" * 600, "en"),
    ],
)
def test_the_api_answers_in_the_language_the_request_accepts(header: str, chosen: str) -> None:
    """The API's messages reach a person through the page that asked (which sends its own
    language); the language cookie is never read, and pages keep the path's language."""
    ours = PathLanguageMiddleware(lambda request: HttpResponse())
    headers = {"HTTP_ACCEPT_LANGUAGE": header, "HTTP_COOKIE": "django_language=fa"}
    assert _answer(ours, "/api/v1/statements/9", headers, 404)[:3] == (
        chosen,
        chosen,
        "Accept-Language",
    )
    if header:
        assert _answer(ours, "/statements/9", {"HTTP_ACCEPT_LANGUAGE": header}, 200)[0] == "en"
