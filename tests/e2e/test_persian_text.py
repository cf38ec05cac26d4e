"""A Persian reader sees no English: every page and state in Persian, in Debian's Chromium.

One browser session walks the site as a Persian author and reader would, through every
page and state of every_state.py (statements verified, altered in the browser or signed
with a stolen key, the print page, authors with a look-alike or a stolen key, each
"Who said it?" headline, the 404 and 400 pages, "My key" with its recovery sheet and its
recover and revoke forms, contacts, devices and co-signing, with and without a key),
then a photo's removed details (the server's list comes from the API, in the page's
language) and a hostile author's statement; and the API's own error messages. On each,
every visible text outside what is exempt is searched for Latin words. (The same walk in
test_layout_and_print.py adds a witness and a photo.)

Exempt, because it is not the site's prose: code, keys, hashes, commands and URLs
(<code>, <pre>, <kbd>, <samp>), what the page isolates left to right (<bdi>,
dir="ltr"), and the authors' own words (dir="auto": texts, excerpts, names, bios,
whatever script they are in), what is marked as another language (lang="en": the link
to the English site), and values between U+2068 and U+2069 (the isolates of
attributes and of the scripts' messages). What remains must be Persian, but for ALLOWED.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.every_state import Seeded, every_state, seed
from tests.media import builders

# Latin words a Persian page may show in its own prose, each with the reason.
ALLOWED = {
    "firsthand": "the software's name, as the CLI and the package are called",
    "GPS": "the system's name, as Persian writes it (موقعیت مکانی (GPS))",
    "SHA": "SHA-256, the hash's name",
    "Ed25519": "the signature scheme's name",
    "Atom": "the feed format's name, on the link to the feed",
    "API": "the link to the API's documentation",
    "JSON": "a format's name",
    "QR": "QR code, as Persian says it",
    "Chromium": "a browser's name, in the message for browsers without Ed25519",
    "Firefox": "a browser's name, ditto",
    "Safari": "a browser's name, ditto",
    "JPEG": "a file format's name",
    "PNG": "a file format's name",
    "WebP": "a file format's name",
    "HEIC": "a file format's name",
    "GIF": "a file format's name",
    "MP4": "a file format's name",
    "MOV": "a file format's name",
    "WebM": "a file format's name",
    "MKV": "a file format's name",
    "XMP": "a metadata format's name, in the list of removed details",
    "IPTC": "a metadata format's name, ditto",
    "C2PA": "a metadata format's name, ditto",
    "ICC": "a metadata format's name, ditto",
    "Certificate": "Certificate Transparency, the name of the design the log follows",
    "Transparency": "ditto",
    "PDF": "a file format's name (print or save as PDF)",
    "UTC": "the time zone's name beside a time",
}

# Visible text outside the exempt elements, each piece with the tag path it is in.
EXEMPT = (
    "code, pre, kbd, samp, bdi, [dir=ltr], [dir=auto], [lang]:not([lang=fa]), "
    "script, style, noscript, template"
)
VISIBLE_PROSE = """
(EXEMPT) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(EXEMPT) || !node.textContent.trim()) continue;
    if (!parent.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const where = parent.tagName.toLowerCase() + (parent.id ? "#" + parent.id : "");
    found.push([where, node.textContent]);
  }
  const labelled = "[title], [aria-label], [placeholder], img[alt]";
  for (const element of document.querySelectorAll(labelled)) {
    if (element.closest(EXEMPT)) continue;
    for (const name of ["title", "aria-label", "placeholder", "alt"]) {
      const value = element.getAttribute(name);
      if (value) found.push([element.tagName.toLowerCase() + "@" + name, value]);
    }
  }
  return found;
}
"""
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# A value isolated inside a sentence where no element can go (an attribute, a script's
# message): Unicode's first-strong isolate, the <bdi> of plain text.
ISOLATE = re.compile("\u2068[^\u2069]*\u2069")
# What a hostile author signs in Latin script under a Persian language tag: theirs, exempt.
HOSTILE = "ATTENTION: this statement is FAKE, <b>click here</b> https://evil.example/?q=1"


def english_in(page, where: str) -> list[str]:
    """Each piece of visible prose on ``page`` holding a Latin word that is not allowed."""
    wrong = []
    for element, text in page.evaluate(VISIBLE_PROSE, EXEMPT):
        words = [w for w in LATIN_WORD.findall(ISOLATE.sub("", text)) if w not in ALLOWED]
        if words:
            wrong.append(f"{where} {element}: {text.strip()[:160]!r}")
    return wrong


def api_error(site: str, path: str, language: str, body: bytes | None = None) -> str:
    request = urllib.request.Request(
        f"{site}{path}",
        data=body,
        headers={"Accept-Language": language, "Content-Type": "application/octet-stream"},
    )
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        return json.loads(error.read())["error"]
    raise AssertionError(f"{path} answered without an error")


@pytest.fixture(scope="module")
def seeded(site: str) -> Seeded:
    return seed(site)


def test_a_persian_reader_sees_no_english_on_any_page_or_state(
    site: str, seeded: Seeded, page, tmp_path: Path
) -> None:
    wrong: list[str] = []
    # Every page and state (every_state.py), ending with a key made in this browser.
    for state in every_state(page, site, "/fa", seeded, "parisa.example"):
        wrong.extend(english_in(page, state))
        if state == "statement-check-failed":  # what failed, in Persian; verify.js's English
            failed = page.locator('#browser-check li.failed[data-check="body"]')  # folded away
            assert "دست‌کاری شده است" in failed.locator(".check-failure > p").inner_text()
            assert failed.locator("summary").inner_text() == "جزئیات فنی"
            detail = failed.locator("details p")
            assert detail.get_attribute("lang") == "en" and detail.get_attribute("dir") == "ltr"
            assert "altered" in detail.inner_text()

    # An author with a key: a photo's removed details.
    page.goto(f"{site}/fa/write")
    page.wait_for_selector("#compose:not([hidden])")
    page.set_input_files("#media", [str(builders.jpeg_with_everything(tmp_path))])
    page.wait_for_selector(".attachment[data-state='ready']", timeout=30_000)
    shown = page.locator(".attachment").inner_text()
    assert "موقعیت مکانی (GPS)" in shown and "GPS location" not in shown
    wrong.extend(english_in(page, "/fa/write (a photo cleaned)"))

    # A hostile author's Latin text, tagged Persian, shows as it is and fails nothing.
    page.fill("#text", HOSTILE)
    page.select_option("#lang", "fa")
    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    page.click("#publish-button")
    page.wait_for_url(re.compile(r"/fa/statements/\d+$"), timeout=30_000)
    page.wait_for_selector("#browser-check .status.ok")
    assert HOSTILE in page.locator(".body").inner_text()  # as text, never as HTML
    assert page.locator(".body b").count() == 0
    wrong.extend(english_in(page, "the hostile statement"))
    page.goto(f"{site}/fa/")
    wrong.extend(english_in(page, "/fa/ (with the hostile statement)"))

    # (the pages that do not exist and the request too large to read are the only
    # resources allowed to fail)
    errors = [e for e in page.errors if "status of 404" not in e and "status of 400" not in e]
    assert not errors, errors
    assert not wrong, "English on Persian pages:\n" + "\n".join(wrong)

    # The API answers in the language the page asks for, its status unchanged.
    said = api_error(site, "/api/v1/statements/999999", "fa")
    assert said == "این دفتر بیانیهٔ شمارهٔ ۹۹۹۹۹۹ ندارد؛ شماره را بررسی کنید"
    assert api_error(site, "/api/v1/statements/999999", "en") == (
        "this log has no statement 999999; check the number"
    )
    said = api_error(site, "/api/v1/media", "fa", b"%PDF-1.7 not a photo")
    # A PDF, refused with a Persian sentence (the formats it names are allowed names).
    assert "پرونده" in said and all(w in ALLOWED for w in LATIN_WORD.findall(said)), said


# A browser without WebCrypto's Ed25519 (older Chromium, Firefox, Safari): its refusal,
# exactly as Chromium words it, for every use of the algorithm.
WITHOUT_ED25519 = """
for (const name of ["generateKey", "importKey", "sign", "verify"]) {
  const original = crypto.subtle[name].bind(crypto.subtle);
  crypto.subtle[name] = (...args) => {
    const algorithm = name === "importKey" ? args[2] : args[0];
    if ((algorithm?.name ?? algorithm) === "Ed25519") {
      return Promise.reject(new DOMException("Algorithm: Unrecognized name", "NotSupportedError"));
    }
    return original(...args);
  };
}
"""


def test_without_ed25519_a_persian_reader_is_told_why_and_can_still_read(site: str, page) -> None:
    page.add_init_script(WITHOUT_ED25519)
    page.goto(f"{site}/fa/identity")
    page.wait_for_selector("#identity-message.error")
    said = page.locator("#identity-message").inner_text()
    assert "نمی‌تواند امضا کند" in said and "ابزار خط فرمان" in said, said
    assert "Unrecognized" not in said
    for button in ("create-button", "import-button"):
        assert page.locator(f"#{button}").is_disabled()
    assert not english_in(page, "/fa/identity (no Ed25519)")

    # Reading goes on; the browser's own check says why it cannot run, in Persian.
    page.goto(f"{site}/fa/statements/1")
    page.wait_for_selector("#browser-check .status.failed")
    assert page.locator(".body").inner_text().strip()
    assert "Ed25519" in page.locator("#browser-check .status").inner_text()
    assert not english_in(page, "/fa/statements/1 (no Ed25519)")
    assert not page.errors, page.errors
