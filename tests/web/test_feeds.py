"""Atom feeds: what an author wrote goes out as text a feed reader cannot render as markup,
and each entry is dated by its signed head, as logged."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from firsthand.log.note import Signer
from firsthand.statements.format import Reference, Statement, sign_statement
from firsthand.statements.identity import fingerprint, short_fingerprint
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.pages.feeds import FEED_SIZE, xml_text
from tests.e2e.test_safety import PAYLOADS
from tests.web.conftest import log_of_its_own
from tests.web.test_jinja import HOSTILE

ATOM = "{http://www.w3.org/2005/Atom}"
URL = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"
# Names that a key, or a profile, may carry and that are markup all the same.
HOSTILE_KEY_NAME = "<img/src=x/onerror=alert(1)>"
HOSTILE_DISPLAY_NAME = '<img src=x onerror="alert(1)"> & <b>bold</b>'
# Signed at times of their own, days before the server receives them.
SIGNED = datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("feeds-log")):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


def publish(client: Client, statement: Statement) -> int:
    response = client.post(URL, data=statement.file_bytes(), content_type=TEXT)
    assert response.status_code in (200, 201), response.content
    return int(response.json()["index"])


def feed(client: Client, path: str = "/feed.atom") -> tuple[bytes, ET.Element]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return response.content, ET.fromstring(response.content)


def entry_for(root: ET.Element, index: int) -> ET.Element:
    for entry in root.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        assert link is not None
        if link.get("href", "").endswith(f"/statements/{index}"):
            return entry
    raise AssertionError(f"statement {index} is not in the feed")


def text_of(entry: ET.Element, path: str) -> str:
    found = entry.find(path)
    assert found is not None, path
    return found.text or ""


def author_feed_path(client: Client, index: int) -> str:
    """The author feed a reader finds from a statement: its author page's feed link."""
    page = client.get(f"/statements/{index}").content.decode()
    found = re.search(r'href="(/authors/[^"]+)"', page)
    assert found is not None
    author = client.get(found.group(1)).content.decode()
    atom = r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"'
    links = re.findall(atom, author)
    return next(link for link in links if link.startswith("/authors/"))


def dated(root: ET.Element, name: str) -> datetime:
    return datetime.fromisoformat(text_of(root, f"{ATOM}{name}"))


def test_every_summary_is_text_and_markup_in_a_body_stays_escaped_characters(
    client: Client,
) -> None:
    bodies = [f"My words: {payload}" for payload in [*PAYLOADS, HOSTILE]]
    signer = Signer.generate("mallory.example")
    indices = [publish(client, sign_statement(signer, body)) for body in bodies]
    for path in ["/feed.atom", author_feed_path(client, indices[0])]:
        raw, root = feed(client, path)
        assert b'type="html"' not in raw
        assert b"<script" not in raw and b"<img" not in raw and b"<svg" not in raw
        for entry in root.iter(f"{ATOM}entry"):
            summary = entry.find(f"{ATOM}summary")
            assert summary is not None and summary.get("type") == "text"
        for index, body in zip(indices, bodies, strict=True):
            # Parsed once by the XML parser, the text is the body exactly: a reader shows it.
            assert text_of(entry_for(root, index), f"{ATOM}summary") == body


def test_a_key_name_with_markup_is_text_in_entry_titles_and_author_names(client: Client) -> None:
    signer = Signer.generate(HOSTILE_KEY_NAME)
    index = publish(client, sign_statement(signer, "Plain words."))
    # The name is a label anyone can copy: the start of the key's fingerprint goes with it.
    shown = f"{HOSTILE_KEY_NAME} ({short_fingerprint(fingerprint(signer.verifier()))})"
    path = author_feed_path(client, index)
    for feed_path in ["/feed.atom", path]:
        raw, root = feed(client, feed_path)
        entry = entry_for(root, index)
        title = entry.find(f"{ATOM}title")
        assert title is not None and title.get("type") in (None, "text")  # RFC 4287 3.1.1
        assert shown in (title.text or "")
        assert text_of(entry, f"{ATOM}author/{ATOM}name") == shown
        assert b"&lt;img/src=x/onerror=alert(1)&gt;" in raw and b"<img" not in raw
        feed_title = root.find(f"{ATOM}title")
        assert feed_title is not None and len(feed_title) == 0  # text, no child elements


