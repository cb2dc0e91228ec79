"""The issue's speed of authoring, in a real browser at 1280 px and at 360 px: a course with one
module, two lessons with an image each and a one-question quiz goes from nothing to "submitted
for review" in at most 8 page loads, and its review and publication take at most 3 more."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from courses.models import Course, CourseRevision, Lesson, TrackRole
from tests import factories
from tests.browser import conftest as browser
from tests.browser.conftest import PageGuard, snap

# The browser tests' artifact directory under this name here (Chromium is tests/conftest.py's).
artifact_dir_fixture = browser.artifact_dir

pytestmark = pytest.mark.browser


def picture_file(tmp_path, name: str):
    path = tmp_path / name
    image = Image.effect_noise((1600, 1000), 30).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return path


def browser_of(chromium, base: str, user, width: int):
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale="en-US")
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
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.guard = PageGuard(page, chinese=False)
    page.loads = 0

    def count(frame):
        if frame == page.main_frame:
            page.loads += 1

    page.on("framenavigated", count)
    return context, page


@pytest.mark.parametrize("width", [1280, 360])
def test_a_course_is_authored_and_published_within_the_page_load_budget(
    _chromium, live_server, transactional_db, settings, tmp_path, width, artifact_dir_fixture
):
    settings.MEDIA_ROOT = tmp_path / "media"
    track = factories.TrackFactory(slug="ecommerce", name="农村电商")
    editor = factories.UserFactory(name="编辑")
    publisher = factories.UserFactory(name="审核")
    TrackRole.objects.create(user=editor, track=track, role="editor")
    TrackRole.objects.create(user=publisher, track=track, role="publisher")
    images = [picture_file(tmp_path, "shop.jpg"), picture_file(tmp_path, "goods.jpg")]

    context, page = browser_of(_chromium, live_server.url, editor, width)
    page.goto(f"{live_server.url}/studio/")
    page.select_option("#id_track", str(track.pk))
    page.fill("#id_title", "网店入门")
    page.fill("#id_summary", "从开店到上架")
    page.fill("#id_module", "开店")
    page.fill("#id_lessons", "注册网店\n上架商品")
    page.click("text=Create the course")
    snap(page, artifact_dir_fixture / f"studio-outline-{width}.png")
    page.click("text=注册网店")
    for number, (body, image) in enumerate(zip(["先准备身份证。", "拍好商品照片。"], images, strict=True)):
        page.fill("#id_body", body)
        page.set_input_files("#id_image", str(image))
        page.fill("#id_image_alt", f"示意图{number + 1}")
        if number == 0:
            snap(page, artifact_dir_fixture / f"studio-lesson-{width}.png")
        page.click("#save-next" if number == 0 else "button[name=save]")
    page.fill("#final-text", "开店需要什么？")
    page.fill("#final-choices", "身份证\n什么都不要")
    page.fill("#final-correct", "1")
    page.click("#final-quiz button[type=submit]")
    page.click("#submit-revision")
    assert "Submitted for review" in page.inner_text("#revision-state")
    snap(page, artifact_dir_fixture / f"studio-submitted-{width}.png")
    print(f"authoring at {width} px: {page.loads} page loads")
    assert page.loads <= 8, page.loads
    context.close()

    context, page = browser_of(_chromium, live_server.url, publisher, width)
    page.goto(f"{live_server.url}/studio/review/")
    page.click("text=网店入门")
    page.fill("#id_changelog", "首次发布")
    page.click("#publish")
    snap(page, artifact_dir_fixture / f"studio-published-{width}.png")
    print(f"review at {width} px: {page.loads} page loads")
    assert page.loads <= 3, page.loads
    context.close()

    course = Course.objects.get(title="网店入门")
    assert course.status == Course.Status.PUBLISHED
    assert CourseRevision.objects.get(course=course).status == "published"
    bodies = list(
        Lesson.objects.filter(module__course=course).order_by("order").values_list("body", flat=True)
    )
    assert [body.count("![示意图") for body in bodies] == [1, 1]
    assert course.quizzes.get().questions.count() == 1


OVERFLOW = """() => {
  const width = window.innerWidth;
  const outside = [];  // a skip link parked left of the screen is not "outside"
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || (box.left < -0.5 && box.right > 0))) {
      const where = Math.round(box.left) + '–' + Math.round(box.right);
      outside.push(element.tagName + '.' + element.className + ' ' + where);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, outside};
}"""


def test_the_outline_fits_a_360_px_phone(_chromium, live_server, transactional_db, artifact_dir_fixture):
    """Every lesson's meta ("new · 10′ · optional"), its buttons, the exams and practice items
    and the course details stay inside the screen: nothing is clipped, nothing scrolls sideways."""
    from courses import revisions
    from exams.models import Exam
    from practice.models import ItemSet

    track = factories.TrackFactory(slug="ecommerce", name="农村电商")
    editor = factories.UserFactory(name="编辑")
    TrackRole.objects.create(user=editor, track=track, role="editor")
    course = factories.course_with_lessons(
        lessons=2, track=track, title="农村电商运营：从开店到售后的全流程实操"
    )
    lesson = Lesson.objects.filter(module__course=course).first()
    ItemSet.objects.create(
        course=course,
        lesson=lesson,
        title="评论情感分类练习（任务批次）",
        task="text_class",
        labels=["好", "差"],
    )
    Exam.objects.create(course=course, title="农村电商运营结业考试（理论）", is_final=True)
    revision = revisions.revision_open(course=course, by=editor)
    module_key = revision.document["course"]["modules"][0]["key"]
    for title in ("直播带货：选品、脚本与复盘的完整流程", "Livestreamsellingwithoutanyspacesinitstitle2026"):
        key = revisions.outline_add(
            revision=revision, by=editor, kind="lesson", title=title, parent_key=module_key
        )
    revisions.lesson_edit(
        revision=revision,
        by=editor,
        key=key,
        title="Livestreamsellingwithoutanyspacesinitstitle2026",
        body="",
        is_required=False,
    )

    context, page = browser_of(_chromium, live_server.url, editor, 360)
    page.goto(f"{live_server.url}/studio/courses/{course.pk}/")
    snap(page, artifact_dir_fixture / "studio-outline-narrow-360.png")
    result = page.evaluate(OVERFLOW)
    assert result["scroll"] <= result["width"], result
    assert result["outside"] == [], result
    metas = page.locator(".studio-list small.meta")
    assert metas.count() >= 4
    for index in range(metas.count()):
        box = metas.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, (index, box)
    assert "optional" in page.inner_text(".studio-list")
    # The lesson editor with its video and attachment forms fits too.
    page.goto(f"{live_server.url}/studio/courses/{course.pk}/lessons/{key}/")
    result = page.evaluate(OVERFLOW)
    assert result["scroll"] <= result["width"] and result["outside"] == [], result
    assert page.locator("#media").is_visible()
    context.close()


def test_a_review_with_every_kind_of_change_fits_a_360_px_phone(
    _chromium, live_server, transactional_db, artifact_dir_fixture
):
    """Course details, a renamed module, a quiz's settings, a lesson's text, a changed question
    with its choices: each diff wraps inside the screen, long unspaced words included."""
    from courses import revisions

    track = factories.TrackFactory(slug="ecommerce", name="农村电商")
    editor, publisher = factories.UserFactory(name="编辑"), factories.UserFactory(name="发布人")
    TrackRole.objects.create(user=editor, track=track, role="editor")
    TrackRole.objects.create(user=publisher, track=track, role="publisher")
    course = factories.course_with_lessons(lessons=2, track=track, title="农村电商运营")
    course.status = Course.Status.PUBLISHED
    course.save(update_fields=["status"])
    revision = revisions.revision_open(course=course, by=editor)
    data = revision.document["course"]
    long_word = "https://example.com/a-very-long-address-without-any-spaces-at-all-2026"
    data["summary"] = f"新的简介：{long_word}"
    data["modules"][0]["title"] = "第一单元：开店准备与商品拍摄"
    data["modules"][0]["lessons"][0]["body"] = f"改写后的正文，见 {long_word}"
    data["final_quiz"]["pass_mark"] = 80
    question = data["final_quiz"]["questions"][0]
    question["text"] += "（请选择最合适的一项）"
    question["choices"][0]["text"] = long_word
    revision.save(update_fields=["document"])
    revisions.revision_submit(revision=revision, by=editor)

    context, page = browser_of(_chromium, live_server.url, publisher, 360)
    page.goto(f"{live_server.url}/studio/review/{revision.pk}/")
    snap(page, artifact_dir_fixture / "studio-review-narrow-360.png")
    result = page.evaluate(OVERFLOW)
    assert result["scroll"] <= result["width"] and result["outside"] == [], result
    assert page.locator("#details-diff ins").count() >= 1
    assert page.locator("#nodes-diff [data-node-state='changed']").count() == 2  # module, quiz
    assert page.locator(".studio-questions .diff-changed dl").count() == 1
    context.close()
