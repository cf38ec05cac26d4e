"""A per-client token bucket in memory, for POSTs only.

Clients are told apart by HMAC-SHA256(per-process random secret, address):
the address itself is never stored, and the keys mean nothing once the
process ends. Each process counts on its own, so with several workers the
limit is per worker; that is enough to blunt one script hammering the API.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time

from django.conf import settings
from django.http import HttpRequest

DEFAULT_RATE_PER_MINUTE = 30
# Past this many clients, buckets that have refilled completely are dropped (they hold no state).
_PRUNE_ABOVE = 10_000

_secret = secrets.token_bytes(32)
_lock = threading.Lock()
# client key -> (tokens left, monotonic time they were counted)
_buckets: dict[bytes, tuple[float, float]] = {}


def client_key(address: str) -> bytes:
    return hmac.new(_secret, address.encode("utf-8"), hashlib.sha256).digest()


def rate_per_minute() -> int:
    return int(getattr(settings, "FIRSTHAND_POST_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))


def take(address: str, now: float | None = None) -> float:
    """Spend one token of ``address``'s bucket: 0 if allowed, else seconds until one refills."""
    capacity = float(rate_per_minute())
    refill = capacity / 60.0  # tokens per second
    now = time.monotonic() if now is None else now
    key = client_key(address)
    with _lock:
        tokens, then = _buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - then) * refill)
        if tokens >= 1.0:
            _buckets[key] = (tokens - 1.0, now)
            if len(_buckets) > _PRUNE_ABOVE:
                _prune(now, capacity, refill)
            return 0.0
        _buckets[key] = (tokens, now)
        return (1.0 - tokens) / refill if refill > 0 else math.inf


def _prune(now: float, capacity: float, refill: float) -> None:
    full = [k for k, (t, then) in _buckets.items() if t + (now - then) * refill >= capacity]
    for key in full:
        del _buckets[key]


def reset() -> None:
    """Forget every bucket (for tests)."""
    with _lock:
        _buckets.clear()


def require_token(request: HttpRequest, what: str = "requests") -> None:
    """Take a token from the client's bucket (every POST shares it), or raise 429 saying
    when to try again."""
    from firsthand.web.api.errors import ApiError

    wait = take(request.META.get("REMOTE_ADDR", ""))
    if wait > 0:
        seconds = max(1, math.ceil(min(wait, 3600.0)))
        raise ApiError(
            429,
            f"too many {what} from this client; try again in {seconds} seconds",
            retry_after=seconds,
        )
