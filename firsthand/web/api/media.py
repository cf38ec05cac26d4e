"""POST /api/v1/media: make a photo or video safe to publish, keep the cleaned copy.

The request's body is the file itself (no form, no multipart): its Content-Type is
advisory only, since firsthand.media reads the type from the bytes. The body is
streamed into a private temporary directory (0700, removed whatever happens) and
cleaned there by firsthand.media under its tool limits; the cleaned bytes are read
back before they are kept, and only they and their rendition reach DATA_DIR/media
(media_store.py). The answer lists what was removed, by field and by a label in the
reader's language (Accept-Language), never the values.

Photos the write page cleaned on the device first (page-media.js) come with the labels
of what was removed there, in the `Firsthand-Removed-On-Device` header (label names
only, never values); the answer gives them back in the reader's language as
`removed_on_device`, beside what the server itself removed. Unknown labels are dropped.

A statement may list a file only once this server holds it: publishing checks that
with `refuse_unheld` (publish.py), so a head never points readers at nothing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from firsthand.media import (
    DEFAULT_LIMITS,
    CleanedMedia,
    Limits,
    MediaError,
    MediaTooLarge,
    Rendition,
    TooManyPixels,
    UnsupportedMedia,
    clean_file,
    label,
    summary,
    thumbnails,
)
from firsthand.media.labels import ordered
from firsthand.media.tools import workspace
from firsthand.statements.format import Media
from firsthand.web.api import media_store, ratelimit
from firsthand.web.api.errors import ApiError, say
from firsthand.web.api.explained import (
    MEDIA_TOO_LARGE,
    MEDIA_UNSAFE,
    UNSUPPORTED_MEDIA,
    explained,
)
from firsthand.web.api.media_serving import preview_urls, withheld_media

DEFAULT_MAX_MEDIA_BYTES = 256 * 1024 * 1024
# The rendition's longest edge: sharp on a phone at full width, a fraction of a photo's bytes.
RENDITION_EDGE = 960
# A request waits this long for a free cleaner before it is asked to come back.
SLOT_WAIT_SECONDS = 30.0
# Each tool run under a request: long enough for a few minutes of 4K, short of a hung page.
TOOL_SECONDS = 120.0
_CHUNK = 1024 * 1024
# Cleaning decodes whole pictures: two at once per process bounds the memory it takes.
_cleaners = threading.BoundedSemaphore(2)

# Every label firsthand.media.labels can give, marked here so the catalogue keeps them;
# tests/web/test_media_api.py checks that none is missing.
LABELS = (
    gettext_noop("GPS location"),
    gettext_noop("Phone or camera make"),
    gettext_noop("Phone or camera model"),
    gettext_noop("Serial number"),
    gettext_noop("Lens"),
    gettext_noop("Owner or author name"),
    gettext_noop("Date and time"),
    gettext_noop("Editing or recording software"),
    gettext_noop("Embedded thumbnail"),
    gettext_noop("Maker notes"),
    gettext_noop("Text note"),
    gettext_noop("XMP metadata"),
    gettext_noop("IPTC metadata"),
    gettext_noop("Content credentials (C2PA)"),
    gettext_noop("Colour profile"),
    gettext_noop("Timed metadata track (such as location)"),
    gettext_noop("Data track (such as GPS or timecode)"),
    gettext_noop("Subtitle track"),
    gettext_noop("Attached file"),
    gettext_noop("Chapter"),
    gettext_noop("Cover picture"),
    gettext_noop("Extra video track"),
    gettext_noop("Extra sound track"),
    gettext_noop("Hidden archive appended to the file"),
    gettext_noop("Camera settings"),
    gettext_noop("Damaged or extra data"),
    gettext_noop("Other metadata"),
)


def max_media_bytes() -> int:
    return int(getattr(settings, "FIRSTHAND_MAX_MEDIA_BYTES", DEFAULT_MAX_MEDIA_BYTES))


def web_limits() -> Limits:
    """The library's limits, with the site's byte limit and a request's patience."""
    limit = max_media_bytes()
    return dataclasses.replace(
        DEFAULT_LIMITS,
        max_image_bytes=min(DEFAULT_LIMITS.max_image_bytes, limit),
        max_video_bytes=min(DEFAULT_LIMITS.max_video_bytes, limit),
        tool_seconds=min(DEFAULT_LIMITS.tool_seconds, TOOL_SECONDS),
    )


@csrf_exempt  # the client is a script or fetch() sending a file, not a cookie session
@require_POST
def upload(request: HttpRequest) -> JsonResponse:
    try:
        return _upload(request)
    except ApiError as error:
        return error.response()


