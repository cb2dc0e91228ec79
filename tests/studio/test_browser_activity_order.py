"""Dragging a practice item in the studio outline (Chromium): the drop sends the reorder form
and the draft keeps the new order; the arrows of a lesson's practice items fit a phone."""

from __future__ import annotations

import pytest

from courses import revisions
from courses.models import CourseRevision, Lesson, TrackRole
from practice.models import Assignment, ItemSet
from tests import factories
from tests.browser import conftest as browser
from tests.studio.test_browser_authoring import OVERFLOW, browser_of

artifact_dir_fixture = browser.artifact_dir

pytestmark = pytest.mark.browser


def _course_with_practice(editor_name: str = "编辑"):
    track = factories.TrackFactory(slug="ecommerce", name="农村电商")
    editor = factories.UserFactory(name=editor_name)
    TrackRole.objects.create(user=editor, track=track, role="editor")
    course = factories.course_with_lessons(lessons=2, track=track, title="农村电商运营")
    lesson = Lesson.objects.filter(module__course=course).order_by("order").last()
    first = ItemSet.objects.create(
        course=course, lesson=lesson, title="A 评论情感分类", task="text_class", labels=["好", "差"]
    )
    second = ItemSet.objects.create(
        course=course, lesson=lesson, title="B 商品图片分类", task="text_class", labels=["好", "差"]
    )
    third = Assignment.objects.create(
        course=course, lesson=lesson, title="C 商品详情作业", brief="写一条详情"
    )
    revisions.revision_open(course=course, by=editor)
    return editor, course, lesson, [f"itemset-{first.pk}", f"itemset-{second.pk}", f"assignment-{third.pk}"]


def test_dragging_a_practice_item_reorders_it_in_the_draft(
    _chromium, live_server, transactional_db, artifact_dir_fixture
):
    editor, course, lesson, keys = _course_with_practice()
    context, page = browser_of(_chromium, live_server.url, editor, 1280)
    page.goto(f"{live_server.url}/studio/courses/{course.pk}/")
    group = page.locator(f"#activities-lesson-{lesson.pk}")
    assert group.locator("li.studio-activity").evaluate_all("items => items.map(i => i.id)") == keys
    handle = page.locator(f"#{keys[2]} .studio-handle")
    assert handle.is_visible()  # shown only with JavaScript

    with page.expect_navigation():
        page.drag_and_drop(f"#{keys[2]}", f"#{keys[0]}", target_position={"x": 20, "y": 2})
    page.guard.check()
    moved = [keys[2], keys[0], keys[1]]
    group = page.locator(f"#activities-lesson-{lesson.pk}")
    assert group.locator("li.studio-activity").evaluate_all("items => items.map(i => i.id)") == moved
    document = CourseRevision.objects.get(course=course, status="draft").document
    assert document["course"]["activity_order"]["practice"] == moved
    browser.snap(page, artifact_dir_fixture / "studio-activity-drag-1280.png")
    context.close()


def test_the_practice_items_arrows_fit_a_360_px_phone(
    _chromium, live_server, transactional_db, artifact_dir_fixture
):
    editor, course, lesson, keys = _course_with_practice()
    context, page = browser_of(_chromium, live_server.url, editor, 360)
    page.goto(f"{live_server.url}/studio/courses/{course.pk}/")
    result = page.evaluate(OVERFLOW)
    assert result["scroll"] <= result["width"], result
    assert result["outside"] == [], result
    down = page.locator(f"#{keys[0]} button[value=activity_down]")
    box = down.bounding_box()
    assert box and box["x"] + box["width"] <= 360
    with page.expect_navigation():
        down.click()
    group = page.locator(f"#activities-lesson-{lesson.pk}")
    assert group.locator("li.studio-activity").evaluate_all("items => items.map(i => i.id)") == [
        keys[1],
        keys[0],
        keys[2],
    ]
    browser.snap(page, artifact_dir_fixture / "studio-activity-order-360.png")
    context.close()
