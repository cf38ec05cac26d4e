"""Per-client token buckets in memory, for POSTs only, one budget for each kind of request.

- ``publish``: signed statements (and uploads), FIRSTHAND_POST_RATE_PER_MINUTE (30);
- ``malformed``: POSTs to the statements endpoint that are not a well-formed signed statement,
  FIRSTHAND_MALFORMED_RATE_PER_MINUTE (10). A publish token is spent only once a request has
  proved to be a signed statement, so empty or unsigned POSTs cannot lock an address out of
  publishing: they spend this small budget of their own;
- ``report``: readers' reports of a statement to the operator, FIRSTHAND_REPORT_RATE_PER_MINUTE (5);
- ``check``: "who said it?", the page and the API, counted in texts (a batch of 100 spends 100),
  FIRSTHAND_CHECK_RATE_PER_MINUTE (600): a newsroom script checking an archive never stops
  anyone from publishing, and a check costs a few milliseconds (bench/attribution.py).

The client is REMOTE_ADDR, which web/proxy.py has set to the real client behind a trusted
proxy (and to the peer otherwise); an IPv6 client is its /64, as in read_limit.py.
Clients are told apart by HMAC-SHA256(per-process random secret, budget, address):
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
from django.utils.translation import gettext, gettext_noop

DEFAULT_RATE_PER_MINUTE = 30
# Budget name -> (its setting, its default rate per minute).
BUDGETS = {
    "publish": ("FIRSTHAND_POST_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE),
    "malformed": ("FIRSTHAND_MALFORMED_RATE_PER_MINUTE", 10),
    "report": ("FIRSTHAND_REPORT_RATE_PER_MINUTE", 5),
    "check": ("FIRSTHAND_CHECK_RATE_PER_MINUTE", 600),
}
# (A budget name is also a key's domain: at_once.py keys its counters with "at-once".)
# Past this many clients, buckets that have refilled completely are dropped (they hold no state).
_PRUNE_ABOVE = 10_000

_secret = secrets.token_bytes(32)
_lock = threading.Lock()
# client key -> (tokens left, monotonic time they were counted)
_buckets: dict[bytes, tuple[float, float]] = {}


def client_key(address: str, budget: str = "publish") -> bytes:
    from firsthand.web.read_limit import client_bytes  # an IPv6 client is its /64

    message = budget.encode("ascii") + b"\0" + client_bytes(address)
    return hmac.new(_secret, message, hashlib.sha256).digest()


def rate_per_minute(budget: str = "publish") -> int:
    setting, default = BUDGETS[budget]
    return int(getattr(settings, setting, default))


def take(address: str, now: float | None = None, budget: str = "publish", cost: int = 1) -> float:
    """Spend ``cost`` tokens (one request, or a batch's texts) of ``address``'s bucket: 0 if
    allowed, else seconds until they have refilled (infinite if the bucket never holds them)."""
    capacity = float(rate_per_minute(budget))
    refill = capacity / 60.0  # tokens per second
    now = time.monotonic() if now is None else now
    key = client_key(address, budget)
    with _lock:
        tokens, then = _buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - then) * refill)
        if tokens >= cost:
            _buckets[key] = (tokens - cost, now)
            if len(_buckets) > _PRUNE_ABOVE:
                _prune(now, capacity, refill)
            return 0.0
        _buckets[key] = (tokens, now)
        if cost > capacity or refill <= 0:
            return math.inf
        return (cost - tokens) / refill


def _prune(now: float, capacity: float, refill: float) -> None:
    full = [k for k, (t, then) in _buckets.items() if t + (now - then) * refill >= capacity]
    for key in full:
        del _buckets[key]


def reset() -> None:
    """Forget every bucket (for tests)."""
    with _lock:
        _buckets.clear()


# What a client may send too many of (require_token's ``what``), for the catalogue.
_WHAT = (
    gettext_noop("requests"),
    gettext_noop("checks"),
    gettext_noop("requests that are not signed statements"),
    gettext_noop("statements"),
    gettext_noop("uploads and statements"),
    gettext_noop("reports"),
)


def require_token(
    request: HttpRequest, what: str = "requests", budget: str = "publish", cost: int = 1
) -> None:
    """Take ``cost`` tokens from the client's bucket of ``budget``, or raise 429 saying when
    to try again."""
    from firsthand.web.api import client_tokens
    from firsthand.web.api.errors import ApiError, say

    # A client the operator gave a token (client_tokens.py) spends a bucket of its own.
    grant = client_tokens.grant_for(request) if budget in ("publish", "check") else None
    if grant is not None:
        wait = client_tokens.take(grant, budget, cost)
    else:
        wait = take(request.META.get("REMOTE_ADDR", ""), budget=budget, cost=cost)
    if wait > 0:
        seconds = max(1, math.ceil(min(wait, 3600.0)))
        raise ApiError(
            429,
            say(
                "too many {what} from this client; try again in {seconds} seconds",
                what=gettext(what),
                seconds=seconds,
            ),
            retry_after=seconds,
        )