def _upload(request: HttpRequest) -> JsonResponse:
    # The same bucket as publishing: an upload costs a token like a statement does.
    ratelimit.require_token(request, "uploads and statements")
    limit = max_media_bytes()
    _check_request(request, limit)
    limits = web_limits()
    if not _cleaners.acquire(timeout=SLOT_WAIT_SECONDS):
        raise ApiError(503, say("the server is cleaning other files; send this one again"), 10)
    try:
        with workspace() as private:
            received = _receive(request, private / "upload", limit)
            cleaned, rendition = _clean(received, limits)
    finally:
        _cleaners.release()
    media_store.store(cleaned, rendition)
    file_url, preview_url = preview_urls(cleaned.sha256)
    answer = {
        "sha256": cleaned.sha256,
        "type": cleaned.media_type,
        "size": cleaned.size,
        "width": cleaned.width,
        "height": cleaned.height,
        "removed": removed_fields(cleaned),
        "removed_on_device": removed_on_device(request),
        "preview_url": preview_url,
        "url": file_url,
    }
    response = JsonResponse(answer, status=201, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def removed_fields(cleaned: CleanedMedia) -> list[dict[str, str]]:
    """Each removed field by name with its label translated, most sensitive first."""
    order = {text: rank for rank, text in enumerate(summary(cleaned.removed))}
    fields = sorted(cleaned.removed, key=lambda item: order[label(item)])
    return [
        {"field": f"{item.group}:{item.name}", "label": gettext(label(item))} for item in fields
    ]


def removed_on_device(request: HttpRequest) -> list[dict[str, str]]:
    """What the write page says it removed before uploading, as translated labels."""
    said = str(request.META.get("HTTP_FIRSTHAND_REMOVED_ON_DEVICE", ""))[:2000]
    return [{"label": gettext(text)} for text in ordered(p.strip() for p in said.split(","))]


def _check_request(request: HttpRequest, limit: int) -> None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, say("the Content-Length header is not a number")) from None
    if declared > limit:
        raise ApiError(413, _too_large(limit))
    if declared <= 0:
        raise ApiError(400, say("the request is empty; send the photo or video itself as the body"))
    content_type = request.content_type or ""
    if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
        raise ApiError(
            415,
            say(
                "send the photo or video itself as the request body, not as a form "
                "(its type is read from its bytes)"
            ),
        )


def _too_large(limit: int) -> str:
    return say("a photo or video may be at most {size} MiB here", size=round(limit / 2**20))


def _receive(request: HttpRequest, path: Path, limit: int) -> Path:
    """Stream the body into the private directory, counting; 413 past the limit."""
    received = 0
    with path.open("xb") as handle:
        while chunk := request.read(_CHUNK):
            received += len(chunk)
            if received > limit:
                raise ApiError(413, _too_large(limit))
            handle.write(chunk)
    if received == 0:
        raise ApiError(400, say("the request is empty; send the photo or video itself as the body"))
    return path


def _clean(upload: Path, limits: Limits) -> tuple[CleanedMedia, Rendition]:
    try:
        cleaned = clean_file(upload, limits)
        rendition = thumbnails(cleaned, (RENDITION_EDGE,), limits)[RENDITION_EDGE]
    except UnsupportedMedia as error:
        raise ApiError(415, explained(error, UNSUPPORTED_MEDIA)) from None
    except TooManyPixels as error:
        # A small file that would decode to a huge picture: refused for what it is.
        raise ApiError(
            422,
            say(
                "this file cannot be published safely: {error}",
                error=explained(error, MEDIA_UNSAFE),
            ),
        ) from None
    except MediaTooLarge as error:
        raise ApiError(
            413,
            say(
                "this file is too large to publish here: {error}",
                error=explained(error, MEDIA_TOO_LARGE),
            ),
        ) from None
    except MediaError as error:  # damaged, disguised, metadata that survived, a tool gave up
        raise ApiError(
            422,
            say(
                "this file cannot be published safely: {error}",
                error=explained(error, MEDIA_UNSAFE),
            ),
        ) from None
    return cleaned, rendition


def refuse_unheld(media: Iterable[Media]) -> None:
    """422 unless this server holds every file a statement lists, as the head says.

    A head that lists a file nobody can fetch here would show readers a hole; the
    author most likely forgot to attach it. A file listed by a withheld statement
    cannot be published again here either.
    """
    listed = list(media)
    for item in listed:
        path = media_store.path_of(item.sha256)  # format.py has checked the hex
        if not path.is_file():
            raise ApiError(
                422,
                say(
                    "the statement lists media sha256:{sha256}, which this server does not "
                    "hold; upload the file (POST /api/v1/media) and sign the hash it answers",
                    sha256=item.sha256,
                ),
            )
        size = path.stat().st_size
        if size != item.size:
            raise ApiError(
                422,
                say(
                    "the statement says media sha256:{sha256} is {said} bytes; "
                    "the file is {size} bytes",
                    sha256=item.sha256,
                    said=item.size,
                    size=size,
                ),
            )
        media_type = media_store.stored_type(path)
        if media_type != item.type:
            raise ApiError(
                422,
                say(
                    "the statement says media sha256:{sha256} is {said}; the file is {type}",
                    sha256=item.sha256,
                    said=item.type,
                    type=media_type,
                ),
            )
    if withheld_media([item.sha256 for item in listed]):
        raise ApiError(
            422, say("the statement lists a media file that the log's operator has withheld")
        )
