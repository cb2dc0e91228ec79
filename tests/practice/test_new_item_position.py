"""A practice item or an exam created after an editor ordered the course's outline comes last,
not first: it gets the place after the course's last one (practice.services.practice_next_position,
exams.services.exam_next_position)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from exams.models import Exam
from practice.models import Assignment, ItemSet
from tests.practice.conftest import make_set

SET_FORM = {
    "task": "text_class",
    "labels_text": "好评\n差评",
    "iou_threshold": "0.5",
    "mode": "practice",
    "min_score": "80",
}


def test_a_new_item_set_and_a_new_assignment_come_after_the_ordered_ones(
    editor_client, course, practice_lesson
):
    ordered = make_set(course, lesson=practice_lesson)
    ItemSet.objects.filter(pk=ordered.pk).update(
        title="A 已排好", position=7
    )  # as a published outline order leaves it

    editor_client.post(
        reverse("practice:studio_create"),
        {"course": course.pk, "lesson": practice_lesson.pk, "title": "0 新练习", **SET_FORM},
    )
    editor_client.post(
        reverse("practice:studio_assignment_create"),
        {
            "course": course.pk,
            "lesson": practice_lesson.pk,
            "title": "0 新作业",
            "brief": "写标题和卖点。",
            "max_images": "5",
            "rubric": "标题：缺失 | 完整\n",
        },
    )

    assert ItemSet.objects.get(title="0 新练习").position == 8
    assert Assignment.objects.get(title="0 新作业").position == 9
    # The course's list follows: the new ones after the ordered one, though their titles sort first.
    assert list(ItemSet.objects.filter(course=course).values_list("title", flat=True)) == [
        "A 已排好",
        "0 新练习",
    ]


def test_a_new_exam_added_in_the_admin_comes_after_the_courses_exams(staff, course):
    earlier = Exam.objects.create(course=course, title="A 期中考试", pass_mark_percent=60)
    Exam.objects.filter(pk=earlier.pk).update(position=4)
    browser = Client()
    browser.force_login(staff)

    response = browser.post(
        reverse("admin:exams_exam_add"),
        {
            "title": "0 结业考试",
            "course": course.pk,
            "pass_mark_percent": "60",
            "cool_off_minutes": "0",
            "score_policy": Exam.ScorePolicy.BEST,
            "release": Exam.Release.IMMEDIATELY,
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Exam.objects.get(title="0 结业考试").position == 5
    assert list(Exam.objects.filter(course=course).values_list("title", flat=True)) == [
        "A 期中考试",
        "0 结业考试",
    ]
