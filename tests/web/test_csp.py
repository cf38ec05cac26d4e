"""The Content-Security-Policy header (web/csp.py): the one django-csp would write, built
once, and still built afresh when the policy changes or a view asks for its own."""

from __future__ import annotations

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from firsthand.web.csp import CachedCSPMiddleware


def _through(middleware_class: type[CSPMiddleware], view: object = None) -> HttpResponse:
    def plain(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    handler = view or plain
    middleware = middleware_class(handler)  # type: ignore[arg-type]
    return middleware(RequestFactory().get("/statement/1"))  # type: ignore[return-value]


def test_the_same_header_as_django_csp_each_time() -> None:
    theirs = _through(CSPMiddleware)[HEADER]
    assert "default-src 'none'" in theirs
    for _ in range(3):  # the later ones from what was built first
        assert _through(CachedCSPMiddleware)[HEADER] == theirs
        assert HEADER_REPORT_ONLY not in _through(CachedCSPMiddleware)


def test_a_changed_policy_is_built_again() -> None:
    _through(CachedCSPMiddleware)
    policy = {"DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(
        CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy
    ):
        response = _through(CachedCSPMiddleware)
        assert response[HEADER] == "default-src 'self'"
        assert response[HEADER_REPORT_ONLY] == "default-src 'self'"
    assert _through(CachedCSPMiddleware)[HEADER] == _through(CSPMiddleware)[HEADER]


def test_a_view_with_a_policy_of_its_own_gets_it() -> None:
    @csp_update({"img-src": ["https://example.org"]})
    def widened(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    @csp_exempt()
    def exempt(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    assert "https://example.org" in _through(CachedCSPMiddleware, widened)[HEADER]
    assert HEADER not in _through(CachedCSPMiddleware, exempt)


def test_a_nonce_asked_for_is_in_the_header() -> None:
    def with_nonce(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.csp_nonce))  # type: ignore[attr-defined]

    response = _through(CachedCSPMiddleware, with_nonce)
    assert response.content  # the nonce, made on demand
    # django-csp's own path; our policy names no nonce, so the header is the site's.
    assert response[HEADER] == _through(CSPMiddleware, with_nonce)[HEADER]
