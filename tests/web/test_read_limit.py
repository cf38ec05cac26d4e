"""The per-client limit on every request (firsthand/web/read_limit.py), through the whole
middleware stack: 429 with Retry-After past the burst, per client, refilling at the rate."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from firsthand.web import read_limit

PAGE = "/identity"  # a page that needs no database
API = "/api/v1/openapi.json"


class Clock:
    """The middleware's monotonic clock, moved by hand so refills are exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(read_limit, "monotonic", clock)
    return clock


@pytest.fixture
def client() -> Iterator[Client]:
    """One request a second, three at once; a Client of its own has buckets of its own."""
    with override_settings(FIRSTHAND_READ_RATE_PER_MINUTE=60, FIRSTHAND_READ_BURST=3):
        yield Client()


def statuses(client: Client, path: str, count: int, address: str = "192.0.2.1") -> list[int]:
    return [client.get(path, REMOTE_ADDR=address).status_code for _ in range(count)]


def test_a_client_past_its_burst_is_answered_429_with_retry_after(
    client: Client, clock: Clock
) -> None:
    assert statuses(client, API, 3) == [200, 200, 200]
    refused = client.get(API, REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert refused["Cache-Control"] == "no-store"


def test_another_client_is_still_served_while_one_is_refused(client: Client, clock: Clock) -> None:
    assert statuses(client, API, 4) == [200, 200, 200, 429]
    assert statuses(client, API, 3, address="198.51.100.7") == [200, 200, 200]
    assert statuses(client, API, 1) == [429]


def test_addresses_in_one_ipv6_64_share_a_budget_and_another_64_has_its_own(
    client: Client, clock: Clock
) -> None:
    assert statuses(client, API, 2, address="2001:db8::1") == [200, 200]
    assert statuses(client, API, 2, address="2001:db8::ffff:2") == [200, 429]
    assert statuses(client, API, 1, address="2001:db8:0:1::1") == [200]


def test_the_budget_refills_at_the_rate_up_to_the_burst(client: Client, clock: Clock) -> None:
    assert statuses(client, API, 4) == [200, 200, 200, 429]
    clock.now += 0.5
    assert statuses(client, API, 1) == [429]
    clock.now += 0.5  # one token a second
    assert statuses(client, API, 2) == [200, 429]
    clock.now += 3600  # an hour refills only up to the burst
    assert statuses(client, API, 4) == [200, 200, 200, 429]


def test_a_refused_client_is_told_how_long_to_wait(clock: Clock) -> None:
    with override_settings(FIRSTHAND_READ_RATE_PER_MINUTE=6, FIRSTHAND_READ_BURST=1):
        client = Client()
        assert statuses(client, API, 2) == [200, 429]
        clock.now += 4
        assert client.get(API, REMOTE_ADDR="192.0.2.1")["Retry-After"] == "6"


def test_a_rate_of_zero_turns_the_limit_off(clock: Clock) -> None:
    with override_settings(FIRSTHAND_READ_RATE_PER_MINUTE=0, FIRSTHAND_READ_BURST=1):
        assert set(statuses(Client(), API, 50)) == {200}


def test_api_and_log_paths_are_answered_in_json(client: Client, clock: Clock) -> None:
    statuses(client, API, 3)
    for path in (API, "/api/v1/statements/0", "/tile/0/000", "/checkpoint", "/media/" + "0" * 64):
        refused = client.get(path, REMOTE_ADDR="192.0.2.1")
        assert refused.status_code == 429, path
        assert refused["Content-Type"] == "application/json", path
        error = json.loads(refused.content)["error"]
        assert error == "too many requests from this client; try again in 1 seconds"


def test_pages_are_answered_with_a_short_page_in_the_readers_language(
    client: Client, clock: Clock
) -> None:
    assert statuses(client, PAGE, 3) == [200, 200, 200]
    english = client.get(PAGE, REMOTE_ADDR="192.0.2.1")
    assert english.status_code == 429
    assert english["Content-Type"] == "text/html; charset=utf-8"
    assert english["Retry-After"] == "1"
    assert "Content-Security-Policy" in english  # the answer passes through the site's headers
    page = english.content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "<h1>Too many requests</h1>" in page
    assert "Try again in 1 second." in page

    persian = client.get("/fa" + PAGE, REMOTE_ADDR="192.0.2.1")
    assert persian.status_code == 429
    assert '<html lang="fa" dir="rtl">' in persian.content.decode()


def test_many_addresses_that_come_once_do_not_pile_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_limit, "_PRUNE_ABOVE", 100)
    buckets = read_limit.Buckets(capacity=10, per_second=100)
    for i in range(5000):  # a new address every millisecond: each refills in 10 ms
        assert buckets.take(i.to_bytes(4, "big"), now=i / 1000) == 0
    assert len(buckets) <= 200


def test_addresses_that_keep_spending_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_limit, "_PRUNE_ABOVE", 100)
    monkeypatch.setattr(read_limit, "_MOST_CLIENTS", 1000)
    buckets = read_limit.Buckets(capacity=10, per_second=0.001)  # nothing refills in the test
    for i in range(20_000):
        buckets.take(i.to_bytes(4, "big"), now=0.0)
    assert len(buckets) <= 2000
    newest = (19_999).to_bytes(4, "big")
    for _ in range(9):
        assert buckets.take(newest, now=0.0) == 0  # the newest clients are still counted
    assert buckets.take(newest, now=0.0) > 0
