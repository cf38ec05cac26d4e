"""POST /api/v1/statements: check a signed statement, keep it, and log its head.

The order of the checks is the order of their cost: the declared size, the
content type, the bytes read, then the statement's own checks
(format.read_statement), and only then the client's publishing budget
(ratelimit.py); a client may have only a few bodies in flight meanwhile
(at_once.py), so slow bodies cannot hold every request thread. A request that
fails a check before the budget spends a token of a small budget of its own
("malformed") instead, and is answered 429 once that is spent: so 30 empty or
unsigned POSTs from an address cannot lock its authors out of publishing,
while a flood of them is still cut short. A row is saved before the head is
submitted, so the body is never lost for a head the log holds; the row gets
its index once the sequencer has durably logged the head. Sending the same
statement again is safe: the log keeps one entry and the answer names the
first index.

This module reads the request; firsthand/publishing does the rest (accept ->
record -> sequence -> answer, docs/architecture.md), with this site's answers
to what it asks: its media folder, and its authors' key history (key_rules.py).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import get_script_prefix, get_urlconf, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from firsthand.log.errors import LogError
from firsthand.publishing.errors import PublishingError
from firsthand.publishing.pipeline import Publisher
from firsthand.statements.errors import (
    BodyMismatch,
    BodyTooLarge,
    StatementFromTheFuture,
    WrongAuthor,
)
from firsthand.statements.format import Media, Statement, read_statement
from firsthand.web.api import at_once, media, ratelimit
from firsthand.web.api.errors import ApiError, say, size
from firsthand.web.api.explained import STATEMENT_REFUSED, explained
from firsthand.web.api.key_rules import KeyRules

DEFAULT_MAX_REQUEST_BYTES = 1_100_000
# Parsed and signed, but refused on what it says: 422 rather than 400.
_UNPROCESSABLE = (WrongAuthor, BodyMismatch, StatementFromTheFuture)
_UTF8 = ("utf-8", "utf8")


class MediaHeldHere:
    """The pipeline's HeldMedia (publishing/accept.py): this server's media folder (media.py)."""

    def check(self, listed: Sequence[Media]) -> None:
        media.refuse_unheld(listed)  # a head never lists a file no one can fetch


PUBLISHER = Publisher(keys=KeyRules(), media=MediaHeldHere())


@csrf_exempt  # the client is a script or fetch() with a signed statement, not a cookie session
@require_POST
def publish(request: HttpRequest) -> JsonResponse:
    try:
        return _publish(request)
    except ApiError as error:
        return error.response()


def _publish(request: HttpRequest) -> JsonResponse:
    try:
        with at_once.one_of_a_few(request):  # a slow body holds a thread: a few per client
            data = _read_body(request)
        statement = _read_statement(data)
    except ApiError as error:
        if error.status != 429:
            ratelimit.require_token(request, "requests that are not signed statements", "malformed")
        raise
    ratelimit.require_token(request, "statements")
    index, checkpoint, new = accept(statement)
    return _answer(index, statement.leaf_hash.hex(), checkpoint, status=201 if new else 200)


def accept(statement: Statement) -> tuple[int, bytes, bool]:
    """Check a verified statement against what the log holds, store it and log its head:
    (index, checkpoint note, whether new). The API's path, and the operator console's."""
    try:
        return PUBLISHER.publish(statement)
    except PublishingError as error:
        message = say(error.message, **error.values)
        raise ApiError(error.status, message, retry_after=error.retry_after) from None


def _read_body(request: HttpRequest) -> bytes:
    limit = int(getattr(settings, "FIRSTHAND_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))
    too_large = ApiError(413, say("a statement file may be at most {size} bytes", size=size(limit)))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, say("the Content-Length header is not a number")) from None
    if declared > limit:
        raise too_large
    if declared == 0:
        raise ApiError(400, say("the request is empty; send the statement file as its body"))
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if request.content_type != "text/plain" or charset not in _UTF8:
        raise ApiError(
            415,
            say(
                "send the statement file as the body, with Content-Type: text/plain; charset=utf-8"
            ),
        )
    data = request.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def _read_statement(data: bytes) -> Statement:
    try:
        return read_statement(data)
    except BodyTooLarge as error:
        raise ApiError(413, explained(error, STATEMENT_REFUSED)) from None
    except _UNPROCESSABLE as error:
        raise ApiError(422, explained(error, STATEMENT_REFUSED)) from None
    except LogError as error:
        raise ApiError(400, explained(error, STATEMENT_REFUSED)) from None


def _bundle_url(index: int) -> str:
    """reverse("api:statement-bundle", args=[index]), from a pattern reversed once: under a
    load of statements, reversing on every answer cost a twentieth of the request."""
    before, after = _bundle_url_around(get_script_prefix(), get_urlconf())
    return f"{before}{index}{after}"


@functools.lru_cache(maxsize=8)
def _bundle_url_around(script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    marker = 987654321987654321  # an index, so the URL's converter takes it
    before, found, after = reverse("api:statement-bundle", args=[marker]).partition(str(marker))
    assert found, "the bundle URL holds the index"
    return before, after


def _answer(index: int, leaf_hash: str, checkpoint: bytes, *, status: int) -> JsonResponse:
    body = {
        "index": index,
        "leaf_hash": leaf_hash,
        "checkpoint": checkpoint.decode("utf-8"),
        "bundle_url": _bundle_url(index),
    }
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
