"""Signing under the author's eyes (issue 16), in Debian's Chromium: a key replaced in the
browser by a rotation both keys sign; nothing signed without a person's click on the
preview's button; the passphrase asked for every signature when the author says so;
names with invisible characters refused before anything is made. In English and Persian."""

from __future__ import annotations

from pathlib import Path

import pytest

from firsthand.log.note import Verifier, parse_note
from firsthand.statements.format import open_head, rotation_is_two_way
from firsthand.statements.identity import fingerprint, grouped_fingerprint
from tests.e2e.conftest import screenshot
from tests.e2e.test_authoring import PASSPHRASE, make_key, publish

NEW_PASSPHRASE = "a different passphrase for the new key"
# Counts every signature WebCrypto makes in the page, before any of the page's scripts run.
COUNT_SIGNATURES = """
(() => {
  const sign = SubtleCrypto.prototype.sign;
  window.signatures = 0;
  SubtleCrypto.prototype.sign = function (...args) {
    window.signatures += 1;
    return sign.apply(this, args);
  };
})();
"""


def log_size(page, site: str) -> int:
    return int(page.request.get(f"{site}/checkpoint").text().splitlines()[1])


def wait_for_message(page, text: str) -> None:
    page.locator("#identity-message", has_text=text).wait_for()


def grouped(vkey: str) -> str:
    return grouped_fingerprint(fingerprint(Verifier.from_text(vkey)))


def write_and_preview(page, site: str, text: str) -> None:
    page.goto(f"{site}/write")
    page.wait_for_selector("#compose:not([hidden])")
    page.fill("#text", text)
    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_author_replaces_their_key_with_a_rotation_both_keys_sign(
    site: str, page, language: str, tmp_path: Path
) -> None:
    prefix = "" if language == "en" else "/fa"
    make_key(page, site, prefix, f"nasrin-{language}.example")
    old_vkey = page.locator("#current-vkey").inner_text().strip()
    assert page.locator("#current-fingerprint").inner_text() == grouped(old_vkey)
    if language == "fa":  # the old key's signature then needs its passphrase, in the preview
        page.check("#ask-passphrase")
        wait_for_message(page, "از این پس هر امضا")

    page.fill("#rotate-name", f"nasrin-{language}-2.example")
    page.fill("#rotate-passphrase", NEW_PASSPHRASE)
    page.click("#rotate-preview-button")
    page.wait_for_selector("#rotate-preview:not([hidden])", timeout=20_000)
    head = page.locator("#rotate-head").inner_text()
    assert head.startswith(f"firsthand-statement/v1\nauthor {old_vkey}\n")
    assert "kind key-rotation" in head and f"lang {language}" in head
    new_vkey = head.split("\nnew-key ")[1].split("\n")[0]
    assert new_vkey.startswith(f"nasrin-{language}-2.example+")
    assert page.locator("#rotate-old-fingerprint").inner_text() == grouped(old_vkey)
    assert page.locator("#rotate-new-fingerprint").inner_text() == grouped(new_vkey)
    assert page.locator("#rotate-passphrase-step").is_visible() == (language == "fa")
    screenshot(page, f"rotation-{language}")

    if language == "fa":
        page.click("#rotate-confirm-button")  # without the old key's passphrase: refused
        page.wait_for_selector("#rotate-message.error")
        assert "عبارت عبور" in page.locator("#rotate-message").inner_text()
        page.fill("#rotate-old-passphrase", PASSPHRASE)
    page.click("#rotate-confirm-button")
    page.wait_for_selector("#rotate-statement", timeout=30_000)
    screenshot(page, f"rotation-done-{language}")
    index = int(page.locator("#rotate-statement").get_attribute("href").rsplit("/", 1)[1])

    # The log holds a head signed by the old key, then the new one; the server followed it.
    statement = page.request.get(f"{site}/api/v1/statements/{index}").json()
    assert statement["kind"] == "key-rotation" and statement["lang"] == language
    assert (
        statement["body"]
        == {"en": "I now sign with a new key.", "fa": "از این پس با کلیدی تازه امضا می‌کنم."}[
            language
        ]
    )
    signed = statement["head"].encode()
    lines = [s.name for s in parse_note(signed).signatures]
    assert lines == [f"nasrin-{language}.example", f"nasrin-{language}-2.example"]
    assert statement["head"].count("\n\u2014 ") == 2
    assert open_head(signed)[0].author.text() == old_vkey
    assert rotation_is_two_way(signed)

    # The browser now signs with the new key, and offers the new key's file.
    assert page.locator("#current-vkey").inner_text().strip() == new_vkey
    with page.expect_download() as download:
        page.click("#rotate-export-button")
    key_file = tmp_path / "new.key"
    download.value.save_as(key_file)
    assert f"# Your public verifier key: {new_vkey}\n" in key_file.read_text(encoding="utf-8")
    if language == "en":
        later = publish(page, site, prefix, "Signed with my new key.")
        assert (
            page.request.get(f"{site}/api/v1/statements/{later}").json()["author"]["key"]
            == new_vkey
        )
    assert not page.errors


