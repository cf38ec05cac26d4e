"""The C2SP tlog-tiles endpoints at the site root, through Django's test client."""

from __future__ import annotations

import pytest
from django.test import Client

from firsthand.log import merkle
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.tiles import decode_entry_bundle
from firsthand.web import runtime

ENTRIES = [f"web entry {i}".encode() for i in range(300)]


@pytest.fixture(scope="module")
def client() -> Client:
    log = runtime.log()
    sequencer = log.sequencer()
    for entry in ENTRIES:
        sequencer.submit(entry)
    sequencer.run_until_empty()
    return Client()


def test_checkpoint_is_signed_text_that_changes_often(client: Client) -> None:
    response = client.get("/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    checkpoint, _ = open_checkpoint(response.content, runtime.log().verifier)
    assert checkpoint.size >= len(ENTRIES)


def test_full_tiles_are_immutable_and_partial_ones_short_lived(client: Client) -> None:
    full = client.get("/tile/0/000")
    assert full.status_code == 200
    assert full["Content-Type"] == "application/octet-stream"
    assert "immutable" in full["Cache-Control"]
    assert len(full.content) == 256 * 32
    partial = client.get("/tile/0/001.p/44")
    assert partial.status_code == 200
    assert "immutable" not in partial["Cache-Control"]
    assert partial.content == b"".join(merkle.leaf_hash(e) for e in ENTRIES[256:300])


def test_entry_bundles_hold_the_entries(client: Client) -> None:
    response = client.get("/tile/entries/000")
    assert decode_entry_bundle(response.content) == ENTRIES[:256]


@pytest.mark.parametrize(
    "path",
    [
        "/tile/0/999",
        "/tile/0/001.p/255",
        "/tile/3/000",
        "/tile/0/1",
        "/tile/x",
        "/tile/",
        "/tile/0/000.p/0",
        "/nothing",
        "/tile/entries/x000/000",
        "/tile/0/000/../000",
    ],
)
def test_unknown_or_unwritten_tiles_are_404_never_500(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404


def test_only_get_and_head_are_allowed(client: Client) -> None:
    assert client.head("/checkpoint").status_code == 200
    assert client.post("/checkpoint").status_code in (403, 405)
    assert client.put("/tile/0/000").status_code == 405


def test_security_headers_are_on(client: Client) -> None:
    response = client.get("/checkpoint")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
