from __future__ import annotations

import pytest

from courses.demo import seed_demo_courses
from tests.browser.conftest import snap

pytestmark = pytest.mark.browser


def test_catalogue_filtered_by_track_then_a_course_at_360px(page_360, live_server, artifact_dir):
    seed_demo_courses()
    page = page_360

    page.goto(f"{live_server.url}/courses/")
    assert page.locator(".course-list > li").count() >= 5
    # Selectors by element and field name: the page's labels depend on the translation catalogue.
    page.locator(".filters summary").click()
    page.locator("select[name=track]").select_option("ecommerce")
    page.locator(".filters details button[type=submit]").click()
    page.wait_for_url("**/courses/?*track=ecommerce*")

    titles = page.locator(".course-list h2").all_inner_texts()
    assert sorted(titles) == sorted(["农村电商运营", "短视频与直播带货实战"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    snap(page, artifact_dir / "catalogue-ecommerce-360.png")

    page.get_by_role("link", name="农村电商运营").click()
    page.wait_for_url(f"{live_server.url}/courses/rural-ecommerce-operations/")
    assert page.locator("h1").inner_text() == "农村电商运营"
    assert page.locator(".syllabus h3").all_inner_texts() == ["认识农村电商", "开店与商品上架", "发货与售后"]
    assert page.locator("a[href^='/accounts/signup/?next=']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    snap(page, artifact_dir / "course-360.png")
