"""The practice lab on a 360 px phone: a classification set labelled without JavaScript, a box set
drawn with a finger-like pointer (practice.js), then the score and the review (issue 16)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from courses.models import Lesson
from practice.models import Item, ItemSet, Run
from tests import factories
from tests.browser.conftest import signed_in_phone, snap
from tests.practice.conftest import picture

pytestmark = pytest.mark.browser

WIDTH = 360


@pytest.fixture
def lab(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    course = factories.course_with_lessons(lessons=1, final_quiz=False, title="AI数据标注基础")
    lesson = factories.LessonFactory(module=course.modules.get(), order=2, kind=Lesson.Kind.PRACTICE)
    enrollment = factories.EnrollmentFactory(course=course)
    classes = ItemSet.objects.create(
        course=course,
        lesson=lesson,
        title="主图合格吗",
        task="image_class",
        labels=["合格", "背景杂乱"],
        published=True,
        min_score=50,
    )
    for order, (color, label) in enumerate([("red", "合格"), ("blue", "背景杂乱")], start=1):
        item = Item(item_set=classes, order=order, gold={"labels": [label]}, width=320, height=200)
        item.image.save(f"c{order}.png", ContentFile(picture(color, size=(320, 200))), save=False)
        item.save()
    boxes = ItemSet.objects.create(
        course=course,
        title="拉框：车辆",
        task="bbox",
        labels=["车辆", "行人"],
        published=True,
        iou_threshold=0.5,
    )
    item = Item(
        item_set=boxes, order=1, gold={"boxes": [[0.1, 0.1, 0.5, 0.5, "车辆"]]}, width=640, height=400
    )
    item.image.save("b1.png", ContentFile(picture("gray", size=(640, 400))), save=False)
    item.save()
    return {"enrollment": enrollment, "classes": classes, "boxes": boxes, "media": Path(settings.MEDIA_ROOT)}


def phone(chromium, base: str, user, media: Path, *, javascript: bool):
    # The live server serves static files but not uploads: the phone gets them from MEDIA_ROOT.
    def serve_media(route):
        name = route.request.url.split("/media/", 1)[1]
        path = media / name
        route.fulfill(path=str(path), content_type=mimetypes.guess_type(str(path))[0] or "image/jpeg")

    return signed_in_phone(
        chromium, base, user, javascript=javascript, touch=True, route=("**/media/**", serve_media)
    )


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH + 1


def test_classification_without_javascript_then_boxes_with_it(_chromium, live_server, lab, artifact_dir):
    learner = lab["enrollment"].learner
    context, page = phone(_chromium, live_server.url, learner, lab["media"], javascript=False)
    page.goto(f"{live_server.url}/practice/sets/{lab['classes'].pk}/")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/practice/runs/*/")
    no_sideways_scroll(page)
    items = list(lab["classes"].items.order_by("order"))
    page.check(f"input[name=i{items[0].pk}][value=合格]")
    page.check(f"input[name=i{items[1].pk}][value=合格]")  # wrong on purpose
    snap(page, artifact_dir / "practice-classify-360.png")
    page.get_by_role("button", name="Hand in and see my score").click()
    page.wait_for_url("**/result/")
    assert page.inner_text("#practice-score").startswith("50%")
    assert page.locator(f"#review-{items[1].pk} .mine").inner_text() == "合格"
    assert page.locator(f"#review-{items[1].pk} .gold").inner_text() == "背景杂乱"
    assert page.locator("table.confusion td.mixed").inner_text() == "1"
    no_sideways_scroll(page)
    snap(page, artifact_dir / "practice-classify-result-360.png")
    context.close()

    context, page = phone(_chromium, live_server.url, learner, lab["media"], javascript=True)
    page.goto(f"{live_server.url}/practice/sets/{lab['boxes'].pk}/")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/practice/runs/*/")
    stage = page.locator(".box-stage")
    page.wait_for_function("() => document.querySelector('.box-stage img').complete")
    box = stage.bounding_box()
    assert box["width"] <= WIDTH and box["height"] > 50
    # Draw from 10 % to 60 % of the picture both ways: the gold box exactly.
    x0, y0 = box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1
    x1, y1 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    item = lab["boxes"].items.get()
    value = page.input_value(f"#id_i{item.pk}")
    assert value.startswith("车辆:")
    numbers = [float(n) for n in value.split(":")[1].split(",")]
    assert numbers == pytest.approx([10, 10, 50, 50], abs=1.5)
    assert stage.locator(".box").count() == 1
    no_sideways_scroll(page)
    snap(page, artifact_dir / "practice-boxes-360.png")
    page.get_by_role("button", name="Hand in and see my score").click()
    page.wait_for_url("**/result/")
    assert page.inner_text("#practice-score").startswith("100%")
    assert page.locator(".review-stage .box.gold").count() == 1
    assert page.locator(".review-stage .box.mine").count() == 1
    snap(page, artifact_dir / "practice-boxes-result-360.png")
    context.close()
    run = Run.objects.get(item_set=lab["boxes"])
    assert run.metrics["mean_iou"] > 0.9


def test_span_tagging_by_selecting_words(_chromium, live_server, lab, artifact_dir):
    course = lab["classes"].course
    spans = ItemSet.objects.create(
        course=course, title="商品标题", task="text_span", labels=["品牌", "规格"], published=True
    )
    item = Item.objects.create(
        item_set=spans,
        order=1,
        text="农夫山泉天然矿泉水550ml",
        gold={"spans": [[0, 4, "品牌"], [9, 14, "规格"]]},
    )
    context, page = phone(
        _chromium, live_server.url, lab["enrollment"].learner, lab["media"], javascript=True
    )
    page.goto(f"{live_server.url}/practice/sets/{spans.pk}/")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/practice/runs/*/")

    def select(start: int, end: int) -> None:
        page.evaluate(
            """([start, end]) => {
                const text = document.querySelector('.practice-text');
                const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
                let node, offset = 0, range = document.createRange();
                while ((node = walker.nextNode())) {
                    const length = node.textContent.length;
                    if (start >= offset && start <= offset + length) range.setStart(node, start - offset);
                    if (end >= offset && end <= offset + length) { range.setEnd(node, end - offset); break; }
                    offset += length;
                }
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
            }""",
            [start, end],
        )

    select(0, 4)
    page.get_by_role("button", name="品牌", exact=True).click()
    select(9, 14)
    page.get_by_role("button", name="规格", exact=True).click()
    assert page.input_value(f"#id_i{item.pk}") == "品牌:0-4:农夫山泉\n规格:9-14:550ml"
    assert page.locator(".practice-text mark").count() == 2
    no_sideways_scroll(page)
    snap(page, artifact_dir / "practice-spans-360.png")
    page.get_by_role("button", name="Hand in and see my score").click()
    page.wait_for_url("**/result/")
    assert page.inner_text("#practice-score").startswith("100%")
    context.close()
