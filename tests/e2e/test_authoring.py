"""Writing in the browser: a key made in the page, a statement signed in the page and
published, the key exported and imported elsewhere, a denial of a fabricated text.
In English and in Persian, in Debian's Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot
from tests.serving import ROOT

PASSPHRASE = "correct horse battery staple"
TEXTS = {
    "en": "I, Parisa (a fictional author), left the Circle of Dawn in 2020 of my own will.",
    "fa": "من، پریسا (نویسنده‌ای خیالی)، در سال ۱۳۹۹ به خواست خودم از «حلقهٔ سپیده» جدا شدم.",
}


def make_key(page, site: str, prefix: str, name: str, *, save_sheet: bool = True) -> None:
    page.goto(f"{site}{prefix}/identity")
    page.fill("#create-name", name)
    page.fill("#create-passphrase", PASSPHRASE)
    page.click("#create-button")
    page.wait_for_selector("#current:not([hidden])", timeout=20_000)
    assert page.locator("#current-vkey").inner_text().startswith(name + "+")
    if save_sheet:  # the recovery sheet: nothing is signed before the author says it is saved
        page.wait_for_selector("#recovery-sheet:not([hidden])", timeout=20_000)
        page.check("#sheet-saved")
        page.wait_for_selector("#recovery-sheet", state="hidden")


def publish(page, site: str, prefix: str, text: str, kind: str = "declaration") -> int:
    page.goto(f"{site}{prefix}/write?kind={kind}")
    page.wait_for_selector("#compose:not([hidden])")
    page.fill("#text", text)
    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    preview = page.locator("#preview-head").inner_text()
    assert preview.startswith("firsthand-statement/v1\nauthor ")
    assert f"kind {kind}" in preview
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    return int(page.url.rsplit("/", 1)[1])


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_author_makes_a_key_publishes_and_sees_it_verified(
    site: str, page, language: str
) -> None:
    prefix = "" if language == "en" else "/fa"
    make_key(page, site, prefix, f"parisa-{language}.example")
    screenshot(page, f"identity-made-{language}")
    index = publish(page, site, prefix, TEXTS[language])
    assert page.locator(".badge.ok").is_visible()
    assert TEXTS[language] in page.locator(".body").inner_text()
    page.wait_for_selector("#browser-check[data-verified='yes']", timeout=15_000)
    screenshot(page, f"published-{language}")
    statement = page.request.get(f"{site}/api/v1/statements/{index}").json()
    assert statement["author"]["name"] == f"parisa-{language}.example"
    assert statement["lang"] == language
    assert not page.errors


def test_the_key_is_exported_sealed_reimported_elsewhere_and_read_by_the_cli(
    site: str, browser, page, tmp_path: Path
) -> None:
    make_key(page, site, "", "roya.example")
    vkey = page.locator("#current-vkey").inner_text()
    with page.expect_download() as download:
        page.click("#export-button")
    key_file = tmp_path / "roya.key"
    download.value.save_as(key_file)
    assert "FIRSTHAND-SEALED-KEY-V1+" in key_file.read_text(encoding="utf-8")

    # Another device: a fresh browser profile imports the file with its passphrase.
    other = browser.new_context(viewport={"width": 1024, "height": 800})
    second = other.new_page()
    second.goto(f"{site}/identity")
    second.set_input_files("#import-file", str(key_file))
    second.fill("#import-passphrase", PASSPHRASE)
    second.click("#import-button")
    second.wait_for_selector("#current:not([hidden])", timeout=20_000)
    assert second.locator("#current-vkey").inner_text() == vkey
    index = publish(second, site, "", "Signed on my second device, with the same key.")
    assert second.request.get(f"{site}/api/v1/statements/{index}").json()["author"]["key"] == vkey
    other.close()

    # The wrong passphrase is refused with a message, not a crash.
    third = browser.new_context()
    page3 = third.new_page()
    page3.goto(f"{site}/identity")
    page3.set_input_files("#import-file", str(key_file))
    page3.fill("#import-passphrase", "not the passphrase at all")
    page3.click("#import-button")
    page3.wait_for_selector("#identity-message.error")
    assert page3.locator("#current").is_hidden()
    third.close()

    # The CLI signs with the same sealed file, given the passphrase.
    os.chmod(key_file, 0o600)
    (tmp_path / "t.txt").write_text("Signed with the CLI.\n", encoding="utf-8")
    signed = subprocess.run(
        [
            sys.executable,
            "-m",
            "firsthand.cli",
            "sign",
            "--key",
            str(key_file),
            str(tmp_path / "t.txt"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "FIRSTHAND_PASSPHRASE": PASSPHRASE},
        timeout=60,
    )
    assert signed.returncode == 0, signed.stderr
    assert f"author {vkey}" in signed.stdout


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_author_denies_a_fabricated_text(site: str, page, language: str) -> None:
    prefix = "" if language == "en" else "/fa"
    make_key(page, site, prefix, f"kaveh-{language}.example")
    fabricated = {
        "en": "I, Kaveh, confess that everything I said about the Circle was a lie.",
        "fa": "من، کاوه، اعتراف می‌کنم که هر چه دربارهٔ حلقه گفتم دروغ بود.",
    }[language]
    page.goto(f"{site}{prefix}/write?kind=denial")
    page.wait_for_selector("#compose:not([hidden])")
    assert page.locator(".for-denial").is_visible()
    page.fill("#denied", fabricated)
    page.fill("#seen-at", "a fictional website, 3 March 2026")
    page.fill("#text", {"en": "This text is not mine.", "fa": "این متن از من نیست."}[language])
    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    preview = page.locator("#preview-head").inner_text()
    assert "kind denial" in preview and "refers text:" in preview
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    assert page.locator("section.denied").is_visible()
    screenshot(page, f"denial-{language}")
    index = int(page.url.rsplit("/", 1)[1])
    statement = page.request.get(f"{site}/api/v1/statements/{index}").json()
    expected = page.request.post(
        f"{site}/api/v1/text-hash",
        data=fabricated.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    ).json()["sha256"]
    assert statement["refers"] == [f"text:{expected}"]
    assert fabricated in statement["body"]
    assert not page.errors


def test_the_site_makes_no_third_party_request(site: str, page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    for path in ["/", "/fa/", "/statements/0", "/write", "/identity", "/about", "/search?q=x"]:
        page.goto(f"{site}{path}")
        page.wait_for_load_state("networkidle")
    assert requests and all(url.startswith(site) or url.startswith("blob:") for url in requests)
    assert not json.dumps(requests).count("http://") - json.dumps(requests).count(site)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_author_vouches_for_another_authors_key(site: str, page, browser, language: str) -> None:
    prefix = "" if language == "en" else "/fa"
    # The person vouched for makes a key and publishes, in a browser of their own.
    other = browser.new_context(viewport={"width": 360, "height": 780})
    try:
        theirs = other.new_page()
        make_key(theirs, site, prefix, f"arash-{language}.example")
        subject = theirs.locator("#current-vkey").inner_text().strip()
        publish(theirs, site, prefix, "I, Arash (a fictional author), left in 2021.")
    finally:
        other.close()
    make_key(page, site, prefix, f"leila-{language}.example")
    page.goto(f"{site}{prefix}/write?kind=vouch")
    page.wait_for_selector("#compose:not([hidden])")
    assert page.locator(".for-vouch").is_visible()
    page.fill("#subject", subject)
    page.fill(
        "#text", {"en": "I have known Arash since 2015.", "fa": "آرش را از ۱۳۹۴ می‌شناسم."}[language]
    )
    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    preview = page.locator("#preview-head").inner_text()
    assert "kind vouch" in preview and f"subject {subject}" in preview
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    assert page.locator("p.subject").is_visible()
    page.locator("p.subject a").click()
    page.wait_for_url("**/authors/*")
    vouches = page.locator("section[aria-labelledby=vouches]")
    assert vouches.is_visible() and f"leila-{language}.example" in vouches.inner_text()
    screenshot(page, f"vouched-author-{language}")
    assert not page.errors


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_author_signs_a_display_name_and_bio_that_their_page_shows(
    site: str, page, language: str
) -> None:
    prefix = "" if language == "en" else "/fa"
    make_key(page, site, prefix, f"sima-{language}.example")
    key_id = page.locator("#current-vkey").inner_text().strip().split("+")[1]
    shown = {"en": "Sima R. (a fictional author)", "fa": "سیما ر. (نویسنده‌ای خیالی)"}[language]
    page.goto(f"{site}{prefix}/write?kind=profile")
    page.wait_for_selector("#compose:not([hidden])")
    assert page.locator(".for-profile").is_visible()
    page.fill("#display-name", shown)
    bio = {"en": "I left in 2018 and write about it.", "fa": "در ۱۳۹۷ جدا شدم و از آن می‌نویسم."}
    page.fill("#text", bio[language])
    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    preview = page.locator("#preview-head").inner_text()
    assert "kind profile" in preview and f"name {shown}" in preview
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    page.goto(f"{site}{prefix}/authors/{key_id}")
    assert page.locator("h1").inner_text() == shown
    assert bio[language] in page.locator("p.bio").inner_text()
    screenshot(page, f"profile-{language}")
    assert not page.errors
