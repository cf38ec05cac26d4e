"""Feeds read by a feed reader: hostile bodies and names in the Atom feeds never run in Chromium.

A feed reader renders outside this site, with none of its Content-Security-Policy,
so the page here has none either. It does what a reader does with each text
construct (RFC 4287 section 3.1): type "text" is shown as characters
(textContent), "html" is markup it renders (innerHTML). The feeds declare text,
so nothing of the payloads may run or become an element; the control test shows
the same feeds, taken as html, would be caught.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from firsthand.log.note import Signer
from firsthand.statements.format import MAX_DISPLAY_NAME, Statement, sign_statement
from tests.e2e.test_safety import PAYLOADS
from tests.serving import running_server

# Payloads that say so when they run, beside the corpus's alert(1).
FLAGGING = [
    '<img src=x onerror="window.__pwned=1">',
    '<svg onload="window.__pwned=1"></svg>',
    "<script>window.__pwned=1</script>",
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
]
CORPUS = [*PAYLOADS, *FLAGGING]
# A key's name holds no space nor "+", but markup fits.
HOSTILE_KEY_NAME = "<svg/onload=window.__pwned=1>"
INJECTED = "#reader img, #reader script, #reader svg, #reader iframe, #reader style, #reader a"

READER_PAGE = (
    '<!doctype html><meta charset="utf-8"><title>A feed reader</title><main id="reader"></main>'
)
# Parse the feed as XML and show each entry's text constructs as their type says.
RENDER = """([xml, forcedType]) => {
  const NS = "http://www.w3.org/2005/Atom";
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) throw new Error("the feed is not XML");
  const show = (element, construct) => {
    const type = forcedType || construct.getAttribute("type") || "text";
    if (type === "text") element.textContent = construct.textContent;
    else if (type === "html") element.innerHTML = construct.textContent;
    else throw new Error("unexpected text construct type " + type);
  };
  const reader = document.getElementById("reader");
  let shown = 0;
  for (const entry of doc.getElementsByTagNameNS(NS, "entry")) {
    const article = document.createElement("article");
    for (const [name, tag] of [["title", "h2"], ["summary", "div"]]) {
      const construct = entry.getElementsByTagNameNS(NS, name)[0];
      const element = document.createElement(tag);
      if (construct) show(element, construct);
      article.append(element);
    }
    const author = document.createElement("p");  // a person's name is always text (3.2.1)
    author.textContent = entry.getElementsByTagNameNS(NS, "name")[0]?.textContent ?? "";
    article.append(author);
    reader.append(article);
    shown += 1;
  }
  return shown;
}"""


def displayable(name: str) -> bool:
    """Whether the format takes ``name`` as a display name (statements.format._display_name)."""
    return 0 < len(name) <= MAX_DISPLAY_NAME and name == name.strip() and name.isprintable()


def publish(site: str, statement: Statement) -> int:
    request = urllib.request.Request(
        f"{site}/api/v1/statements",
        data=statement.file_bytes(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.loads(response.read())["index"])


def get(site: str, path: str) -> str:
    with urllib.request.urlopen(f"{site}{path}", timeout=30) as response:
        return str(response.read().decode("utf-8"))


def author_feed_path(site: str, index: int) -> str:
    """The author feed a reader finds from a statement: its author page's feed link."""
    found = re.search(r'href="(/authors/[^"]+)"', get(site, f"/statements/{index}"))
    assert found is not None
    atom = r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"'
    links = re.findall(atom, get(site, found.group(1)))
    return str(next(link for link in links if link.startswith("/authors/")))


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """The site feed and the hostile author's feed, of a server of their own (it takes
    more statements in a minute than the shared one lets one client post)."""
    data: Path = tmp_path_factory.mktemp("feeds-data") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FIRSTHAND_POST_RATE_PER_MINUTE", "600")
        with running_server(data, "--period", "0.02") as site:
            mallory = Signer.generate(HOSTILE_KEY_NAME)
            first = publish(site, sign_statement(mallory, f"My words: {CORPUS[0]}"))
            for payload in CORPUS[1:]:
                publish(site, sign_statement(mallory, f"My words: {payload}"))
            for payload in filter(displayable, CORPUS):
                profile = sign_statement(mallory, "My bio.", kind="profile", name=payload)
                publish(site, profile)
            yield [get(site, "/feed.atom"), get(site, author_feed_path(site, first))]


def render(page, xml: str, forced_type: str | None = None) -> tuple[int, list[str]]:
    """Show the feed's entries in a reader page: (entries shown, dialogs opened)."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_content(READER_PAGE)
    shown = page.evaluate(RENDER, [xml, forced_type])
    page.wait_for_timeout(300)  # an image's error, a frame's load, come after
    return shown, dialogs


def test_each_feed_declares_text_and_a_reader_showing_it_runs_nothing(
    feeds: list[str], page
) -> None:
    displayed = [p for p in CORPUS if displayable(p)]
    for xml in feeds:
        assert 'type="html"' not in xml
        shown, dialogs = render(page, xml)
        assert shown == len(CORPUS) + len(displayed)
        assert page.evaluate("window.__pwned") is None
        assert not dialogs
        assert page.locator(INJECTED).count() == 0
        # What the author typed is there, as characters a reader sees.
        text = page.locator("#reader").text_content()
        for payload in CORPUS:
            assert f"My words: {payload}" in text
        for name in displayed:
            assert f"Display name: {name}" in text
        assert text.count(HOSTILE_KEY_NAME) >= 2 * shown  # in each title and author name


def test_the_same_feeds_taken_as_html_would_be_caught(feeds: list[str], page) -> None:
    # The control: were a summary "html", the checks above would fail, so they can.
    shown, dialogs = render(page, feeds[0], forced_type="html")
    assert shown > 0
    assert page.locator(INJECTED).count() > 0
    assert page.evaluate("window.__pwned") == 1
    assert dialogs
