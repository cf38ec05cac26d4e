"""The recovery sheet (issue 17, docs/recovery.md) in Debian's Chromium, in Persian on a phone:
a new key comes with a recovery key shown once as 24 words and a QR code; nothing is signed
before the author says the sheet is saved; the first statement names the recovery key; a
fresh browser recovers the identity from the words alone, or revokes the stolen key."""

from __future__ import annotations

from pathlib import Path

from firsthand.log.note import Verifier, parse_note
from firsthand.statements.format import parse_head_text
from firsthand.statements.identity import fingerprint
from tests.e2e.conftest import screenshot
from tests.e2e.test_authoring import PASSPHRASE, publish

NEW_PASSPHRASE = "a new passphrase for the recovered key"
RECOVERY_KEY_OF_WORDS = """async (words) => {
  const { seedFromWords } = await import('/static/firsthand/js/recovery-words.js');
  const { signerFromSeed } = await import('/static/firsthand/js/keys.js');
  return (await (await signerFromSeed('recovery', await seedFromWords(words))).verifier()).text;
}"""


def head_of(page, site: str, index: int):
    statement = page.request.get(f"{site}/api/v1/statements/{index}").json()
    return parse_head_text(parse_note(statement["head"].encode()).text)


def make_key_with_sheet(page, site: str, name: str) -> tuple[list[str], str]:
    """Make a key on the Persian "My key" page; the sheet's words and fingerprint."""
    page.goto(f"{site}/fa/identity")
    page.fill("#create-name", name)
    page.fill("#create-passphrase", PASSPHRASE)
    page.click("#create-button")
    page.wait_for_selector("#recovery-sheet:not([hidden])", timeout=20_000)
    words = page.locator("#sheet-words li").all_inner_texts()
    return words, page.locator("#sheet-fingerprint").inner_text()


def test_an_author_recovers_their_identity_from_the_sheet_in_a_fresh_browser(
    site: str, page, browser, tmp_path: Path
) -> None:
    words, grouped = make_key_with_sheet(page, site, "parvin-sheet.example")
    old_vkey = page.locator("#current-vkey").inner_text().strip()
    old = fingerprint(Verifier.from_text(old_vkey))
    assert len(words) == 24 and grouped.replace(" ", "") == old
    assert page.locator("#sheet-qr svg path").count() == 1
    sheet = page.locator("#recovery-sheet").inner_text()
    assert "چاپ کنید" in sheet and "دور از این گوشی" in sheet  # print it, away from this phone
    # Only the recovery key's public half is kept, and the sheet is not yet said saved.
    kept = page.evaluate(
        """async () => {
          const keys = await import('/static/firsthand/js/keys.js');
          return keys.loadPendingRecovery((await keys.loadIdentity()).signer);
        }"""
    )
    recovery_vkey = page.evaluate(RECOVERY_KEY_OF_WORDS, " ".join(words))
    assert kept == {"recoveryKey": recovery_vkey, "sheetSaved": False}
    screenshot(page, "recovery-sheet-fa")
    page.emulate_media(media="print")
    assert page.locator("header.site").is_hidden() and page.locator("#create").is_hidden()
    assert page.locator("#sheet-words").is_visible() and page.locator("#sheet-saved").is_hidden()
    screenshot(page, "recovery-sheet-print-fa")
    page.emulate_media(media="screen")

    page.check("#sheet-saved")
    page.wait_for_selector("#recovery-sheet", state="hidden")
    assert page.locator("#sheet-words li").count() == 0  # the words are gone from the page
    first = publish(page, site, "/fa", "نخستین بیانیهٔ من، با برگهٔ بازیابی.")
    assert head_of(page, site, first).recovery.text() == recovery_vkey

    # A fresh browser: no key, nothing kept. A mistyped word is named.
    fresh = browser.new_context(viewport={"width": 360, "height": 780}, accept_downloads=True)
    other = fresh.new_page()
    other.goto(f"{site}/fa/identity")
    assert other.locator("#current").is_hidden()
    typo = [*words]
    typo[4] = "zzzz"
    other.fill("#recover-words", " ".join(typo))
    other.fill("#recover-lost", grouped)
    other.fill("#recover-name", "parvin-new.example")
    other.fill("#recover-passphrase", NEW_PASSPHRASE)
    other.click("#recover-preview-button")
    other.wait_for_selector("#recover-message.error")
    refusal = other.locator("#recover-message").inner_text()
    assert "«zzzz»" in refusal and "۵" in refusal
    swapped = [*words]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    if swapped != words:
        other.fill("#recover-words", " ".join(swapped))
        other.click("#recover-preview-button")
        other.locator("#recover-message", has_text="جور نیستند").wait_for()
    assert other.locator("#recover-preview").is_hidden()

    other.fill("#recover-words", "\n".join(f"{n}. {w}" for n, w in enumerate(words, 1)))
    other.click("#recover-preview-button")
    other.wait_for_selector("#recover-preview:not([hidden])", timeout=20_000)
    head = other.locator("#recover-head").inner_text()
    assert f"author {recovery_vkey}\n" in head and "kind recovery" in head
    assert f"subject {old_vkey}\n" in head
    new_vkey = head.split("\nnew-key ")[1].split("\n")[0]
    screenshot(other, "recovery-preview-fa")
    other.click("#recover-confirm-button")
    other.wait_for_selector("#recover-statement", timeout=30_000)
    assert other.locator("#current-vkey").inner_text().strip() == new_vkey
    with other.expect_download() as download:
        other.click("#recover-export-button")
    key_file = tmp_path / "new.key"
    download.value.save_as(key_file)
    assert f"# Your public verifier key: {new_vkey}\n" in key_file.read_text(encoding="utf-8")

    # The new key publishes, naming the same recovery key, as the same author.
    later = publish(other, site, "/fa", "ادامه با کلید تازه.")
    later_head = head_of(other, site, later)
    assert later_head.author.text() == new_vkey
    assert later_head.recovery.text() == recovery_vkey
    author = other.request.get(f"{site}/api/v1/authors/{old}").json()
    assert later in [s["index"] for s in author["statements"]]
    assert first in [s["index"] for s in author["statements"]]
    assert fingerprint(Verifier.from_text(new_vkey)) in author["successors"]
    # One author on the page readers see: the words before the loss and after the recovery.
    other.goto(f"{site}/fa/authors/{old}")
    for index in (first, later):
        assert other.locator(f'a[href$="/statements/{index}"]').count() >= 1
    assert not page.errors
    fresh.close()


