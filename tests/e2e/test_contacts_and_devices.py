"""Naming trusted contacts and adding a device (docs/recovery.md) in Debian's Chromium, in
Persian on a phone: the contacts statement is signed in the browser, and a second browser
(the new device) makes its own key, which the first browser's key certifies from a pasted
request; the device then publishes as the author. No private key leaves its browser."""

from __future__ import annotations

from firsthand.log.note import Signer
from firsthand.statements.identity import fingerprint
from tests.e2e.conftest import screenshot
from tests.e2e.test_authoring import PASSPHRASE, publish
from tests.e2e.test_recovery import make_key_with_sheet

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_an_author_names_contacts_and_adds_a_device_in_persian_on_a_phone(
    site: str, page, browser
) -> None:
    _words, grouped = make_key_with_sheet(page, site, "golnar.example")
    page.check("#sheet-saved")
    page.wait_for_selector("#recovery-sheet", state="hidden")  # kept: signing may begin
    publish(page, site, "/fa", "نخستین بیانیهٔ من.")
    friends = [Signer.generate(f"golnar-friend{i}.example") for i in range(2)]

    page.goto(f"{site}/fa/identity/contacts")
    page.fill("#contacts-keys", "\n".join(f.verifier().text() for f in friends))
    page.fill("#contacts-threshold", "۲")  # Persian digits are read
    page.click("#contacts-preview-button")
    page.wait_for_selector("#contacts-preview:not([hidden])")
    assert "threshold 2" in page.locator("#contacts-head").inner_text()
    assert page.evaluate(FITS)
    screenshot(page, "contacts-preview-fa")
    page.click("#contacts-confirm-button")
    link = page.wait_for_selector("#contacts-statement", timeout=20_000)
    named = page.request.get(
        f"{site}/api/v1/statements/{link.get_attribute('href').rsplit('/', 1)[1]}"
    )
    assert named.json()["kind"] == "contacts"
    author = page.request.get(f"{site}/api/v1/authors/{grouped.replace(' ', '')}").json()
    assert author["contacts"]["threshold"] == 2
    assert author["contacts"]["contacts"] == sorted(fingerprint(f.verifier()) for f in friends)

    # The new device: another browser, its own key, a request to copy.
    phone = browser.new_context(viewport={"width": 360, "height": 780}, accept_downloads=True)
    device = phone.new_page()
    device.goto(f"{site}/fa/identity/device")
    device.fill("#device-identity", grouped)
    device.fill("#device-name", "golnar.phone")
    device.fill("#device-passphrase", PASSPHRASE)
    device.click("#device-request-button")
    device.wait_for_selector("#device-export-button", timeout=20_000)
    request = device.locator("#device-request-out").input_value()
    assert "kind device" in request and device.evaluate(FITS)
    screenshot(device, "device-request-fa")

    page.goto(f"{site}/fa/identity/device")
    page.fill("#device-request-in", request)
    page.click("#device-preview-button")
    page.wait_for_selector("#device-preview:not([hidden])")
    page.click("#device-confirm-button")
    page.wait_for_selector("#device-statement", timeout=20_000)

    from_phone = publish(device, site, "/fa", "از گوشی تازه‌ام می‌نویسم.")
    shown = device.request.get(f"{site}/api/v1/statements/{from_phone}").json()
    assert shown["device_of"]["identity_fingerprint"] == grouped.replace(" ", "")
    card = device.locator("p.device-line").inner_text()
    assert "از دستگاه" in card and "golnar.phone" in card
    phone.close()
