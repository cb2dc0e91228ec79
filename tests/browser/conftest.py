"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server.

Without Chromium these tests skip, unless REQUIRE_BROWSER=1 (CI sets it), where a missing
browser fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def _chromium():
    if not CHROMIUM:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but Chromium is not installed (apt-get install chromium).")
        pytest.skip("Chromium is not installed; browser tests need Debian's chromium package.")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body are still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifact_dir() -> Path:
    ARTIFACT_DIR.mkdir(exist_ok=True)
    return ARTIFACT_DIR


def _page(browser, width: int, locale: str = "zh-CN"):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page_360(_chromium, live_server):
    context, page = _page(_chromium, 360)
    yield page
    context.close()


@pytest.fixture
def page_1280(_chromium, live_server):
    context, page = _page(_chromium, 1280)
    yield page
    context.close()
