"""Attaching a photo on the write page, in Debian's Chromium against `firsthand serve`:
the photo is cleaned in the page before it is sent (no GPS, device or owner byte leaves
the browser), the page shows what the device removed and what the server removed before
anything is signed, the signed head lists the cleaned file, and the statement page shows
it without its GPS location."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from PIL import Image

from firsthand.media import clean
from tests.e2e.conftest import screenshot
from tests.e2e.test_authoring import make_key
from tests.media import builders, corpus
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


def _pixels(data: bytes, where: list[tuple[int, int]]) -> list[tuple[int, ...]]:
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return [rgb.getpixel(point) for point in where]


def _gaps(ours: list[tuple[int, ...]], theirs: list[tuple[int, ...]]) -> list[int]:
    """Per pixel, the largest difference of a channel."""
    return [
        max(abs(a - b) for a, b in zip(one, other, strict=True))
        for one, other in zip(ours, theirs, strict=True)
    ]


def _thumbnail(data: bytes) -> list[tuple[int, ...]]:
    """The picture at 32x24 (or 24x32) in sRGB, to compare two encodings of one photo."""
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB").resize((image.width // 126, image.height // 126))
        return [small.getpixel((x, y)) for y in range(small.height) for x in range(small.width)]


# Colours inside both gamuts whose Display P3 and sRGB values differ by 15 to 60 levels:
# taken as sRGB (the decoder's raw values), they would come out visibly wrong.
P3_COLOURS = [(180, 60, 60), (60, 160, 80), (70, 90, 170)]


def _p3_heic(directory: Path, profile: bytes) -> Path:
    picture = Image.new("RGB", (240, 160))
    for number, colour in enumerate(P3_COLOURS):
        picture.paste(colour, (number * 80, 0, number * 80 + 80, 160))
    path = directory / "p3.heic"
    picture.save(path, format="HEIF", icc_profile=profile, quality=95)
    return path


def test_an_iphone_heic_is_decoded_in_the_page_and_sent_as_a_clean_jpeg(
    site: str, page, tmp_path: Path
) -> None:
    # Chromium cannot decode HEIC: libheif (WebAssembly) does, in a worker fetched only
    # once a HEIC is picked. No byte of the original leaves the browser.
    corpus.corpus_dir()
    gps_photo = corpus.path_of(corpus.sample("pillow-heif/heif_other_pug.heic"))
    turned = corpus.path_of(corpus.sample("pillow-heif/heif_other_arrow.heic"))
    with Image.open(gps_photo) as iphone:  # its Display P3 profile, for a test picture
        saturated = _p3_heic(tmp_path, iphone.info["icc_profile"])
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    make_key(page, site, "", "heic.example")
    page.add_init_script(RECORD_UPLOADS)
    page.goto(f"{site}/write")
    page.wait_for_selector("#compose:not([hidden])")
    assert not [url for url in fetched if "libheif" in url]  # nothing until a HEIC is picked

    page.set_input_files("#media", [str(gps_photo), str(turned), str(saturated)])
    page.wait_for_selector(".attachment[data-state='ready'] >> nth=2", timeout=120_000)
    assert [url for url in fetched if url.endswith("/vendor/libheif/libheif.wasm")]
    first = page.locator(".attachment").nth(0)
    assert first.get_attribute("data-cleaned-on-device") == "yes"
    shown = first.inner_text()
    assert "Removed on this device, before anything was sent:" in shown
    assert "GPS location: removed" in shown and "Phone or camera model: removed" in shown
    sent = [base64.b64decode(body) for body in page.evaluate("window.sentMedia")]
    assert [body[:3] for body in sent] == [b"\xff\xd8\xff"] * 3  # JPEGs, made in the page
    originals = [gps_photo.read_bytes(), turned.read_bytes(), saturated.read_bytes()]
    for body in sent:
        assert b"ftyp" not in body and b"Exif" not in body and b"iPhone" not in body
        assert b"Apple" not in body and b"Display P3" not in body
        assert not any(original[-4096:] in body for original in originals)
    # The same pictures the server makes from the originals: upright (the iPhone 8 photo
    # is stored on its side) and in the same colours (Display P3 to sRGB). They were
    # decoded side by side, so they may have been sent in any order.
    by_size = {}
    for original in originals:
        server = clean(original).data
        with Image.open(io.BytesIO(server)) as theirs:
            by_size[theirs.size] = server
    assert sorted(by_size) == [(240, 160), (3024, 4032), (4032, 3024)]
    for body in sent:
        with Image.open(io.BytesIO(body)) as mine:
            server = by_size.pop(mine.size)
        if len(body) < 50_000:  # the P3 picture: each colour as the server converts it
            centres = [(number * 80 + 40, 80) for number in range(len(P3_COLOURS))]
            assert max(_gaps(_pixels(body, centres), _pixels(server, centres))) <= 6
        else:
            differences = _gaps(_thumbnail(body), _thumbnail(server))
            assert sum(differences) / len(differences) < 3
    assert not page.errors

    # A HEIC the library cannot decode is not sent as it is: it stays on the device.
    damaged = corpus.path_of(corpus.sample("pillow-heif/heif_corrupted_corrupted.heic"))
    page.set_input_files("#media", [str(damaged)])
    page.wait_for_selector(".attachment[data-state='failed']", timeout=60_000)
    assert len(page.evaluate("window.sentMedia")) == 3
