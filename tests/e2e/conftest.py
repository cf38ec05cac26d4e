"""Browser tests: Debian's Chromium, driven by Playwright, against a real `firsthand serve`.

Playwright never downloads a browser here: it launches /usr/bin/chromium.
The flags keep Chromium from reaching for Google's services, which this
machine's closed network refuses.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import load_demo, running_server

CHROMIUM = os.environ.get("FIRSTHAND_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

playwright_sync = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with the fictional demo loaded."""
    data = tmp_path_factory.mktemp("e2e-data")
    load_demo(data)
    with running_server(data, "--period", "0.05") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Per module, not per session: Playwright's sync API keeps an event loop running
    # while it is open, and Django's ORM refuses to run in the other tests beside one.
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is not at {CHROMIUM}; run `make test`, which installs it")
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser profile per test (its own IndexedDB), phone-sized unless a test resizes."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 360, "height": 780}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.errors = errors
    yield page
    context.close()


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
