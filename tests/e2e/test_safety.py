"""Hostile text is shown as text: XSS payloads in statements never run in the reader's browser."""

from __future__ import annotations

import urllib.request

import pytest

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    "{{ 7*7 }} {% now 'Y' %}",
    "</textarea><script>alert(1)</script>",
    "<style>*{display:none}</style>",
    "\u202e<script>alert(1)</script>",
]


def publish(site: str, body: str, name: str = "mallory.example") -> int:
    statement = sign_statement(Signer.generate(name), body)
    request = urllib.request.Request(
        f"{site}/api/v1/statements",
        data=statement.file_bytes(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        import json

        return int(json.loads(response.read())["index"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_a_statement_is_shown_as_text_and_never_runs(
    site: str, page, payload: str
) -> None:
    index = publish(site, f"My words: {payload}")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in [f"/statements/{index}", "/", f"/search?q={urllib.request.quote('words')}"]:
        page.goto(f"{site}{path}")
        page.wait_for_load_state()
    page.goto(f"{site}/statements/{index}")
    assert payload.strip() in page.locator(".body").inner_text()
    assert page.locator(".body script, .body img, .body svg, .body iframe").count() == 0
    assert not dialogs


def test_a_hostile_key_name_is_escaped_too(site: str, page) -> None:
    # Key names cannot hold spaces, but can hold markup characters.
    index = publish(site, "An innocent text.", name="<b>bold</b>")
    page.goto(f"{site}/statements/{index}")
    assert page.locator("h1 b").count() == 0
    assert "<b>bold</b>" in page.locator("h1").inner_text()
