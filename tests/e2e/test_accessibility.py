"""axe-core's checks on every main page, in both languages, and keyboard use."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "/",
    "/statements/0",
    "/statements/3",
    "/statements/3/print",
    "/about",
    "/write",
    "/identity",
    "/identity/contacts",
    "/identity/device",
    "/identity/social-recovery",
    "/search?q=retreat",
]


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; `make test` installs it (npm ci in tests/e2e)")
    # axe is injected as a script, which the site's CSP rightly forbids: bypass it here only.
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 780})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_main_pages_pass_axe_core(site: str, axe_page, language: str) -> None:
    prefix = "" if language == "en" else "/fa"
    failures = []
    for path in PAGES:
        axe_page.goto(f"{site}{prefix}{path}")
        axe_page.add_script_tag(path=str(AXE))
        result = axe_page.evaluate("async () => await axe.run(document)")
        for violation in result["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            failures.append(f"{prefix}{path}: {violation['id']} ({violation['help']}) at {targets}")
    assert not failures, "\n".join(failures)


def test_the_write_page_works_from_the_keyboard(site: str, page) -> None:
    page.goto(f"{site}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every link and control in the header can be reached with Tab.
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("document.activeElement.getAttribute('href')"))
    assert "/write" in seen or any(h and h.endswith("/write") for h in seen if h)
