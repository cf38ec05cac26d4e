"""A database that cannot be reached now answers 503 with Retry-After, never a 500.

PostgreSQL refuses connections past max_connections, a restart drops them, and
SQLite gives up on a lock after its time-out. None of these is the client's
fault or a bug of ours: the request can simply be sent again (publishing is
idempotent: the same statement gets the same index). Under /api/ the answer is
the API's JSON error; elsewhere a short plain page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from firsthand.log.storage_pg import StorageUnavailable
from firsthand.web.api.errors import error_response

RETRY_SECONDS = 5
_UNAVAILABLE = (OperationalError, InterfaceError, StorageUnavailable)
log = logging.getLogger("firsthand.web")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, _UNAVAILABLE):
            return None  # a bug: Django's own 500 handling, with its log
        log.warning("database unavailable for %s: %s", request.path, exception)
        message = _("The database is busy or unreachable right now; try again in a few seconds.")
        if request.path.startswith("/api/"):
            return error_response(503, message, retry_after=RETRY_SECONDS)
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
