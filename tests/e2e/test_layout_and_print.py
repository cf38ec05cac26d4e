"""Phone layout, the printable proof, the write page's drafts, and the journalist's
offline check, in Debian's Chromium against a site with a witness and a photo.

Every page and state (every_state.py), in both languages, at 360 px and at 1280 px:
nothing may be wider than the screen (a long key or command line once made the Persian
"How it works" 580 px wide on a 390 px phone). Screenshots of each go to
tests/e2e/screenshots/layout/ (git ignores the screenshots). A short statement's proof
prints on one A4 page; a long one carries every proof detail and the QR code on page one
and runs on to numbered pages. The QR code, decoded by zbar from the rendered PDF, leads
back to the statement.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import cryptography
import pytest
from PIL import Image
from playwright.sync_api import expect

from firsthand.log.note import Signer, Verifier
from firsthand.statements.format import Media, sign_statement
from firsthand.statements.identity import fingerprint
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.every_state import every_state, seed
from tests.e2e.test_authoring import make_key
from tests.e2e.test_persian_text import english_in
from tests.serving import load_demo, running_server
from tests.statements.test_cli import firsthand
from tests.test_witnessed_log import _wait_for_cosigned_checkpoint, running_witness

SHOTS = SCREENSHOTS / "layout"
WITNESS_ABOUT = "Run by the Example Press Freedom Desk, Berlin, on its own server"
PHOTO_TEXT = "The courtyard where we were made to wait, photographed that day (fictional)."
# An overflow names the elements that stick out, to find the culprit from the failure alone.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const out = [...document.querySelectorAll("body *")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > width + 1 || r.left < -1);
  });
  return `${document.documentElement.scrollWidth}px: ` + out.slice(-4).map(
    (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + [...e.classList].join(".")
  ).join(" ");
}"""


def _post(url: str, data: bytes, content_type: str) -> dict:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (40, 120, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def witnessed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The demo, a witness whose operator says who runs it, and a statement with a photo."""
    data = tmp_path_factory.mktemp("layout-data")
    load_demo(data)
    log_key = firsthand("log-key", "--data", str(data), cwd=data).stdout.strip()
    origin = Verifier.from_text(log_key).name
    with (
        running_witness(tmp_path_factory.mktemp("layout-witness"), origin, log_key) as (
            witness_url,
            witness_key,
        ),
        running_server(
            data,
            *("--period", "0.05", "--witness", f"{witness_url}={witness_key}"),
            *("--witness-about", f"{witness_key.split('+')[0]}={WITNESS_ABOUT}"),
        ) as url,
    ):
        photo = _post(f"{url}/api/v1/media", _photo(), "image/jpeg")
        media = Media(photo["sha256"], photo["type"], photo["size"])
        author = Signer.generate("layout.example")
        statement = sign_statement(author, PHOTO_TEXT, media=[media])
        answer = _post(
            f"{url}/api/v1/statements", statement.file_bytes(), "text/plain; charset=utf-8"
        )
        seeded = seed(url)  # every page and state needs a few more statements
        _wait_for_cosigned_checkpoint(url, witness_key, seeded.long_index + 1)
        yield {
            "seeded": seeded,
            "url": url,
            "index": answer["index"],
            "photo": photo["sha256"],
            "log_key": log_key,
            "witness_key": witness_key,
            "author": fingerprint(author.verifier()),
        }


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # JPEG: some 180 full pages a run, each written in a fraction of a PNG's time.
    page.screenshot(path=str(SHOTS / f"{name}.jpg"), full_page=True, type="jpeg", quality=70)


def test_no_page_is_wider_than_a_phone_in_either_language(witnessed_site: dict, browser) -> None:
    """Every page and state (every_state.py), in both languages, at 360 px and 1280 px;
    in Persian, with this site's witness and photo, no English either (test_persian_text)."""
    site, seeded = witnessed_site["url"], witnessed_site["seeded"]
    failures = []
    errors: list[str] = []
    for language, prefix in (("en", ""), ("fa", "/fa")):
        # A browser of its own per language: the walk ends with a key made in it.
        context = browser.new_context(viewport={"width": 360, "height": 780})
        page = context.new_page()
        at = ["start"]  # the state a script error happened in, to name it
        page.on("pageerror", lambda error, at=at: errors.append(f"{at[0]}: {error}"))
        walk = every_state(
            page, site, prefix, seeded, f"layout-{language}.example", witnessed_site["index"]
        )
        for name in walk:
            at[0] = f"{name} ({language})"
            if language == "fa":  # with a witness and a photo: states the other crawl lacks
                failures.extend(english_in(page, name))
            for width in (360, 1280):
                page.set_viewport_size({"width": width, "height": 780})
                wide = page.evaluate(OVERFLOW)
                if wide:
                    failures.append(f"{name} ({language}, {width} px) is {wide}")
                _shoot(page, f"{name}-{language}-{width}")
            page.set_viewport_size({"width": 360, "height": 780})
        context.close()
    assert not failures, "\n".join(failures)
    assert not errors, errors


def _printed(page, pdf: Path) -> tuple[int, str]:
    """Print ``page`` to an A4 PDF: its number of pages, and the QR code read from page one
    (rendered to tests/e2e/screenshots/layout/ as a PNG, decoded by zbar)."""
    page.pdf(path=str(pdf), format="A4", print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = re.search(r"^Pages:\s+(\d+)$", info.stdout, re.MULTILINE)
    assert pages is not None, info.stdout
    png = SHOTS / pdf.stem
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-singlefile", str(pdf), str(png)],
        check=True,
    )
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", f"{png}.png"], capture_output=True, text=True
    )
    assert decoded.returncode == 0, decoded.stderr
    return int(pages.group(1)), decoded.stdout.strip()