def test_the_write_page_signs_nothing_without_a_persons_click(site: str, page) -> None:
    page.add_init_script(COUNT_SIGNATURES)
    make_key(page, site, "", "omid-clicks.example")
    write_and_preview(page, site, "Only my own click signs this.")
    assert page.locator("#preview-head").inner_text().startswith("firsthand-statement/v1\n")
    before = log_size(page, site)

    # A script (this test, or anything else on the page) calls the page's own button.
    page.evaluate(
        """() => {
          const button = document.getElementById('publish-button');
          button.click();
          button.dispatchEvent(new MouseEvent('click', { bubbles: true }));
        }"""
    )
    page.wait_for_selector("#compose-error:not([hidden])")
    assert "click" in page.locator("#compose-error").inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("window.signatures") == 0
    assert log_size(page, site) == before and "/write" in page.url

    # An edit after the preview voids it: nothing is left to sign until it is shown again.
    page.fill("#text", "Only my own click signs this, edited.")
    assert page.locator("#preview").is_hidden()
    assert page.locator("#preview-head").inner_text() == ""
    assert page.evaluate("window.signatures") == 0

    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    assert log_size(page, site) == before + 1
    index = int(page.url.rsplit("/", 1)[1])
    body = page.request.get(f"{site}/api/v1/statements/{index}").json()["body"]
    assert body == "Only my own click signs this, edited."


def test_the_passphrase_is_asked_for_every_signature_when_the_author_says_so(
    site: str, page
) -> None:
    make_key(page, site, "", "roshan-asks.example")
    page.check("#ask-passphrase")
    wait_for_message(page, "From now on every signature asks for your passphrase")
    kept = page.evaluate(
        """async () => {
          const keys = await import('/static/firsthand/js/keys.js');
          const identity = await keys.loadIdentity();
          return { sealed: identity.sealed, stored: identity.signer.privateKey };
        }"""
    )
    assert kept == {"sealed": True, "stored": None}  # no key that can sign is kept
    before = log_size(page, site)

    for n in (1, 2):
        write_and_preview(page, site, f"Signature number {n}, with my passphrase.")
        assert page.locator("#sign-passphrase").is_visible()
        page.click("#publish-button")
        page.wait_for_selector("#compose-error:not([hidden])")
        assert "passphrase" in page.locator("#compose-error").inner_text()
        page.fill("#sign-passphrase", "not my passphrase at all")
        page.click("#publish-button")
        page.locator("#compose-error", has_text="Wrong passphrase").wait_for(timeout=20_000)
        assert log_size(page, site) == before + n - 1
        page.fill("#sign-passphrase", PASSPHRASE)
        page.click("#publish-button")
        page.wait_for_url("**/statements/*", timeout=20_000)
        assert log_size(page, site) == before + n

    # Turned off: asked once more, then the key stays unlocked in this browser.
    page.goto(f"{site}/identity")
    page.wait_for_selector("#current:not([hidden])")
    assert page.locator("#ask-passphrase").is_checked()
    page.uncheck("#ask-passphrase")
    wait_for_message(page, "asked once more")
    write_and_preview(page, site, "Asked once more.")
    assert page.locator("#sign-passphrase").is_visible()
    page.fill("#sign-passphrase", PASSPHRASE)
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    write_and_preview(page, site, "Not asked now.")
    assert page.locator("#sign-passphrase").is_hidden()
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    assert log_size(page, site) == before + 4
    assert not page.errors


@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_name_with_an_invisible_character_is_refused_in_the_browser(
    site: str, page, language: str
) -> None:
    prefix = "" if language == "en" else "/fa"
    page.goto(f"{site}{prefix}/identity")
    page.fill("#create-name", "Maryam\u00ad")  # a soft hyphen: invisible
    page.fill("#create-passphrase", PASSPHRASE)
    page.click("#create-button")
    page.wait_for_selector("#identity-message.error")
    refusal = page.locator("#identity-message").inner_text()
    assert "U+00AD" in refusal
    assert ("invisible" in refusal) == (language == "en") and ("نامرئی" in refusal) == (
        language == "fa"
    )
    assert page.locator("#current").is_hidden()

    # Persian spelling's zero-width non-joiner between two letters is a name, not a trick.
    name = {"en": "maryam-visible.example", "fa": "مهر\u200cانگیز"}[language]
    make_key(page, site, prefix, name)
    page.goto(f"{site}{prefix}/write?kind=profile")
    page.wait_for_selector("#compose:not([hidden])")
    page.fill("#display-name", "Maryam\u200b")  # a zero-width space
    page.fill("#text", "A bio.")
    page.click("#preview-button")
    page.wait_for_selector("#compose-error:not([hidden])")
    assert "U+200B" in page.locator("#compose-error").inner_text()
    assert page.locator("#preview").is_hidden()
    assert not page.errors
