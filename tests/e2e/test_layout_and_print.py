"""Phone layout, the printable proof, the write page's drafts, and the journalist's
offline check, in Debian's Chromium against a site with a witness and a photo.

Every page, in both languages, at 360 px and at 1280 px: nothing may be wider than
the screen (a long key or command line once made the Persian "How it works" 580 px
wide on a 390 px phone). Screenshots of each go to tests/e2e/screenshots/layout/
(not kept in git). The printable proof prints on one A4 page whose QR code, decoded
by zbar from the rendered PDF, leads back to the statement.
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

from firsthand.log.note import Signer, Verifier
from firsthand.statements.format import Media, sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.web.demo import demo_statements
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_authoring import make_key
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
    with running_witness(tmp_path_factory.mktemp("layout-witness"), origin, log_key) as (
        witness_url,
        witness_key,
    ), running_server(
        data,
        *("--period", "0.05", "--witness", f"{witness_url}={witness_key}"),
        *("--witness-about", f"{witness_key.split('+')[0]}={WITNESS_ABOUT}"),
    ) as url:
        photo = _post(f"{url}/api/v1/media", _photo(), "image/jpeg")
        media = Media(photo["sha256"], photo["type"], photo["size"])
        author = Signer.generate("layout.example")
        statement = sign_statement(author, PHOTO_TEXT, media=[media])
        answer = _post(
            f"{url}/api/v1/statements", statement.file_bytes(), "text/plain; charset=utf-8"
        )
        _wait_for_cosigned_checkpoint(url, witness_key, answer["index"] + 1)
        yield {
            "url": url,
            "index": answer["index"],
            "photo": photo["sha256"],
            "log_key": log_key,
            "witness_key": witness_key,
            "author": fingerprint(author.verifier()),
        }


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_no_page_is_wider_than_a_phone_in_either_language(witnessed_site: dict, browser) -> None:
    site, index = witnessed_site["url"], witnessed_site["index"]
    fingerprint = witnessed_site["author"]
    pages = {
        "home": "/",
        "statement-photo": f"/statements/{index}",
        "statement-denial": "/statements/3",
        "author": f"/authors/{fingerprint}",
        "how-it-works": "/about",
        "write": "/write",
        "key": "/identity",
        "search": "/search?q=retreat",
        "print": f"/statements/{index}/print",
    }
    altered = demo_statements()[1].body.replace("nine days", "two days")
    failures = []
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for language, prefix in (("en", ""), ("fa", "/fa")):

        def look(name: str, language: str = language) -> None:
            for width in (360, 1280):
                page.set_viewport_size({"width": width, "height": 780})
                wide = page.evaluate(OVERFLOW)
                if wide:
                    failures.append(f"{name} ({language}, {width} px) is {wide}")
                _shoot(page, f"{name}-{language}-{width}")
            page.set_viewport_size({"width": 360, "height": 780})

        for name, path in pages.items():
            page.goto(f"{site}{prefix}{path}")
            if name.startswith("statement"):
                page.wait_for_selector("#browser-check[data-verified]", timeout=30_000)
                page.locator("details.offline-check summary").click()
            look(name)
        page.goto(f"{site}{prefix}/check")  # "who said it?" with a verdict and its diff
        page.fill("#check-text", altered)
        page.click("form.check-form button[type=submit]")
        page.wait_for_selector("section.check-verdict")
        look("check-result")
        page.goto(f"{site}{prefix}/identity")  # the recovery form, open
        page.select_option("#recover-what", "revocation")
        look("recover")
    context.close()
    assert not failures, "\n".join(failures)
    assert not errors, errors


def test_the_proof_prints_on_one_a4_page_whose_qr_code_leads_back(
    witnessed_site: dict, browser, tmp_path: Path
) -> None:
    for tool in ("pdfinfo", "pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing; `make test` installs poppler-utils and zbar-tools")
    site, index = witnessed_site["url"], witnessed_site["index"]
    leaf = json.loads(urllib.request.urlopen(f"{site}/api/v1/statements/{index}").read())[
        "leaf_hash"
    ]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for language, prefix in (("en", ""), ("fa", "/fa")):
        page.goto(f"{site}{prefix}/statements/{index}/print")
        page.wait_for_selector("#proof-qr[data-drawn='yes'] svg")
        shown = page.locator("main").inner_text()
        assert WITNESS_ABOUT in shown  # who runs the witness that cosigned
        page.goto(f"{site}{prefix}/about")
        assert WITNESS_ABOUT in page.locator(".witnesses").inner_text()
        page.go_back()
        page.wait_for_selector("#proof-qr[data-drawn='yes'] svg")
        assert witnessed_site["log_key"] in shown and witnessed_site["witness_key"] in shown
        pdf = tmp_path / f"proof-{language}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        pages = re.search(r"^Pages:\s+(\d+)$", info.stdout, re.MULTILINE)
        assert pages is not None and pages.group(1) == "1", info.stdout
        png = SHOTS / f"print-pdf-{language}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(png)], check=True
        )
        decoded = subprocess.run(
            ["zbarimg", "--raw", "-q", f"{png}.png"], capture_output=True, text=True
        )
        assert decoded.returncode == 0, decoded.stderr
        scanned = decoded.stdout.strip()
        assert scanned == f"{site}{prefix}/statements/{index}#leaf={leaf}"
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
    page.wait_for_function("document.getElementById('text').value.length > 0")
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
    page.wait_for_function(
        "(s => s.textContent === s.dataset.discarded)(document.getElementById('draft-status'))"
    )
    page.reload()
    page.wait_for_selector("#compose:not([hidden])")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#text") == ""
    context.close()
