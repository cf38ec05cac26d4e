"""C2SP tlog-tiles v0.1.0 endpoints at the site root.

Full tiles and full entry bundles never change, so they may be cached for
ever. Partial tiles and the checkpoint change as the log grows, so caches
must keep them only briefly.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from firsthand.log.errors import NotFound
from firsthand.log.tiles import parse_tile_path
from firsthand.web import runtime

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=1, must-revalidate"


def _not_found(reason: str) -> HttpResponse:
    response = HttpResponse(reason + "\n", status=404, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    try:
        latest = runtime.published_checkpoint()
    except NotFound as error:
        return _not_found(str(error))
    response = HttpResponse(latest.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        tile_request = parse_tile_path(path)
        data = runtime.log().reader.tile(tile_request)
    except NotFound as error:
        return _not_found(str(error))
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = SHORT_LIVED if tile_request.is_partial else IMMUTABLE
    return response
