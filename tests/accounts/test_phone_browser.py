"""A learner signs up with a mobile number on a 360 px phone, confirms it with the SMS code and
signs in again by code, in a real browser (tests/browser's Chromium)."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests import factories
from tests.accounts.conftest import sms_code
from tests.browser.conftest import _page, artifact_dir, snap  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def _fits_360(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= 360")


def test_phone_signup_and_sign_in_by_code_at_360px(_chromium, live_server, artifact_dir, sms_outbox):  # noqa: F811
    factories.CountyFactory(code="330122", name="桐庐县")
    context, page = _page(_chromium, 360, locale="en-US")
    base = live_server.url
    try:
        page.goto(f"{base}/accounts/signup/")
        page.get_by_label("Your county").fill("330122")
        page.get_by_label("Name").fill("李小红")
        page.locator("input[name=phone]").fill("138 0013 8000")
        page.locator("input[name=privacy_consent]").check()
        assert _fits_360(page)
        snap(page, artifact_dir / "phone-signup-360.png")
        page.locator("form.form button[type=submit]").last.click()

        page.wait_for_url(f"{base}/accounts/phone/verify/")
        assert _fits_360(page)
        page.locator("input[name=code]").fill(sms_code(sms_outbox, "13800138000"))
        snap(page, artifact_dir / "phone-signup-code-360.png")
        page.locator("input[name=code]").press("Enter")
        page.wait_for_url(f"{base}/")
        user = User.objects.get(mobile="13800138000")
        assert user.mobile_verified_at is not None

        page.context.clear_cookies()
        page.goto(f"{base}/accounts/login/code/")
        page.locator("input[name=phone]").fill("13800138000")
        assert _fits_360(page)
        snap(page, artifact_dir / "phone-login-code-360.png")
        page.locator("input[name=phone]").press("Enter")
        page.wait_for_url(f"{base}/accounts/login/code/confirm/")
        page.locator("input[name=code]").fill(sms_code(sms_outbox, "13800138000"))
        page.locator("input[name=code]").press("Enter")
        page.wait_for_url(f"{base}/")
        assert "李小红" in page.content()
    finally:
        context.close()


def test_staff_is_led_to_set_up_two_factor_authentication_at_360px(
    _chromium,
    live_server,
    artifact_dir,  # noqa: F811
    settings,
):
    from allauth.mfa.models import Authenticator

    from tests.accounts.test_mfa import totp_code
    from tests.factories import PASSWORD

    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = factories.StaffFactory(name="王管理")
    context, page = _page(_chromium, 360, locale="en-US")
    base = live_server.url
    try:
        page.goto(f"{base}/accounts/login/")
        page.locator("input[name=login]").fill(staff.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url("**/accounts/reauthenticate/**")  # the set-up asks for the password again
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url("**/accounts/2fa/totp/activate/**")
        assert _fits_360(page)
        snap(page, artifact_dir / "mfa-activate-360.png")
        secret = page.locator("#authenticator_secret").input_value()
        page.locator("input[name=code]").fill(totp_code(secret))
        page.locator("input[name=code]").press("Enter")
        page.wait_for_load_state()
        assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
        page.goto(f"{base}/")
        assert "/accounts/2fa/" not in page.url
        snap(page, artifact_dir / "mfa-done-home-360.png")
    finally:
        context.close()
