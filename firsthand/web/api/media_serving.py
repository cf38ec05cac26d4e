"""GET /media/<sha256> (the cleaned file) and /media/<sha256>/thumb (its rendition).

Who may fetch a stored file:

- anyone, once a logged statement lists it in its head and no withholding notice
  covers a statement that lists it;
- the uploader, for an hour after the upload, with the preview token its answer
  carried (`?preview=...`, signed with the site's secret, naming the hash): the write
  page shows the cleaned file before it is signed, while nobody else can use the
  server as a free file host for media no statement covers;
- nobody, once the operator withholds a statement that lists it (410): withholding
  wins over every other statement and over a preview token, so a doxxing photo
  cannot come back through a second statement or a saved link.

A file is content-addressed, so its bytes never change: the answer carries an ETag
(the hash) and an immutable cache life, kept to a day so that a shared cache lets a
withheld file go soon. Single byte ranges are answered (206), as video players ask.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core import signing
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.urls import re_path
from django.views.decorators.http import require_safe

from firsthand.web.api import media_store
from firsthand.web.api.models import StatementMedia

PREVIEW_SECONDS = 3600
PUBLIC_CACHE = "public, max-age=86400, immutable"
PREVIEW_CACHE = "private, max-age=600"
_PREVIEW_SALT = "firsthand.media.preview"
_CHUNK = 256 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_EXTENSION = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
}


@dataclass(frozen=True)
class Listing:
    """What the log's statements say about one file."""

    published: bool  # a logged statement lists it
    withheld: bool  # a withheld statement lists it


def listing(sha256: str) -> Listing:
    # Through the media listing's index on the hash, then each listing statement by its key.
    listed = StatementMedia.objects.filter(sha256=sha256).values_list(
        "statement__index", "statement__withheld_by"
    )
    rows = list(listed)
    return Listing(
        published=any(index is not None for index, _ in rows),
        withheld=any(withheld_by is not None for _, withheld_by in rows),
    )


def withheld_media(sha256s: list[str]) -> set[str]:
    """Which of these files a withheld statement lists (for pages and for publishing)."""
    if not sha256s:
        return set()
    listed = StatementMedia.objects.filter(
        sha256__in=sha256s, statement__withheld_by__isnull=False
    ).values_list("sha256", flat=True)
    return set(listed)


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_PREVIEW_SALT)


def preview_token(sha256: str) -> str:
    """A token that lets its holder fetch this file for an hour before it is published."""
    return _signer().sign(sha256).split(":", 1)[1]


def _preview_allowed(sha256: str, token: str) -> bool:
    try:
        return _signer().unsign(f"{sha256}:{token}", max_age=PREVIEW_SECONDS) == sha256
    except signing.BadSignature:  # SignatureExpired included
        return False


def preview_urls(sha256: str) -> tuple[str, str]:
    """The file's and its rendition's addresses for the uploader: (file, thumb)."""
    query = f"?preview={preview_token(sha256)}"
    return f"/media/{sha256}{query}", f"/media/{sha256}/thumb{query}"


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _cache_rule(request: HttpRequest, sha256: str) -> str | HttpResponse:
    """The Cache-Control a servable file gets, or the refusal to send instead."""
    if not media_store.holds(sha256):
        return _plain(404, "this server holds no media file with this hash")
    found = listing(sha256)
    if found.withheld:
        return _plain(410, "this media file is withheld by the log's operator")
    if found.published:
        return PUBLIC_CACHE
    if _preview_allowed(sha256, request.GET.get("preview", "")):
        return PREVIEW_CACHE
    return _plain(404, "no published statement lists this media file")


def _send(
    request: HttpRequest, path: Path, media_type: str, name: str, rule: str
) -> HttpResponseBase:
    etag = f'"{path.name}"'
    response: HttpResponseBase
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = _ranged(request, path, media_type)
    response["ETag"] = etag
    response["Cache-Control"] = rule
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Accept-Ranges"] = "bytes"
    return response


def _ranged(request: HttpRequest, path: Path, media_type: str) -> HttpResponseBase:
    size = path.stat().st_size
    wanted = _RANGE.fullmatch(request.headers.get("Range", "").strip())
    if wanted is None or wanted.group(1) == wanted.group(2) == "":
        return FileResponse(path.open("rb"), content_type=media_type)
    first, last = wanted.group(1), wanted.group(2)
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(size - 1, int(last)) if last else size - 1
    if start >= size or start > end:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    response = StreamingHttpResponse(
        _chunks(path, start, end - start + 1), status=206, content_type=media_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(length, _CHUNK))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


@require_safe
def cleaned_file(request: HttpRequest, sha256: str) -> HttpResponseBase:
    rule = _cache_rule(request, sha256)
    if isinstance(rule, HttpResponse):
        return rule
    path = media_store.path_of(sha256)
    media_type = media_store.stored_type(path)
    name = f"{sha256[:16]}.{_EXTENSION.get(media_type, 'bin')}"
    return _send(request, path, media_type, name, rule)


@require_safe
def thumbnail(request: HttpRequest, sha256: str) -> HttpResponseBase:
    rule = _cache_rule(request, sha256)
    if isinstance(rule, HttpResponse):
        return rule
    path = media_store.thumb_path_of(sha256)
    if not path.is_file():
        return _plain(404, "this media file has no rendition on this server")
    return _send(request, path, media_store.THUMB_TYPE, f"{sha256[:16]}-thumb.webp", rule)


# Mounted at /media/ by firsthand/web/urls.py.
urlpatterns = [
    re_path(r"^(?P<sha256>[0-9a-f]{64})$", cleaned_file, name="media-file"),
    re_path(r"^(?P<sha256>[0-9a-f]{64})/thumb$", thumbnail, name="media-thumb"),
]