def test_a_stolen_key_is_revoked_with_the_sheet(site: str, page, browser) -> None:
    words, _ = make_key_with_sheet(page, site, "kian-stolen.example")
    old_vkey = page.locator("#current-vkey").inner_text().strip()
    page.check("#sheet-saved")
    page.wait_for_selector("#recovery-sheet", state="hidden")
    first = publish(page, site, "/fa", "بیانیهٔ خودم.")
    thief = publish(page, site, "/fa", "این را دزد نوشت.")

    fresh = browser.new_context(viewport={"width": 360, "height": 780})
    other = fresh.new_page()
    other.goto(f"{site}/fa/identity")
    other.fill("#recover-words", " ".join(words))
    other.fill("#recover-lost", old_vkey)
    other.select_option("#recover-what", "revocation")
    assert other.locator("#recover-name").is_hidden()
    other.fill("#recover-from", "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in str(thief)))
    other.click("#recover-preview-button")
    other.wait_for_selector("#recover-preview:not([hidden])", timeout=20_000)
    head = other.locator("#recover-head").inner_text()
    assert "kind revocation" in head and f"from {thief}\n" in head and "new-key" not in head
    other.click("#recover-confirm-button")
    other.wait_for_selector("#recover-statement", timeout=30_000)
    assert other.locator("#current").is_hidden()  # nothing kept: only a revocation
    stolen = other.request.get(f"{site}/api/v1/statements/{thief}").json()
    kept = other.request.get(f"{site}/api/v1/statements/{first}").json()
    assert stolen["stolen_key"] and not kept.get("stolen_key")
    # The reader's browser verifies the bundle itself (verify.js), and the bundle carries the
    # revocation: the thief's statement is verified as the log's, and named as not the author's.
    other.goto(f"{site}/fa/statements/{thief}")
    other.wait_for_selector("#browser-check[data-verified]", timeout=20_000)
    assert other.locator("#browser-check").get_attribute("data-verified") == "stolen"
    status = other.locator("#browser-check .status").inner_text()
    assert "شاید این‌ها سخنان نویسنده نباشند" in status
    assert other.locator('.steps li[data-check="revocations"].ok').count() == 1
    screenshot(other, "stolen-key-verified-fa")
    other.goto(f"{site}/fa/statements/{first}")
    other.wait_for_selector("#browser-check[data-verified]", timeout=20_000)
    assert other.locator("#browser-check").get_attribute("data-verified") == "yes"
    fresh.close()
