"""Reading in the browser: pages in English and Persian, with and without JavaScript."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_main_pages_render_in_both_languages(site: str, page, language: str) -> None:
    prefix = "" if language == "en" else "/fa"
    page.goto(f"{site}{prefix}/")
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == ("rtl" if language == "fa" else "ltr")
    assert page.locator("article.card").count() >= 4
    screenshot(page, f"home-{language}")
    page.locator("article.card a.more").first.click()
    page.wait_for_load_state()
    assert page.locator(".badge.ok").is_visible()
    # The reader's browser repeats the check by itself.
    page.wait_for_selector("#browser-check[data-verified]", timeout=30_000)
    check = page.locator("#browser-check")
    assert check.get_attribute("data-verified") == "yes", check.inner_text()
    assert page.locator("#browser-check .steps li.ok").count() >= 4
    screenshot(page, f"statement-{language}")
    for path, name in [("/about", "about"), ("/write", "write"), ("/identity", "identity")]:
        page.goto(f"{site}{prefix}{path}")
        screenshot(page, f"{name}-{language}")
    assert not page.errors


def test_reading_works_with_javascript_off(site: str, browser) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.goto(f"{site}/fa/")
    page.locator("article.card a.more").first.click()
    assert page.locator(".badge.ok").is_visible()
    assert page.locator("noscript").count() >= 1
    assert page.locator("svg.proof-path").is_visible()
    page.goto(f"{site}/write")
    assert "need JavaScript" in page.content()
    context.close()


def test_a_tampered_bundle_fails_in_the_readers_browser(site: str, page) -> None:
    def tamper(route) -> None:
        response = route.fetch()
        bundle = response.json()
        bundle["body"] = (bundle["body"] or "") + " (changed by someone)"
        route.fulfill(response=response, json=bundle)

    page.route("**/api/v1/statements/*/bundle", tamper)
    page.goto(f"{site}/statements/1")
    page.wait_for_selector("#browser-check[data-verified='no']", timeout=15_000)
    failed = page.locator("#browser-check .steps li.failed")
    assert failed.count() == 1
    assert failed.first.get_attribute("data-check") == "body"
    screenshot(page, "statement-tampered-en")
