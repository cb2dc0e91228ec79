"""Item sets (with their pictures) and assignments travel with export_course/import_course."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from practice.models import Assignment, ItemSet

from .conftest import add_items, make_set


def test_item_sets_and_assignments_travel_with_the_course(course, practice_lesson, tmp_path):
    boxes = make_set(course, task="bbox", labels=["车辆"], lesson=practice_lesson, iou_threshold=0.6)
    add_items(boxes, [{"boxes": [[0.1, 0.1, 0.2, 0.2, "车辆"]]}])
    texts = make_set(course, task="text_span", labels=["品牌"])
    add_items(texts, [{"spans": [[0, 4, "品牌"]]}], texts=["农夫山泉550ml"])
    Assignment.objects.create(
        course=course,
        lesson=practice_lesson,
        title="商品详情",
        brief="写",
        criteria=[{"title": "标题", "levels": ["差", "好"]}],
    )
    path = tmp_path / "course.json"
    call_command("export_course", course.slug, output=str(path), stdout=io.StringIO())
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [entry["title"] for entry in document["practice"]["item_sets"]] == [boxes.title, texts.title]
    out = io.StringIO()
    call_command("import_course", str(path), stdout=out)
    assert "2 practice item sets, 1 assignments" in out.getvalue()
    copy = ItemSet.objects.exclude(course=course).get(task="bbox")
    assert not copy.published and copy.iou_threshold == 0.6
    assert copy.lesson.title == practice_lesson.title and copy.lesson.module.course_id == copy.course_id
    item = copy.items.get()
    assert item.gold == {"boxes": [[0.1, 0.1, 0.2, 0.2, "车辆"]]} and item.image and item.width == 120
    assert ItemSet.objects.exclude(course=course).get(task="text_span").items.get().text == "农夫山泉550ml"
    assert Assignment.objects.exclude(course=course).get().lesson.title == practice_lesson.title


def test_a_broken_practice_part_refuses_the_whole_file(course, tmp_path):
    path = tmp_path / "course.json"
    call_command("export_course", course.slug, output=str(path), stdout=io.StringIO())
    document = json.loads(path.read_text(encoding="utf-8"))
    document["practice"] = {"item_sets": [{"title": "x", "task": "sound", "labels": []}], "assignments": []}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape("practice.item_sets[0].task")):
        call_command("import_course", str(path), stdout=io.StringIO())
