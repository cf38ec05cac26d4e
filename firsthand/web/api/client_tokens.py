"""A higher publishing budget for a client the operator trusts (a newsroom's importer).

The operator makes a token with `firsthand client-token add NAME --rate N`,
which prints it once; the data directory keeps only its SHA-256, in
``client-tokens`` (0600), one ``<sha256 hex> <rate per minute> <name>`` a line.
A client sends it as ``Authorization: Bearer <token>`` (the CLI reads
``FIRSTHAND_CLIENT_TOKEN``). Its statements and checks then spend a bucket of
the token's own at the token's rate, not its address's: a newsroom behind one
address with a dozen reporters imports an archive without holding them back,
and without the site raising everyone's limit. An unknown token is ignored
(the address's budget applies), so a guess gains nothing. Removing the line
revokes the token; the file is read again when it changes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from firsthand.web.read_limit import Buckets

FILE_NAME = "client-tokens"
PREFIX = "fhc_"


@dataclass(frozen=True)
class Grant:
    name: str
    rate_per_minute: int
    key: bytes  # the token's SHA-256


_lock = threading.Lock()
_loaded: tuple[float, dict[bytes, Grant]] = (-1.0, {})
_buckets: dict[bytes, Buckets] = {}


def tokens_file(directory: Path | None = None) -> Path:
    return Path(settings.DATA_DIR if directory is None else directory) / FILE_NAME


def read_grants(path: Path) -> dict[bytes, Grant]:
    grants = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    for line in lines:
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and len(parts[0]) == 64 and parts[1].isdigit():
            key = bytes.fromhex(parts[0])
            grants[key] = Grant(parts[2], int(parts[1]), key)
    return grants


def _grants() -> dict[bytes, Grant]:
    global _loaded
    path = tokens_file()
    try:
        changed = path.stat().st_mtime
    except FileNotFoundError:
        changed = 0.0
    with _lock:
        if changed != _loaded[0]:
            _loaded = (changed, read_grants(path))
        return _loaded[1]


def grant_for(request: HttpRequest) -> Grant | None:
    """The grant of the request's bearer token, if it is one the operator made."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(PREFIX):
        return None
    return _grants().get(hashlib.sha256(token.strip().encode("utf-8")).digest())


def take(grant: Grant, budget: str, cost: int = 1) -> float:
    """Spend from the token's own bucket for ``budget``: 0, or seconds to wait."""
    key = grant.key + budget.encode("ascii")
    with _lock:
        buckets = _buckets.get(key)
        if buckets is None or buckets.capacity != grant.rate_per_minute:
            buckets = _buckets[key] = Buckets(
                float(grant.rate_per_minute), grant.rate_per_minute / 60
            )
    wait = 0.0
    for _ in range(cost):
        wait = buckets.take(b"", time.monotonic())
        if wait:
            break
    return wait


def add(directory: Path, name: str, rate_per_minute: int) -> str:
    """Make a token for ``name``; the token (shown once: only its hash is kept)."""
    if not name or any(c.isspace() for c in name):
        raise ValueError("a client token's name is one word, such as newsroom-archive")
    token = PREFIX + secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
    path = tokens_file(directory)
    kept = [g for g in read_grants(path).values() if g.name != name]
    lines = [f"{g.key.hex()} {g.rate_per_minute} {g.name}" for g in kept]
    lines.append(f"{digest} {rate_per_minute} {name}")
    temporary = path.with_name(FILE_NAME + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    return token
