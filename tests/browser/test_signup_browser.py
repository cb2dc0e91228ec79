from __future__ import annotations

import pytest

from accounts.models import User
from tests import factories
from tests.browser.conftest import snap

pytestmark = pytest.mark.browser


def test_learner_signs_up_picking_county_without_js_then_logs_in(page_360, live_server, artifact_dir):
    factories.CountyFactory(code="330122", name="桐庐县")
    factories.CountyFactory(code="330127", name="淳安县")
    page = page_360

    page.goto(f"{live_server.url}/accounts/signup/")
    # Browse to the county as a learner without JavaScript would: province, then county.
    page.get_by_role("link", name="按省份浏览县区").click()
    page.get_by_role("link", name="浙江省").click()
    page.get_by_role("link", name="浙江省 杭州市 桐庐县").click()
    assert "浙江省 杭州市 桐庐县" in page.locator(".chosen").inner_text()

    page.get_by_label("姓名").fill("张小明")
    page.get_by_label("电子邮件").fill("xiaoming@example.com")
    page.get_by_label("密码", exact=True).fill("Correct-Horse-42")
    page.get_by_label("密码（重复）").fill("Correct-Horse-42")
    page.get_by_label("性别").select_option("male")
    page.get_by_label("我已阅读并同意隐私政策。").check()
    snap(page, artifact_dir / "signup-360.png")
    page.get_by_role("button", name="注册").click()

    # Every address gets the same answer (no account enumeration): check your mailbox.
    page.wait_for_url(f"{live_server.url}/accounts/confirm-email/")
    assert page.get_by_role("heading", name="请查看您的邮箱").count() == 1
    snap(page, artifact_dir / "signup-check-mailbox-360.png")
    user = User.objects.get(email="xiaoming@example.com")
    assert user.learner_profile.county_id == "330122"

    # Signing in does not wait for the confirmation.
    page.locator("main a.btn.primary").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮件").fill("XiaoMing@example.com")
    page.get_by_label("密码").fill("Correct-Horse-42")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "欢迎，张小明" in page.content()
    snap(page, artifact_dir / "home-after-login-360.png")
