"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server.

Without Chromium these tests skip, unless REQUIRE_BROWSER=1 (CI sets it), where a missing
browser fails the run instead.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

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


def chromium_session():
    """Headless Chromium for the whole test session: the ``_chromium`` fixture of
    tests/conftest.py, one for every directory (a second Playwright in the same thread fails)."""
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


# English that never belongs on a page shown in Chinese: form errors and buttons Django, allauth
# or a template would print when a string is not translated.
ENGLISH_FRAGMENTS = (
    "This field is required",
    "Enter a valid",
    "Ensure this value",
    "This password",
    "The two password fields",
    "Select a valid choice",
    "Submit",
    "Save",
    "Sign in",
    "Sign up",
    "Log in",
    "Sign out",
    "Next",
    "Previous",
    "Password",
    "Email",
    "required",
    "characters",
)
_FRAGMENTS = re.compile(r"\b(" + "|".join(re.escape(fragment) for fragment in ENGLISH_FRAGMENTS) + r")\b")


class PageGuard:
    """Watches one browser tab: every server error, and on check() the page's text for English
    and its date fields for values the browser refused (``<input type=date value="2026/12/02">``
    shows empty, and the form then fails as if the date had not been given)."""

    def __init__(self, page, *, chinese: bool):
        self.page = page
        self.chinese = chinese
        self.server_errors: list[str] = []
        page.on("response", self._response)

    def _response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def check(self) -> None:
        assert not self.server_errors, f"server errors: {self.server_errors}"
        if self.chinese:
            english = sorted(set(_FRAGMENTS.findall(self.page.inner_text("body"))))
            assert not english, f"English on the Chinese page {self.page.url}: {english}"
        lost = self.page.eval_on_selector_all(
            "input[type=date], input[type=time]",
            "inputs => inputs.filter(i => i.getAttribute('value') && !i.value).map(i => i.name)",
        )
        assert not lost, f"date or time fields that lost their value on {self.page.url}: {lost}"


def signed_in_phone(chromium, base: str, user, *, javascript: bool = True, touch: bool = False, route=None):
    """A new browser context (a phone of its own: its own session) of ``user`` at 360 px, in
    English, and its page guarded by PageGuard. ``route``: (URL pattern, handler) for requests
    the live server does not answer (e.g. uploaded files)."""
    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        locale="en-US",
        java_script_enabled=javascript,
        has_touch=touch,
    )
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base},
        ]
    )
    if route is not None:
        context.route(*route)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.guard = PageGuard(page, chinese=False)
    return context, page


def snap(page, path: Path) -> None:
    """Check the page (see PageGuard), then keep a screenshot of it for people to look at."""
    page.guard.check()
    page.screenshot(path=str(path), full_page=True)


def _page(browser, width: int, locale: str = "zh-CN"):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.guard = PageGuard(page, chinese=locale.startswith("zh"))
    return context, page


@pytest.fixture
def page_360(_chromium, live_server):
    context, page = _page(_chromium, 360)
    yield page
    context.close()
    assert not page.guard.server_errors, f"server errors: {page.guard.server_errors}"


@pytest.fixture
def page_1280(_chromium, live_server):
    context, page = _page(_chromium, 1280)
    yield page
    context.close()
    assert not page.guard.server_errors, f"server errors: {page.guard.server_errors}"
