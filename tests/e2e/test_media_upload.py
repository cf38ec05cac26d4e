"""Attaching a photo on the write page, in Debian's Chromium against `firsthand serve`:
the photo is cleaned in the page before it is sent (no GPS, device or owner byte leaves
the browser), the page shows what the device removed and what the server removed before
anything is signed, the signed head lists the cleaned file, and the statement page shows
it without its GPS location."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from tests.e2e.conftest import screenshot
from tests.e2e.test_authoring import make_key
from tests.media import builders
from tests.media.conftest import exiftool_read

# Keeps a copy of every upload's body as the page sends it (Playwright's request objects
# carry no Blob bodies), so the test sees exactly which bytes left the browser.
RECORD_UPLOADS = """
window.sentMedia = [];
const originalFetch = window.fetch;
window.fetch = async (url, options = {}) => {
  if (String(url).endsWith("/api/v1/media") && options.body) {
    const bytes = new Uint8Array(await new Response(options.body).arrayBuffer());
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    window.sentMedia.push(btoa(text));
  }
  return originalFetch(url, options);
};
"""

TEXT = "This is the courtyard where we were made to wait (a fictional photo)."


def test_an_author_attaches_a_photo_sees_its_gps_removed_and_publishes_it(
    site: str, page, tmp_path: Path
) -> None:
    photo = builders.jpeg_with_everything(tmp_path)
    assert "GPS:GPSLatitude" in exiftool_read(photo)
    other = builders.png_with_text(tmp_path)
    make_key(page, site, "", "courtyard.example")
    page.add_init_script(RECORD_UPLOADS)
    page.goto(f"{site}/write")
    page.wait_for_selector("#compose:not([hidden])")
    page.fill("#text", TEXT)

    page.set_input_files("#media", [str(photo), str(other)])
    page.wait_for_selector(".attachment[data-state='ready'] >> nth=1", timeout=30_000)
    first = page.locator(".attachment").nth(0)
    shown = first.inner_text()
    assert "GPS location: removed" in shown
    assert "Phone or camera model: removed" in shown
    assert "Embedded thumbnail: removed" in shown
    # Both photos were cleaned in the page: what left the browser carries no metadata.
    assert first.get_attribute("data-cleaned-on-device") == "yes"
    assert "Removed on this device, before anything was sent:" in shown
    sent = [base64.b64decode(body) for body in page.evaluate("window.sentMedia")]
    assert sorted(body[:2] for body in sent) == [b"\x89P", b"\xff\xd8"]  # a PNG and a JPEG
    for body in sent:
        for secret in (builders.MODEL, builders.OWNER, builders.SECRET, "Jane's Nikon"):
            assert secret.encode() not in body and secret.encode("utf-16-be") not in body
        assert b"Exif" not in body and b"eXIf" not in body and b"tEXt" not in body
        assert b"http://ns.adobe.com/xap" not in body
    # Chromium's JPEG encoder tags its output with its own generic sRGB profile (the same
    # bytes in every Chromium; the author's "Jane's Nikon" profile is gone, checked above).
    # The server drops it like any profile.
    preview = first.locator("img")
    assert preview.get_attribute("src").startswith("/media/")
    page.wait_for_function(
        "() => document.querySelector('.attachment img').naturalWidth > 0", timeout=10_000
    )
    sha = first.get_attribute("data-sha256")
    screenshot(page, "media-attached-en")

    # Changing one's mind: the PNG is removed and is not signed.
    page.locator(".attachment").nth(1).locator("button.remove").click()
    assert page.locator(".attachment").count() == 1

    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    head = page.locator("#preview-head").inner_text()
    listed = re.findall(r"^media sha256:([0-9a-f]{64}) (\S+) (\d+)$", head, re.M)
    assert [(m[0], m[1]) for m in listed] == [(sha, "image/jpeg")]
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)

    thumb = page.locator(".media-list img")
    assert thumb.get_attribute("alt") == "Photo (image/jpeg)"
    page.wait_for_function(
        "() => document.querySelector('.media-list img').naturalWidth > 0", timeout=10_000
    )
    screenshot(page, "media-statement-en")
    link = page.locator(".media-list a").first.get_attribute("href")
    assert link == f"/media/{sha}"
    served = page.request.get(f"{site}{link}")
    assert served.status == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    copy = tmp_path / "served.jpg"
    copy.write_bytes(served.body())
    assert len(served.body()) == int(listed[0][2])
    assert not [key for key in exiftool_read(copy) if "GPS" in key]
    assert not page.errors
