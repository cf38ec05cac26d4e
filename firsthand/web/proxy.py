"""Who the client is behind a reverse proxy, believed only from the proxies the operator names.

On the internet the site runs behind nginx or Caddy, which ends TLS. Every
request then comes from the proxy's address, and says nothing of HTTPS: the
limits (read_limit.py, api/ratelimit.py) would put every reader in one bucket,
and Django would take an HTTPS form for a cross-site one. The proxy tells who
its client was and which scheme it used, in headers:

- ``X-Forwarded-For`` and ``X-Forwarded-Proto`` (the de facto pair; nginx's
  ``$proxy_add_x_forwarded_for`` and ``$scheme``), or
- ``Forwarded`` (RFC 7239: ``for=192.0.2.60;proto=https``, one element a hop).

Anyone can send those headers, so they are read only when the peer
(REMOTE_ADDR) is one of ``FIRSTHAND_TRUSTED_PROXIES``, and only the family named
by ``FIRSTHAND_PROXY_HEADERS``: a proxy that sets X-Forwarded-For passes a
client's own ``Forwarded`` header through untouched, so reading both would let
the client choose. Each proxy appends the address it saw to the right of the
list; whatever stands to the left of it was written by the client and may be
anything. So the client is the rightmost address that is not itself a trusted
proxy (RFC 7239, section 7.4). An attacker can never pick their own bucket:
from an untrusted peer the headers are dropped, and through a trusted proxy the
address the proxy saw is taken, not the ones the attacker wrote.

The middleware runs first, so that Django's security middleware (HSTS, secure
redirects), CSRF's origin check and the limits all see the real scheme and
client. It rewrites ``REMOTE_ADDR`` and ``wsgi.url_scheme`` and removes the
forwarding headers, so no later code can read them by mistake.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

HEADER_FAMILIES = ("x-forwarded", "forwarded")
_FORWARDING_META = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_FORWARDED")


def parse_networks(text: str | Iterable[str]) -> tuple[Network, ...]:
    """Addresses and networks, comma or space separated: ``127.0.0.1, ::1, 10.0.0.0/8``."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"FIRSTHAND_TRUSTED_PROXIES: {item!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def address(text: str) -> Address | None:
    """An address as a header gives it: bare, or ``[v6]:port``, or ``v4:port``; else None."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port; IPv6 has more colons
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return None


def is_trusted(peer: Address | None, networks: tuple[Network, ...]) -> bool:
    if peer is None:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in network for network in networks)


@dataclass(frozen=True)
class Hop:
    """One proxy's word: the address it saw (as written) and the scheme, if it said."""

    client: str
    proto: str | None = None


def x_forwarded_hops(forwarded_for: str, proto: str) -> list[Hop]:
    """X-Forwarded-For's list; X-Forwarded-Proto's last value is the nearest proxy's word."""
    clients = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    protos = [part.strip().lower() for part in proto.split(",") if part.strip()]
    hops = [Hop(client) for client in clients]
    if hops and protos:
        hops[-1] = Hop(hops[-1].client, protos[-1])
    return hops


def forwarded_hops(header: str) -> list[Hop]:
    """RFC 7239's elements, each ``for=...;proto=...`` (quoted strings allowed)."""
    hops = []
    for element in _split_outside_quotes(header, ","):
        pairs = {}
        for pair in _split_outside_quotes(element, ";"):
            name, _, value = pair.partition("=")
            pairs[name.strip().lower()] = value.strip().strip('"')
        proto = pairs.get("proto")
        hops.append(Hop(pairs.get("for", ""), proto.lower() if proto else None))
    return hops


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], [], False
    for character in text:
        if character == '"':
            quoted = not quoted
        if character == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def real_client(peer: str, hops: list[Hop], trusted: tuple[Network, ...]) -> tuple[str, str | None]:
    """The client's address and scheme, reading ``hops`` from the right.

    Each hop a trusted proxy wrote is believed; the first one that is not a
    trusted proxy's address is the client. A hop that is no address at all
    ("unknown", an obfuscated name) ends the walk at the proxy that wrote it:
    its clients share that proxy's bucket rather than choose one.
    """
    proto: str | None = None
    current = peer
    for hop in reversed(hops):
        if not is_trusted(address(current), trusted):
            break
        if hop.proto in ("http", "https"):
            proto = hop.proto
        found = address(hop.client)
        if found is None:
            break
        current = str(found)
    return current, proto


class TrustedProxyMiddleware:
    """Sets REMOTE_ADDR and the scheme from a trusted proxy's headers; drops them otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._configure()
        setting_changed.connect(self._setting_changed)

    def _configure(self) -> None:
        self._trusted = parse_networks(getattr(settings, "FIRSTHAND_TRUSTED_PROXIES", ()))
        family = getattr(settings, "FIRSTHAND_PROXY_HEADERS", "x-forwarded")
        if family not in HEADER_FAMILIES:
            raise ImproperlyConfigured(
                f"FIRSTHAND_PROXY_HEADERS is {family!r}; it must be one of {HEADER_FAMILIES}"
            )
        self._family = family

    def _setting_changed(self, *, setting: str, **kwargs: object) -> None:
        if setting in ("FIRSTHAND_TRUSTED_PROXIES", "FIRSTHAND_PROXY_HEADERS"):
            self._configure()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        meta = request.META
        if any(name in meta for name in _FORWARDING_META):
            peer = meta.get("REMOTE_ADDR", "")
            if self._trusted and is_trusted(address(peer), self._trusted):
                if self._family == "forwarded":
                    hops = forwarded_hops(meta.get("HTTP_FORWARDED", ""))
                else:
                    hops = x_forwarded_hops(
                        meta.get("HTTP_X_FORWARDED_FOR", ""), meta.get("HTTP_X_FORWARDED_PROTO", "")
                    )
                client, proto = real_client(peer, hops, self._trusted)
                meta["REMOTE_ADDR"] = client
                if proto is not None:
                    meta["wsgi.url_scheme"] = proto
            for name in _FORWARDING_META:
                meta.pop(name, None)
        return self.get_response(request)
