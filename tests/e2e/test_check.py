"""Who said it? in the browser, JavaScript off: the form posts, the server renders a verdict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firsthand.web.demo import demo_statements
from tests.e2e.conftest import screenshot

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# (language, demo statement index, the altered copy: one word changed, and that word)
CASES = {
    "en": (0, ("March 2019", "March 2020"), "2020"),
    "fa": (2, ("۱۳۹۸", "۱۴۰۰"), "۱۴۰۰"),
}
UNRELATED = {
    "en": "The bakery on the corner sells rye bread on Tuesdays and closes early in August.",
    "fa": "نانوایی سر کوچه سه‌شنبه‌ها نان جو می‌پزد و در مرداد زودتر می‌بندد.",
}


@pytest.fixture
def plain_page(browser) -> Iterator[object]:
    """A page with JavaScript off: the check must work as a plain form."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 780})
    yield context.new_page()
    context.close()


def submit(page, site: str, prefix: str, text: str) -> None:
    page.goto(f"{site}{prefix}/check")
    page.fill("#check-text", text)
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("section.check-verdict")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_exact_copy_is_signed_an_altered_one_shows_the_diff_and_unrelated_is_unknown(
    site: str, plain_page, language: str
) -> None:
    prefix = "" if language == "en" else "/fa"
    index, (old, new), changed = CASES[language]
    body = demo_statements()[index].body
    page = plain_page

    submit(page, site, prefix, "  " + body.replace(" ", "  ") + "\n")
    assert page.locator("section.verdict-signed").is_visible()
    link = page.locator(".check-match .links a").first
    assert link.get_attribute("href") == f"{prefix}/statements/{index}"
    shown_index = str(index) if language == "en" else str(index).translate(PERSIAN_DIGITS)
    assert shown_index in link.inner_text()
    assert page.locator("#check-text").input_value().strip() == body.replace(" ", "  ").strip()

    submit(page, site, prefix, body.replace(old, new))
    assert page.locator("section.verdict-altered").is_visible()
    signed_side, checked_side = page.locator(".word-diff .diff-side").all()
    assert old.split()[-1] in signed_side.locator("del").inner_text()
    assert changed in checked_side.locator("ins").inner_text()
    # Not colour alone: the changes carry words a screen reader says.
    label = signed_side.locator("del .visually-hidden").first.text_content() or ""
    assert label.strip() and label.strip() not in changed
    assert checked_side.locator("p").get_attribute("dir") == "auto"
    screenshot(page, f"check-altered-{language}")

    submit(page, site, prefix, UNRELATED[language])
    assert page.locator("section.verdict-unknown").is_visible()
    assert page.locator(".proves-nothing").is_visible()
    assert page.locator(".check-match").count() == 0


def test_a_quote_shows_its_context_and_a_denied_text_shows_the_denial(
    site: str, plain_page
) -> None:
    page = plain_page
    submit(page, site, "", "We were kept from our phones for nine days")
    assert page.locator("section.verdict-contained").is_visible()
    assert "nine days" in page.locator(".in-context mark").inner_text()
    assert "summer retreat" in page.locator(".in-context").inner_text()

    submit(
        page,
        site,
        "",
        "I, Rana Tavakoli, regret leaving and ask the Circle of Dawn to take me back.",
    )
    assert page.locator("section.verdict-denied").is_visible()
    assert page.locator(".check-match .links a").first.get_attribute("href") == "/statements/3"


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_check_page_with_a_verdict_passes_axe_core(browser, site: str, language: str) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; `make test` installs it (npm ci in tests/e2e)")
    prefix = "" if language == "en" else "/fa"
    index, (old, new), _ = CASES[language]
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 780})
    page = context.new_page()
    failures = []
    for text in (demo_statements()[index].body.replace(old, new), UNRELATED[language]):
        submit(page, site, prefix, text)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        for violation in result["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            failures.append(f"{violation['id']} ({violation['help']}) at {targets}")
    context.close()
    assert not failures, "\n".join(failures)


# Sentence by sentence (issue 18): a demo statement's true sentences, then an invented one.
MIXED = {
    "en": (
        "I was at the summer retreat of 2019. We were kept from our phones for nine days, and "
        "those who asked to leave were shamed in front of everyone. Today I regret speaking "
        "about it and I want to return.",
        ["Quoted", "Quoted", "In no statement"],
    ),
    "fa": (
        "من، نسرین کاظمی، اعلام می‌کنم که در سال ۱۳۹۸ از «حلقهٔ سپیده» جدا شدم. "
        "امروز از آن تصمیم پشیمانم و می‌خواهم برگردم.",
        ["نقل‌شده", "در هیچ بیانیه‌ای نیست"],
    ),
}


@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_true_sentence_beside_an_invented_one_is_mixed_and_each_passage_is_labelled(
    site: str, plain_page, language: str
) -> None:
    prefix = "" if language == "en" else "/fa"
    text, labels = MIXED[language]
    page = plain_page
    submit(page, site, prefix, text)
    assert page.locator("section.verdict-mixed").is_visible()
    assert page.locator("section.verdict-signed").count() == 0
    tags = page.locator(".marked-text .passage-tag").all_inner_texts()
    assert [" ".join(t.split()[2:]) for t in tags] == labels  # "❝ 1 Quoted": mark, number, label
    assert page.locator(".passage-list .passage-item").count() == len(labels)
    if language == "fa":
        assert page.locator("html").get_attribute("dir") == "rtl"
    # Without JavaScript the link and the citation are there to copy by hand.
    assert "#check=" in (page.locator("#share-link").get_attribute("href") or "")
    assert page.locator("button[data-copy]").first.is_hidden()
    citation = page.locator("#citation").input_value()
    assert f"{site}{prefix}/statements/" in citation
    screenshot(page, f"check-mixed-{language}")


def test_a_result_link_checks_its_text_again_in_the_browser(site: str, page) -> None:
    text, _ = MIXED["en"]
    submit(page, site, "", text)
    link = page.locator("#share-link").get_attribute("href") or ""
    assert link.startswith(f"{site}/check#check=")
    # The copy buttons appear once the script runs; the link opens in a fresh page.
    assert page.locator("button[data-copy]").first.is_visible()
    fresh = page.context.new_page()
    fresh.goto(link)
    fresh.wait_for_selector("section.check-verdict")
    assert fresh.locator("section.verdict-mixed").is_visible()
    assert fresh.locator("#check-text").input_value() == text
    assert fresh.url == f"{site}/check"  # the text went in the form's body, not in a URL
    broken = page.context.new_page()
    broken.goto(f"{site}/check#check=not-a-text")
    broken.wait_for_selector(".error")
    assert broken.locator("section.check-verdict").count() == 0
    assert not page.errors, page.errors


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_passages_page_passes_axe_core(browser, site: str, language: str) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; `make test` installs it (npm ci in tests/e2e)")
    prefix = "" if language == "en" else "/fa"
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 780})
    page = context.new_page()
    submit(page, site, prefix, MIXED[language][0])
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    context.close()
    failures = [
        f"{v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not failures, "\n".join(failures)
