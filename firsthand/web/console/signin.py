"""Signing in to the console with the operator key itself: no password to guess or phish.

Whoever holds the operator key can withhold a statement already (`firsthand
withhold`); the console gives that same person a web page, so it asks for
the same proof. ``firsthand console-login --data DIR`` (run where the key is)
signs a short note with the operator key:

    firsthand console sign-in
    <log origin>
    <expiry, Unix seconds>
    <nonce, 32 hex>

and prints it as a code (base64url of the signed note) and a link. The site
checks the signature against the operator's *verifier* key (web workers need
no private key for this), that the origin is this log's, that the code has not
expired (``CODE_SECONDS``) and that its nonce was never used: a code signs in
once. It then sets a session cookie (``COOKIE``: a random value, of which the
database keeps only the SHA-256; HttpOnly, SameSite=Strict, Secure over HTTPS,
``SESSION_HOURS`` long) and nothing else. Signing out deletes the session.

Readers never get this cookie, nor any other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from firsthand.log.errors import LogError
from firsthand.log.note import Signer, Verifier, open_note, sign_note

TITLE = "firsthand console sign-in"
CODE_SECONDS = 600
SESSION_HOURS = 8
COOKIE = "firsthand_operator"


class BadSignIn(Exception):
    """A sign-in code that does not let anyone in; the message says why."""


def sign_in_code(operator: Signer, origin: str, now: float | None = None) -> str:
    """A one-time code, signed with the operator key, valid for CODE_SECONDS."""
    expires = int((time.time() if now is None else now) + CODE_SECONDS)
    text = f"{TITLE}\n{origin}\n{expires}\n{secrets.token_hex(16)}\n"
    return base64.urlsafe_b64encode(sign_note(text, operator)).decode("ascii").rstrip("=")


def check_code(code: str, operator: Verifier, origin: str, now: float | None = None) -> str:
    """The code's nonce if the operator key signed it for this log and it has not expired."""
    code = "".join(code.split())
    try:
        data = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        note = open_note(data, [operator])
    except (binascii.Error, ValueError, LogError):
        raise BadSignIn("this is not a sign-in code signed by this site's operator key") from None
    lines = note.text.split("\n")
    if len(lines) != 5 or lines[0] != TITLE or lines[4] != "":
        raise BadSignIn("this is not a sign-in code signed by this site's operator key")
    if lines[1] != origin:
        raise BadSignIn(f"this code is for the log {lines[1]}, not {origin}")
    if not lines[2].isdigit() or int(lines[2]) < (time.time() if now is None else now):
        raise BadSignIn("this code has expired; make a new one with `firsthand console-login`")
    return lines[3]


def start_session(request: HttpRequest, nonce: str, response: HttpResponseBase) -> None:
    """Spend the code's nonce and set the session cookie on ``response``."""
    from firsthand.web.console.models import OperatorSession, UsedSignIn

    now = timezone.now()
    UsedSignIn.objects.filter(expires_at__lt=now).delete()
    OperatorSession.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            UsedSignIn.objects.create(
                nonce=nonce, expires_at=now + timedelta(seconds=2 * CODE_SECONDS)
            )
    except IntegrityError:
        raise BadSignIn("this code has been used already; each code signs in once") from None
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    OperatorSession.objects.create(token_sha256=_sha256(token), expires_at=expires)
    response.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )


def end_session(request: HttpRequest, response: HttpResponseBase) -> None:
    from firsthand.web.console.models import OperatorSession

    token = request.COOKIES.get(COOKIE)
    if token:
        OperatorSession.objects.filter(token_sha256=_sha256(token)).delete()
    response.delete_cookie(COOKIE, samesite="Strict")


def signed_in(request: HttpRequest) -> bool:
    from firsthand.web.console.models import OperatorSession

    token = request.COOKIES.get(COOKIE)
    if not token:
        return False
    return OperatorSession.objects.filter(
        token_sha256=_sha256(token), expires_at__gt=datetime.now(UTC)
    ).exists()


def operator_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The view for a signed-in operator; anyone else is sent to the sign-in page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not signed_in(request):
            return HttpResponseRedirect(reverse("console:sign-in"))
        response = view(request, *args, **kwargs)
        return console_response(response)

    return guarded


def console_response(response: HttpResponseBase) -> HttpResponseBase:
    """A console page: never cached, and its forms post with their Origin (Django's CSRF
    check needs it; the site's no-referrer policy would make browsers send "null")."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
