"""API errors: a status and one sentence a person can act on, sent as {"error": "..."}."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found


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
        return error_response(404, f"there is nothing at {request.path}; see /api/v1/openapi.json")
    return page_not_found(request, exception or Http404())