def _page_text(pdf: Path, number: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_proof_prints_on_one_a4_page_whose_qr_code_leads_back(
    witnessed_site: dict, browser, tmp_path: Path
) -> None:
    for tool in ("pdfinfo", "pdftoppm", "pdftotext", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing; `make test` installs poppler-utils and zbar-tools")
    site, index = witnessed_site["url"], witnessed_site["index"]
    long_index = witnessed_site["seeded"].long_index

    def leaf_of(number: int) -> str:
        answer = urllib.request.urlopen(f"{site}/api/v1/statements/{number}").read()
        return json.loads(answer)["leaf_hash"]

    leaf = leaf_of(index)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for language, prefix in (("en", ""), ("fa", "/fa")):
        page.goto(f"{site}{prefix}/statements/{index}/print")
        page.wait_for_selector("#proof-qr[data-drawn='yes'] svg")
        shown = page.locator("main").inner_text()
        assert WITNESS_ABOUT in shown  # who runs the witness that cosigned
        assert witnessed_site["log_key"] in shown and witnessed_site["witness_key"] in shown
        page.goto(f"{site}{prefix}/statements/{index}")
        assert WITNESS_ABOUT in page.locator(".verification .checks").inner_text()
        page.goto(f"{site}{prefix}/about")
        assert WITNESS_ABOUT in page.locator(".witnesses").inner_text()
        page.goto(f"{site}{prefix}/statements/{index}/print")
        page.wait_for_selector("#proof-qr[data-drawn='yes'] svg")
        pages, scanned = _printed(page, tmp_path / f"print-pdf-{language}.pdf")
        assert pages == 1
        assert scanned == f"{site}{prefix}/statements/{index}#leaf={leaf}"

        # A long text: page one still carries every proof detail and the QR code, and the
        # text runs on to numbered pages marked as the proof's continuation.
        page.goto(f"{site}{prefix}/statements/{long_index}/print")
        page.wait_for_selector("#proof-qr[data-drawn='yes'] svg")
        pdf = tmp_path / f"print-long-pdf-{language}.pdf"
        pages, scanned_long = _printed(page, pdf)
        assert pages > 1
        assert scanned_long == f"{site}{prefix}/statements/{long_index}#leaf={leaf_of(long_index)}"
        first, second = _page_text(pdf, 1), _page_text(pdf, 2)
        details = page.locator(".proof-log code").all_text_contents()  # leaf, log, root hash
        assert details and all(d.strip()[:16] in first for d in details)
        assert "verify" in first  # the offline instructions' command, on page one too
        if language == "en":
            assert "page 1 of" in first and "continued" not in first
            assert f"page 2 of {pages}" in second and "(continued)" in second
            assert "2th day of the retreat" in first + second  # the text goes on
    # Following the code: the page says the paper names this statement. A forged sheet
    # whose code carries another statement's leaf hash is told apart.
    page.goto(scanned)
    page.wait_for_selector("#linked-leaf[data-matches='yes']")
    page.goto(scanned.replace(f"/statements/{index}#", "/statements/1#"))
    page.wait_for_selector("#linked-leaf[data-matches='no'].warning")
    context.close()


def test_a_journalist_runs_the_pages_command_with_the_served_verifier(
    witnessed_site: dict, browser, tmp_path: Path
) -> None:
    """The statement page's command, keys filled in, checks the downloaded bundle with the
    single file the site serves, and names the photo's hash and the witness."""
    site, index = witnessed_site["url"], witnessed_site["index"]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site}/statements/{index}")
    command = page.locator("details.offline-check pre.command").text_content()
    assert "KEY" not in command.split() and witnessed_site["log_key"] in command
    served_sha = page.locator("#verifier-sha256").text_content()
    context.close()
    verifier = urllib.request.urlopen(f"{site}/download/firsthand-verify.pyz").read()
    assert hashlib.sha256(verifier).hexdigest() == served_sha
    (tmp_path / "firsthand-verify.pyz").write_bytes(verifier)
    bundle = urllib.request.urlopen(f"{site}/api/v1/statements/{index}/bundle").read()
    (tmp_path / f"statement-{index}.bundle.json").write_bytes(bundle)
    words = command.split()
    assert words[:2] == ["python3", "firsthand-verify.pyz"]
    # Only the verifier's own two packages and cryptography: with no site packages (-S), this
    # checkout's editable firsthand is out of reach, and cryptography's folder is given alone.
    packages = str(Path(cryptography.__file__).resolve().parents[1])
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": packages}
    done = subprocess.run(
        [sys.executable, "-S", *words[1:]], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert f"Covers the file sha256:{witnessed_site['photo']} (image/jpeg" in done.stdout
    assert "Cosigned by the witness" in done.stdout
    tampered = json.loads(bundle)
    tampered["body"] = tampered["body"].replace("courtyard", "garden")
    (tmp_path / f"statement-{index}.bundle.json").write_text(json.dumps(tampered))
    refused = subprocess.run(
        [sys.executable, "-S", *words[1:]], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert refused.returncode == 1 and "altered" in refused.stderr


def test_the_write_page_explains_a_missing_key_and_keeps_an_encrypted_draft(
    witnessed_site: dict, browser
) -> None:
    site = witnessed_site["url"]
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(f"{site}/fa/write")
    page.wait_for_load_state("networkidle")
    assert page.locator("#compose").is_hidden()  # no form that does nothing
    assert page.locator("#no-key").is_visible()
    assert page.locator("#no-key a[href='/fa/identity#create']").is_visible()

    # Making a key on a phone: "download a copy now" is on the screen, and focused.
    make_key(page, site, "/fa", "draft.example", save_sheet=False)
    page.wait_for_selector("#key-made:not([hidden])")
    box = page.locator("#key-made").bounding_box()
    assert box is not None and box["y"] >= -1 and box["y"] + box["height"] <= 640, box
    assert page.evaluate("document.activeElement.id") == "key-made"
    _shoot(page, "key-made-fa-360x640")
    assert page.evaluate(OVERFLOW) is None  # the recovery sheet and its QR code fit too
    page.check("#sheet-saved")
    page.wait_for_selector("#recovery-sheet", state="hidden")  # kept: signing may begin

    secret = "پیش‌نویس: آنچه در اردو دیدم (خیالی)"
    page.goto(f"{site}/fa/write")
    page.wait_for_selector("#compose:not([hidden])")
    page.fill("#text", secret)
    page.locator("#draft-status:not(:empty)").wait_for()
    # What the browser keeps on disk is ciphertext: read IndexedDB as an intruder would.
    stored = page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("firsthand-drafts");
          open.onsuccess = () => {
            const get = open.result.transaction("drafts").objectStore("drafts").get("current");
            get.onsuccess = () => resolve(Array.from(new Uint8Array(get.result.data)));
          };
        })"""
    )
    assert secret.encode() not in bytes(stored) and len(stored) > len(secret.encode())
    page.reload()
    page.wait_for_selector("#compose:not([hidden])")
    # Locator expectations, not wait_for_function: a predicate string is eval'd in the
    # page, which the site's CSP (script-src 'self') refuses.
    expect(page.locator("#text")).not_to_have_value("")
    assert page.input_value("#text") == secret
    # Published: the draft has done its work and is gone.
    page.click("#preview-button")
    page.wait_for_selector("#preview:not([hidden])")
    page.click("#publish-button")
    page.wait_for_url("**/statements/*", timeout=20_000)
    page.goto(f"{site}/fa/write")
    page.wait_for_selector("#compose:not([hidden])")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#text") == ""
    # Discarded: the same.
    page.fill("#text", secret)
    page.locator("#draft-status:not(:empty)").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#discard-draft")
    status = page.locator("#draft-status")
    expect(status).to_have_text(status.get_attribute("data-discarded") or "discarded")
    page.reload()
    page.wait_for_selector("#compose:not([hidden])")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#text") == ""
    context.close()
