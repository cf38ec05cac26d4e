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
    screenshot(page, f"statement-{language}")
    for path, name in [("/about", "about"), ("/write", "write"), ("/identity", "identity")]:
        page.goto(f"{site}{prefix}{path}")
        screenshot(page, f"{name}-{language}")
    assert not page.errors
