"""The WSGI application, for `firsthand serve` and for any production WSGI server."""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponseBase

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def answered_whole(django: WSGIApp) -> WSGIApp:
    """Django's handler, giving back a response it holds in memory as a one-item list.

    Django hands the server the response object itself, to iterate and then
    close. Granian sends a list in one go, but takes an iterable chunk by
    chunk, taking Python's lock (the GIL) back from the worker's other thread
    for each chunk and again to close it: under a read load that was a fifth
    of a worker's samples. A page is already whole in memory, so it is read
    out and closed (which tells Django the request is over) here instead.
    Streamed answers (files, media) are handed on untouched.
    """

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = django(environ, start_response)
        if isinstance(response, HttpResponseBase) and not response.streaming:
            try:
                return [response.content]  # type: ignore[attr-defined]  # HttpResponse's
            finally:
                response.close()
        return response

    return application


application = answered_whole(get_wsgi_application())
