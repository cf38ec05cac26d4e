"""Every page and state a reader or an author meets, walked once for the crawls that look at
each: no English on a Persian page (test_persian_text.py), nothing wider than the screen
(test_layout_and_print.py). One list, so a page added to the site is added to both crawls.

``seed`` publishes what the demo lacks (an author whose key was stolen and revoked, two
authors whose names look alike, a long statement) over the site's own API, as any author
would. ``every_state`` walks one browser page through the site in one language and yields
the name of each state while the page shows it; the caller looks, then the walk goes on.
It ends with a key made in this browser (the recovery sheet, then "My key", the write,
contacts and device pages with a key), so give it a fresh browser context.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from firsthand.log.note import Signer
from firsthand.statements.format import Statement, sign_statement
from firsthand.statements.identity import fingerprint
from firsthand.web.demo import demo_signer, demo_statements
from tests.e2e.test_authoring import make_key

THIEF_TEXT = "I regret leaving and ask the elders to forgive me. (Fictional, written by a thief.)"
FABRICATED = "I, Rana Tavakoli, regret leaving and ask the Circle of Dawn to take me back."
# A long statement: its printed proof runs on to further pages.
LONG_TEXT = "\n\n".join(
    f"{n}. On the {n}th day of the retreat we were woken before dawn and made to recite, "
    "again and again, the rules we had broken, in front of everyone; those who refused were "
    "kept apart and not allowed to eat with the others. (Fictional demo statement.)"
    for n in range(1, 40)
)
# More fields than Django reads in one request (DATA_UPLOAD_MAX_NUMBER_FIELDS): a 400.
TOO_MANY_FIELDS = """(path) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = path;
  for (let n = 0; n < 1100; n++) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "f" + n;
    form.append(field);
  }
  document.body.append(form);
  form.submit();
}"""


@dataclass(frozen=True)
class Seeded:
    thief_index: int  # a statement signed with a key its author then reported stolen
    stolen_author: str  # that author's fingerprint
    look_alike: str  # an author whose display name looks like another's
    long_index: int  # a statement of several printed pages


def publish(site: str, statement: Statement) -> int:
    request = urllib.request.Request(
        f"{site}/api/v1/statements",
        data=statement.file_bytes(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.loads(response.read())["index"])


def seed(site: str) -> Seeded:
    author, recovery = Signer.generate("sima.example"), Signer.generate("sima.recovery")
    publish(site, sign_statement(author, "I left the group in 2019.", recovery=recovery.verifier()))
    thief = publish(site, sign_statement(author, THIEF_TEXT))
    publish(
        site,
        sign_statement(
            recovery,
            "My phone was taken. Nothing signed with this key since is mine.",
            kind="revocation",
            subject=author.verifier(),
            revoked_from=thief,
        ),
    )
    # Cyrillic "а" and "М" in place of the Latin letters: the same name on screen.
    victim, impostor = Signer.generate("parisa.example"), Signer.generate("p.example")
    publish(site, sign_statement(victim, "", kind="profile", name="Parisa Mahdavi"))
    publish(site, sign_statement(impostor, "", kind="profile", name="Pаrisa Мahdavi"))
    long_index = publish(site, sign_statement(Signer.generate("long.example"), LONG_TEXT))
    return Seeded(
        thief_index=thief,
        stolen_author=fingerprint(author.verifier()),
        look_alike=fingerprint(impostor.verifier()),
        long_index=long_index,
    )


def _tamper(route) -> None:
    response = route.fetch()
    bundle = response.json()
    bundle["body"] = (bundle["body"] or "") + " (changed by someone)"
    route.fulfill(response=response, json=bundle)


def every_state(
    page, site: str, prefix: str, seeded: Seeded, key_name: str, statement: int = 1
) -> Iterator[str]:
    """Walk ``page`` through every page and state in the language of ``prefix``."""

    def go(path: str, ready: str = "main") -> None:
        page.goto(f"{site}{prefix}{path}")
        page.wait_for_selector(ready)

    def verified(path: str, how: str) -> None:
        go(path, f"#browser-check[data-verified='{how}']")
        page.locator("details.offline-check summary").click()

    go("/")
    yield "home"
    verified(f"/statements/{statement}", "yes")
    yield "statement"
    verified("/statements/3", "yes")
    yield "statement-denial"
    verified(f"/statements/{seeded.thief_index}", "stolen")
    yield "statement-stolen-key"
    page.route("**/api/v1/statements/*/bundle", _tamper)
    verified("/statements/1", "no")
    page.locator("#browser-check .check-failure summary").first.click()
    yield "statement-check-failed"
    page.unroute("**/api/v1/statements/*/bundle")
    go("/statements/3#leaf=" + "00" * 32, "#linked-leaf[data-matches='no']")
    yield "statement-other-leaf"
    go(f"/statements/{statement}/print", "#proof-qr[data-drawn='yes'] svg")
    yield "print"
    go(f"/authors/{fingerprint(demo_signer('rana.tavakoli.demo').verifier())}")
    yield "author"
    go(f"/authors/{seeded.look_alike}", ".look-alikes")
    yield "author-look-alike"
    go(f"/authors/{seeded.stolen_author}")
    yield "author-stolen-key"
    go("/about")
    yield "how-it-works"
    go("/search?q=retreat")
    yield "search"
    go("/search?q=%D8%AD%D9%84%D9%82%D9%87")  # حلقه: a Persian word of the demo
    yield "search-persian"
    go("/search?q=zzqqxx")
    yield "search-nothing"

    # "Who said it?": each headline, and the reason a check was refused; (text, what shows).
    checks = {
        "signed": (demo_statements()[0].body, "section.verdict-signed"),
        "altered": (
            demo_statements()[1].body.replace("nine days", "two days"),
            "section.verdict-altered",
        ),
        "denied": (FABRICATED, "section.verdict-denied"),
        "stolen-key": (THIEF_TEXT, "section.check-verdict .warning.stolen"),
        "unknown": ("this text was never signed by anyone here", "section.verdict-unknown"),
        "empty": ("   ", "p.error[role=alert]"),  # no words: a 400 that says why
    }
    for verdict, (text, shown) in checks.items():
        go("/check")
        page.fill("#check-text", text)
        page.click("form.check-form button[type=submit]")
        page.wait_for_selector(shown)
        yield f"check-{verdict}"

    page.goto(f"{site}{prefix}/statements/999999")
    yield "not-found-statement"
    page.goto(f"{site}{prefix}/no-such-page")
    yield "not-found"
    go("/")
    with page.expect_navigation() as navigation:
        page.evaluate(TOO_MANY_FIELDS, f"{prefix}/check")
    assert navigation.value is not None and navigation.value.status == 400
    yield "bad-request"

    go("/write")
    yield "write-without-key"
    go("/identity")
    yield "key-without-key"
    page.select_option("#recover-what", "recovery")
    yield "recover"
    page.select_option("#recover-what", "revocation")
    yield "revoke"
    go("/identity/contacts")
    yield "contacts-without-key"
    go("/identity/device")
    yield "device-without-key"
    go("/identity/social-recovery")
    yield "co-sign-without-key"

    make_key(page, site, prefix, key_name, save_sheet=False)
    page.wait_for_selector("#recovery-sheet:not([hidden])", timeout=20_000)
    yield "recovery-sheet"
    page.check("#sheet-saved")
    page.wait_for_selector("#recovery-sheet", state="hidden")
    yield "key"
    go("/write", "#compose:not([hidden])")
    yield "write"
    go("/identity/contacts")
    yield "contacts"
    go("/identity/device")
    yield "device"
    go("/identity/social-recovery")
    yield "co-sign"
