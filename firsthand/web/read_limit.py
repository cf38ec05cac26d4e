"""A generous per-client limit on every request, so one script cannot read the site to death.

Publishing, uploads and checks have their own strict bucket (api/ratelimit.py, 30 a minute);
this one is for everything else: pages, API reads, tiles, the checkpoint, bundles, media.
It counts every request that reaches Django, POSTs too (they then also spend a token of the
strict bucket), so an endpoint with no limit of its own is still covered. Static files are
answered by WhiteNoise before this middleware and cost nothing here.

FIRSTHAND_READ_RATE_PER_MINUTE  requests one client may make per minute (default 6000; 0: off)
FIRSTHAND_READ_BURST            requests it may make at once before the rate applies (1000)

The client is REMOTE_ADDR, as in api/ratelimit.py: the peer, or the real client behind one of
FIRSTHAND_TRUSTED_PROXIES (web/proxy.py runs first and sets it; no other forwarding header
is believed).
An IPv6 client is its /64: one host usually holds a whole /64 and could otherwise take a
fresh address for every request. Addresses are never stored: buckets are keyed by a BLAKE2b MAC
of the address under a per-process random key.
Each process counts on its own, as api/ratelimit.py does.
"""

from __future__ import annotations

import hashlib
import html
import math
import secrets
import socket
import threading
from collections.abc import Callable
from time import monotonic

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext, ngettext

from firsthand.web.api.errors import error_response

DEFAULT_RATE_PER_MINUTE = 6000
DEFAULT_BURST = 1000
# Past this many clients, buckets that have refilled completely are dropped (they hold no
# state); the next prune waits until the table has doubled, so pruning stays O(1) per request.
_PRUNE_ABOVE = 10_000
# Past this many clients still spending, the oldest are forgotten (they start again with a
# full bucket): memory stays bounded (about 200 bytes each) whatever the number of addresses.
_MOST_CLIENTS = 200_000
# Answered in JSON (or the log's plain clients): everything that is not a page.
_MACHINE_PREFIXES = ("/api/", "/tile/", "/checkpoint", "/media/")


class Buckets:
    """Token buckets, one per client key: ``capacity`` tokens, refilled at ``per_second``."""

    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._lock = threading.Lock()
        # client key -> (tokens left, monotonic time they were counted)
        self._buckets: dict[bytes, tuple[float, float]] = {}
        self._prune_at = _PRUNE_ABOVE

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: bytes, now: float) -> float:
        """Spend one of ``key``'s tokens: 0 if allowed, else seconds until one refills."""
        with self._lock:
            found = self._buckets.get(key)
            if found is None:
                tokens = self.capacity
            else:
                tokens = min(self.capacity, found[0] + (now - found[1]) * self.per_second)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if found is None and len(self._buckets) > self._prune_at:
                    self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.per_second if self.per_second > 0 else math.inf

    def _prune(self, now: float) -> None:
        capacity, per_second = self.capacity, self.per_second
        buckets = self._buckets
        full = [k for k, (t, then) in buckets.items() if t + (now - then) * per_second >= capacity]
        for key in full:
            del buckets[key]
        if len(buckets) > _MOST_CLIENTS:
            # Oldest first by insertion: a dict keeps the order clients were first seen in.
            for key in list(buckets)[: len(buckets) - _MOST_CLIENTS // 2]:
                del buckets[key]
        self._prune_at = max(_PRUNE_ABOVE, 2 * len(buckets))


def client_bytes(address: str) -> bytes:
    """What identifies a client: its IPv4 address, or the /64 its IPv6 address is in."""
    if ":" not in address:
        return address.encode("ascii", "replace")
    try:
        return socket.inet_pton(socket.AF_INET6, address)[:8]  # C, unlike ipaddress
    except OSError:  # a scoped link-local address ("fe80::1%eth0") or something odd
        return address.encode("utf-8", "replace")


class ReadLimitMiddleware:
    """Answers 429 with Retry-After once a client has spent its burst faster than the rate."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # BLAKE2 of key || address is a MAC (no length extension), and a third of the cost
        # of blake2b(key=...) or HMAC on the hot path.
        self._key = secrets.token_bytes(32)
        self._buckets = self._buckets_for_settings()
        # Settings are read once, not per request (each read of django.conf.settings costs
        # about a microsecond); tests that override them are followed here.
        setting_changed.connect(self._setting_changed)

    @staticmethod
    def _buckets_for_settings() -> Buckets | None:
        rate = int(getattr(settings, "FIRSTHAND_READ_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))
        if rate <= 0:
            return None
        burst = float(getattr(settings, "FIRSTHAND_READ_BURST", DEFAULT_BURST))
        return Buckets(max(1.0, burst), rate / 60.0)

    def _setting_changed(self, *, setting: str, **kwargs: object) -> None:
        if setting in ("FIRSTHAND_READ_RATE_PER_MINUTE", "FIRSTHAND_READ_BURST"):
            self._buckets = self._buckets_for_settings()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        buckets = self._buckets
        if buckets is not None:
            address = client_bytes(request.META.get("REMOTE_ADDR", ""))
            key = hashlib.blake2b(self._key + address, digest_size=16).digest()
            wait = buckets.take(key, monotonic())
            if wait > 0:
                return too_many(request, max(1, math.ceil(min(wait, 3600.0))))
        return self.get_response(request)


def too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    """The 429 answer: JSON for programs, a short page in the reader's language otherwise."""
    if request.path.startswith(_MACHINE_PREFIXES):
        return error_response(
            429,
            f"too many requests from this client; try again in {seconds} seconds",
            retry_after=seconds,
        )
    language = translation.get_language()
    title = gettext("Too many requests")
    text = ngettext(
        "This connection has asked for more pages than the site serves one reader. "
        "Try again in %(seconds)d second.",
        "This connection has asked for more pages than the site serves one reader. "
        "Try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}
    direction = "rtl" if translation.get_language_bidi() else "ltr"
    page = (
        f'<!doctype html>\n<html lang="{html.escape(language or "en")}" dir="{direction}">\n'
        f'<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} · firsthand</title>\n"
        f'<link rel="stylesheet" href="{html.escape(static("firsthand/css/site.css"))}">\n'
        f'</head>\n<body>\n<main id="main">\n<h1>{html.escape(title)}</h1>\n'
        f"<p>{html.escape(text)}</p>\n</main>\n</body>\n</html>\n"
    )
    response = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
