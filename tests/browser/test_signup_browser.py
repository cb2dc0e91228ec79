from __future__ import annotations

import pytest

from accounts.models import User
from tests import factories

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
    page.screenshot(path=str(artifact_dir / "signup-360.png"), full_page=True)
    page.get_by_role("button", name="注册").click()

    page.wait_for_url(f"{live_server.url}/")
    assert "欢迎，张小明" in page.content()
    user = User.objects.get(email="xiaoming@example.com")
    assert user.learner_profile.county_id == "330122"

    page.get_by_role("button", name="退出").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮件").fill("XiaoMing@example.com")
    page.get_by_label("密码").fill("Correct-Horse-42")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "欢迎，张小明" in page.content()
    page.screenshot(path=str(artifact_dir / "home-after-login-360.png"), full_page=True)