def test_a_profile_entry_gives_its_display_name_as_text(client: Client) -> None:
    signer = Signer.generate("parisa.example")
    index = publish(
        client, sign_statement(signer, "A bio.\n", kind="profile", name=HOSTILE_DISPLAY_NAME)
    )
    raw, root = feed(client)
    summary = text_of(entry_for(root, index), f"{ATOM}summary")
    assert summary == f"Display name: {HOSTILE_DISPLAY_NAME}\n\nA bio.\n"
    assert b"<img" not in raw and b"<b>" not in raw


def test_entries_are_dated_by_the_signed_head_to_the_second_not_by_receipt(
    client: Client,
) -> None:
    signer = Signer.generate("dated.example")
    times = [SIGNED, SIGNED - timedelta(days=30), SIGNED - timedelta(days=400)]
    indices = [
        publish(client, sign_statement(signer, f"Said on {time:%Y-%m-%d}.", time=time))
        for time in times
    ]
    for path in ["/feed.atom", author_feed_path(client, indices[0])]:
        _, root = feed(client, path)
        for index, time in zip(indices, times, strict=True):
            entry = entry_for(root, index)
            for name in ("published", "updated"):
                written = text_of(entry, f"{ATOM}{name}")
                assert datetime.fromisoformat(written) == time
                assert "." not in written  # seconds, as the head has them: no microseconds
    _, root = feed(client, author_feed_path(client, indices[0]))
    # The feed's own updated is its newest entry's, which is not its last logged one here.
    assert dated(root, "updated") == SIGNED
    assert len(root.findall(f"{ATOM}entry")) == len(times)


def test_the_site_feed_is_updated_at_its_newest_entry_time(client: Client) -> None:
    _, root = feed(client)
    entries = [dated(entry, "updated") for entry in root.iter(f"{ATOM}entry")]
    assert entries and len(entries) <= FEED_SIZE
    assert dated(root, "updated") == max(entries)
    for entry in root.iter(f"{ATOM}entry"):
        assert dated(entry, "published") == dated(entry, "updated")


def test_a_withheld_body_never_reaches_a_feed_nor_does_the_notice(client: Client) -> None:
    secret = "She lives at 12 Example Lane, flat 3, and leaves for work at eight."
    target = sign_statement(Signer.generate("someone.example"), secret)
    index = publish(client, target)
    notice = sign_statement(
        runtime.operator(),
        "it gives a private address",
        kind="withholding",
        refers=[Reference("leaf", target.leaf_hash.hex())],
        reason="it gives a private address",
    )
    notice_index = publish(client, notice)
    for path in ["/feed.atom", author_feed_path(client, index)]:
        raw, root = feed(client, path)
        assert secret.encode() not in raw
        summary = text_of(entry_for(root, index), f"{ATOM}summary")
        assert summary == "The text of this statement is withheld by the operator."
        with pytest.raises(AssertionError, match="not in the feed"):
            entry_for(root, notice_index)


def test_a_body_holding_a_character_xml_cannot_carry_leaves_the_feed_well_formed(
    client: Client,
) -> None:
    body = "Valid UTF-8, never valid XML: \ufffe and \uffff."
    index = publish(client, sign_statement(Signer.generate("odd.example"), body))
    _, root = feed(client)  # parses: one statement cannot break the feed for every reader
    summary = text_of(entry_for(root, index), f"{ATOM}summary")
    assert summary == "Valid UTF-8, never valid XML: \ufffd and \ufffd."


def test_xml_text_keeps_every_character_xml_can_hold() -> None:
    kept = "tab\t line\n return\r فارسی \u200c\U0001f600 \ud7ff\ue000\ufffd \U0010ffff"
    assert xml_text(kept) == kept
    assert xml_text("\x00\x08\x0b\x1f\ufffe\uffff") == "\ufffd" * 6


def test_the_persian_feed_says_display_name_in_persian(client: Client) -> None:
    index = publish(
        client,
        sign_statement(Signer.generate("fa.example"), "سلام", kind="profile", name="پریسا"),
    )
    _, root = feed(client, "/fa/feed.atom")
    summary = text_of(entry_for(root, index), f"{ATOM}summary")
    assert summary == "نام نمایشی: پریسا\n\nسلام"
