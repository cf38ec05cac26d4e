"""API errors: a status and one sentence a person can act on, sent as {"error": "..."}."""

from __future__ import annotations

from django.http import JsonResponse


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
