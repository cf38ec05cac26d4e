"""API errors: a status and one sentence a person can act on, sent as {"error": "..."}.

The status is what a program reads; the sentence is for the person, in the
language of the request (web/language.py: Accept-Language under /api/), so
each is written with ``say()``. The sentence is JSON text: the pages put it
in with textContent, never as HTML, whatever the values it carries.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found

from firsthand.web.pages import localise


def say(message: str, **values: object) -> str:
    """``message`` in the request's language, its ``{name}`` places filled with ``values``.

    A whole number is written in the reader's digits; text (a path, a key ID, an
    English message of a layer below) is put in as it is. ``message`` is the msgid:
    mark it where it is written (``say("...")``) so the catalogue check finds it.
    """
    language = translation.get_language() or "en"
    shown = {
        name: localise.digits(value, language) if type(value) is int else value
        for name, value in values.items()
    }
    return translation.gettext(message).format(**shown)


def size(value: int) -> str:
    """A count of bytes or texts, grouped as the reader's language groups thousands."""
    return localise.number(value, translation.get_language() or "en")


class ApiError(Exception):
    """Raised by a view's steps; the view answers it with ``response()``."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def response(self) -> JsonResponse:
        return error_response(self.status, self.message, self.retry_after)


def error_response(status: int, message: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler: JSON under /api/, as the schema promises, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(
            404, say("there is nothing at {path}; see /api/v1/openapi.json", path=request.path)
        )
    return page_not_found(request, exception or Http404())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 handler, for a request it will not read (too large, too many fields):
    JSON under /api/, elsewhere a page in the reader's language, not Django's English line."""
    if request.path.startswith("/api/"):
        return error_response(
            400, say("this request could not be read: it is too large or malformed")
        )
    return django_bad_request(request, exception or Exception(), template_name="400.html")
