"""Item sets (with their pictures) and assignments travel with export_course/import_course."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from courses.models import Course
from exams.models import Exam
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


def test_the_outline_order_of_exams_and_practice_items_travels_with_the_course(
    course, practice_lesson, tmp_path
):
    """An order an editor published (an assignment between two exercises, the second exam before
    the first by title) comes back in the imported copy, after a file without places too."""
    first = make_set(course, task="text_class", labels=["好", "差"], lesson=practice_lesson)
    second = make_set(course, task="image_class", labels=["猫", "狗"], lesson=practice_lesson)
    between = Assignment.objects.create(
        course=course,
        lesson=practice_lesson,
        title="A 作业",
        brief="写",
        criteria=[{"title": "标题", "levels": ["差", "好"]}],
    )
    ItemSet.objects.filter(pk=first.pk).update(position=1)
    Assignment.objects.filter(pk=between.pk).update(position=2)
    ItemSet.objects.filter(pk=second.pk).update(position=3)
    Exam.objects.create(course=course, title="A 期中", pass_mark_percent=60, position=2)
    Exam.objects.create(course=course, title="B 摸底", pass_mark_percent=60, position=1)
    path = tmp_path / "course.json"
    call_command("export_course", course.slug, output=str(path), stdout=io.StringIO())
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [entry["title"] for entry in document["exams"]] == ["B 摸底", "A 期中"]

    call_command("import_course", str(path), stdout=io.StringIO())

    copy = Course.objects.exclude(pk=course.pk).get()
    sets = {item_set.task: item_set.position for item_set in ItemSet.objects.filter(course=copy)}
    assignment = Assignment.objects.get(course=copy)
    assert sets["text_class"] < assignment.position < sets["image_class"]
    assert list(Exam.objects.filter(course=copy).values_list("title", flat=True)) == ["B 摸底", "A 期中"]
