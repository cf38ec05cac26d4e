"""Co-signing a social recovery in the browser (docs/recovery.md, "Trusted contacts"), in
Persian on a phone: a contact opens the link the author sent (the request in the URL
fragment, which no server sees), reads in plain words whose identity moves to which key,
signs on a click with the key kept in their browser, and the author's lines are put in
order and published from the same page. A misleading request is refused first."""

from __future__ import annotations

import base64

from firsthand.log.note import Signer, Verifier
from firsthand.statements import cosigning
from firsthand.statements.format import sign_statement
from firsthand.statements.identity import fingerprint, grouped_fingerprint
from tests.e2e.test_authoring import PASSPHRASE, make_key

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"
TEXT = {"Content-Type": "text/plain; charset=utf-8"}
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def fragment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_contact_cosigns_a_recovery_from_a_link_seeing_what_they_vouch_for(
    site: str, page
) -> None:
    make_key(page, site, "/fa", "bahar.example")
    me = Verifier.from_text(page.locator("#current-vkey").inner_text().strip())
    lost, other, new = (Signer.generate(n) for n in ("kian.example", "kian.friend", "kian.2027"))
    contacts = sorted([me, other.verifier()], key=fingerprint)
    named = sign_statement(lost, "My contacts.", kind="contacts", contacts=contacts, threshold=2)
    answer = page.request.post(f"{site}/api/v1/statements", data=named.file_bytes(), headers=TEXT)
    assert answer.ok, answer.text()
    taken = sign_statement(lost, "Written by whoever took the phone.")
    seized = page.request.post(f"{site}/api/v1/statements", data=taken.file_bytes(), headers=TEXT)
    since = int(seized.json()["index"])

    # A misleading request: its message names Kian, but it does not list this contact.
    stranger = Signer.generate("someone.example")
    misleading = cosigning.start(
        new,
        "Kian asks you to vouch.",
        kind="social-recovery",
        subject=lost.verifier(),
        contacts=[other.verifier(), stranger.verifier()],
    )
    page.goto(f"{site}/fa/identity/social-recovery#request={fragment(misleading)}")
    assert "#request" not in page.url  # read, then taken out of the address bar
    page.click("#social-preview-button")
    page.wait_for_selector("#social-cosign-message.error")
    assert page.locator("#social-preview").is_hidden()

    request = cosigning.start(
        new,
        "My phone was taken.",
        kind="social-recovery",
        subject=lost.verifier(),
        contacts=contacts,
        revoked_from=since,
    )
    page.goto(f"{site}/fa/identity/social-recovery#request={fragment(request)}")
    page.click("#social-preview-button")
    page.wait_for_selector("#social-preview:not([hidden])")
    summary = page.locator("#social-summary").inner_text()
    # Read from the signed head: the lost key, the new key, and from when, in Persian words.
    assert grouped_fingerprint(fingerprint(lost.verifier())) in summary
    assert grouped_fingerprint(fingerprint(new.verifier())) in summary
    assert f"مدخل {str(since).translate(PERSIAN)} دفتر" in summary
    assert page.evaluate(FITS)
    if page.locator("#social-passphrase-step").is_visible():
        page.fill("#social-own-passphrase", PASSPHRASE)
    page.click("#social-sign-button")
    page.wait_for_function("() => document.getElementById('social-line-out').value !== ''")
    mine = page.locator("#social-line-out").input_value()

    theirs = cosigning.cosign(request, other).decode().splitlines()
    other_line = next(line for line in theirs if line.startswith(f"\u2014 {other.name} "))
    page.fill("#social-collect-request", request.decode())
    page.fill("#social-lines", f"{other_line}\n{mine}")  # any order
    page.click("#social-publish-button")
    link = page.wait_for_selector("#social-statement", timeout=20_000)
    index = link.get_attribute("href").rsplit("/", 1)[1]
    logged = page.request.get(f"{site}/api/v1/statements/{index}").json()
    assert logged["kind"] == "social-recovery"
    # The thief's words with the lost key are no longer shown as Kian's; the earlier ones are.
    stolen = page.request.get(f"{site}/api/v1/statements/{since}").json()["stolen_key"]
    assert stolen is not None
    earlier = page.request.get(f"{site}/api/v1/statements/{answer.json()['index']}").json()
    assert earlier["stolen_key"] is None
