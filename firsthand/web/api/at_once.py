"""How many statement bodies one client may be sending at once (FIRSTHAND_POSTS_AT_ONCE, 4).

Publishing spends a token only once a request has proved to be a signed
statement (publish.py), so its body is read before any budget is spent. A
client that opens hundreds of POSTs and sends their bodies a byte at a time
("R-U-Dead-Yet") would then hold every request thread waiting for bytes. So
each client may have only a few bodies in flight: past that, the request is
answered 429 at once, before a byte of its body is read. A real author sends
one statement at a time; a newsroom's importer, a few.

The client is REMOTE_ADDR (the real one behind a trusted proxy, web/proxy.py),
an IPv6 client its /64, kept as a MAC as in ratelimit.py. Each process counts
its own requests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest

from firsthand.web.api import ratelimit
from firsthand.web.api.errors import ApiError, say

DEFAULT_AT_ONCE = 4

_lock = threading.Lock()
_sending: dict[bytes, int] = {}


@contextmanager
def one_of_a_few(request: HttpRequest) -> Iterator[None]:
    """Count this request among its client's bodies in flight, or answer 429 if there are
    already FIRSTHAND_POSTS_AT_ONCE."""
    most = int(getattr(settings, "FIRSTHAND_POSTS_AT_ONCE", DEFAULT_AT_ONCE))
    key = ratelimit.client_key(request.META.get("REMOTE_ADDR", ""), "at-once")
    with _lock:
        now = _sending.get(key, 0)
        if now >= most:
            raise ApiError(
                429,
                say(
                    "this client is already sending {count} statements; wait for their answers",
                    count=now,
                ),
                retry_after=1,
            )
        _sending[key] = now + 1
    try:
        yield
    finally:
        with _lock:
            left = _sending[key] - 1
            if left:
                _sending[key] = left
            else:
                del _sending[key]
