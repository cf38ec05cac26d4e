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
        expected = _answer(django, path, headers, status)
        assert _answer(ours, path, headers, status) == expected, (path, headers)
    if path in ("/", "/fa/", "/api/v1/statements"):
        assert expected[0] == ("fa" if path == "/fa/" else "en")
