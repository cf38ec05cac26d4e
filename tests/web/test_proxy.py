"""Behind a reverse proxy (web/proxy.py): the forwarding headers are believed from the proxies
the operator names, and from no one else, so a client can never choose its own bucket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from firsthand.web import read_limit
from firsthand.web.proxy import (
    Hop,
    forwarded_hops,
    parse_networks,
    real_client,
    x_forwarded_hops,
)

API = "/api/v1/openapi.json"
PROXY = "127.0.0.1"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_limit, "monotonic", lambda: 1000.0)


@pytest.fixture
def limited() -> Iterator[None]:
    """Three requests a client, then 429 (the clock stands still: nothing refills)."""
    with override_settings(FIRSTHAND_READ_RATE_PER_MINUTE=60, FIRSTHAND_READ_BURST=3):
        yield


def statuses(client: Client, count: int, **headers: str) -> list[int]:
    return [client.get(API, **headers).status_code for _ in range(count)]


def test_a_spoofed_x_forwarded_for_from_an_untrusted_peer_does_not_pick_the_bucket(
    limited: None,
) -> None:
    client = Client()  # no trusted proxy: the default
    spoofed = [
        client.get(API, REMOTE_ADDR="192.0.2.66", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        for n in range(5)
    ]
    assert [r.status_code for r in spoofed] == [200, 200, 200, 429, 429]


def test_a_spoofed_header_from_a_peer_that_is_not_one_of_the_trusted_proxies_is_ignored(
    limited: None,
) -> None:
    with override_settings(FIRSTHAND_TRUSTED_PROXIES=[PROXY]):
        client = Client()
        codes = [
            client.get(
                API, REMOTE_ADDR="192.0.2.67", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
            ).status_code
            for n in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


def test_clients_behind_a_trusted_proxy_each_have_their_own_bucket(limited: None) -> None:
    with override_settings(FIRSTHAND_TRUSTED_PROXIES=[PROXY]):
        client = Client()
        first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
        second = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
        assert statuses(client, 4, **first) == [200, 200, 200, 429]
        assert statuses(client, 3, **second) == [200, 200, 200]


def test_addresses_a_client_writes_left_of_the_proxys_own_are_not_believed(
    limited: None,
) -> None:
    with override_settings(FIRSTHAND_TRUSTED_PROXIES=[PROXY]):
        client = Client()
        # nginx appends the address it saw ($proxy_add_x_forwarded_for) to the client's header.
        codes = [
            client.get(
                API, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.3"
            ).status_code
            for n in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


def test_a_forwarded_header_is_ignored_when_the_proxy_speaks_x_forwarded(limited: None) -> None:
    """nginx sets X-Forwarded-For and passes a client's own Forwarded header through."""
    with override_settings(FIRSTHAND_TRUSTED_PROXIES=[PROXY]):
        client = Client()
        codes = [
            client.get(
                API,
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR="198.51.100.4",
                HTTP_FORWARDED=f"for=10.8.8.{n}",
            ).status_code
            for n in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


def test_rfc_7239_forwarded_is_read_when_chosen(limited: None) -> None:
    with override_settings(FIRSTHAND_TRUSTED_PROXIES=[PROXY], FIRSTHAND_PROXY_HEADERS="forwarded"):
        client = Client()
        one = {"REMOTE_ADDR": PROXY, "HTTP_FORWARDED": 'for="[2001:db8:cafe::17]:4711";proto=https'}
        other = {"REMOTE_ADDR": PROXY, "HTTP_FORWARDED": "for=198.51.100.5;proto=https"}
        assert statuses(client, 4, **one) == [200, 200, 200, 429]
        assert statuses(client, 1, **other) == [200]
        # X-Forwarded-For from a client of this proxy is its own invention.
        spoofed = {**other, "HTTP_X_FORWARDED_FOR": "10.7.7.7"}
        assert statuses(client, 3, **spoofed) == [200, 200, 429]


def test_https_is_believed_from_a_trusted_proxy_only() -> None:
    """HSTS is sent over HTTPS only, so it shows which scheme Django believed."""
    with override_settings(FIRSTHAND_TRUSTED_PROXIES=[PROXY], SECURE_HSTS_SECONDS=3600):
        client = Client()
        trusted = client.get(
            API, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.6",
            HTTP_X_FORWARDED_PROTO="https",
        )  # fmt: skip
        untrusted = client.get(API, REMOTE_ADDR="192.0.2.68", HTTP_X_FORWARDED_PROTO="https")
    assert trusted["Strict-Transport-Security"] == "max-age=3600"
    assert "Strict-Transport-Security" not in untrusted


def test_the_forwarding_headers_never_reach_a_view() -> None:
    from django.test import RequestFactory

    from firsthand.web.proxy import TrustedProxyMiddleware

    seen = {}

    def view(request):  # type: ignore[no-untyped-def]
        seen.update(request.META)
        from django.http import HttpResponse

        return HttpResponse()

    with override_settings(FIRSTHAND_TRUSTED_PROXIES=[PROXY]):
        middleware = TrustedProxyMiddleware(view)
        for peer in (PROXY, "192.0.2.69"):
            seen.clear()
            middleware(
                RequestFactory().get(
                    "/",
                    REMOTE_ADDR=peer,
                    HTTP_X_FORWARDED_FOR="198.51.100.7",
                    HTTP_FORWARDED="for=1.2.3.4",
                    HTTP_X_FORWARDED_PROTO="https",
                )
            )
            assert not {"HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_FORWARDED_PROTO"} & set(
                seen
            )
            assert seen["REMOTE_ADDR"] == ("198.51.100.7" if peer == PROXY else peer)


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_address() -> None:
    trusted = parse_networks("127.0.0.1, 10.0.0.0/8")
    hops = x_forwarded_hops("6.6.6.6, 198.51.100.8, 10.1.2.3", "https")
    assert real_client(PROXY, hops, trusted) == ("198.51.100.8", "https")
    # "unknown" from a trusted proxy: its clients share the proxy's bucket.
    assert real_client(PROXY, [Hop("unknown")], trusted) == (PROXY, None)
    assert forwarded_hops('for=192.0.2.43, for="[2001:db8::1]";proto=https') == [
        Hop("192.0.2.43"), Hop("[2001:db8::1]", "https")
    ]  # fmt: skip


_ipv4 = st.ip_addresses(v=4).map(str)
_junk = st.lists(st.one_of(_ipv4, st.text(max_size=20)), max_size=6)


@given(junk=_junk, client=_ipv4)
def test_whatever_a_client_writes_it_is_the_address_the_proxy_saw(
    junk: list[str], client: str
) -> None:
    trusted = parse_networks("127.0.0.0/8")
    if client.startswith("127."):
        return
    header = ", ".join([*(j.replace(",", " ") for j in junk), client])
    assert real_client(PROXY, x_forwarded_hops(header, "https"), trusted)[0] == client
    # The same words from a peer that is no proxy: the peer.
    assert real_client("192.0.2.70", x_forwarded_hops(header, "https"), trusted) == (
        "192.0.2.70", None
    )  # fmt: skip
