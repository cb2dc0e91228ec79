"""The outline lists the course's exams and practice items in order — practice items under the
lesson they complete, exams (the final one first) with the course — each with its state and a
link to where it is edited; in a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from courses import revisions
from exams.models import Exam
from practice.models import Assignment, ItemSet
from tests import factories
from tests.studio.conftest import lessons_of


def item_set(course, lesson, title, published=False):
    return ItemSet.objects.create(
        course=course,
        lesson=lesson,
        title=title,
        task="text_class",
        labels=["好评", "差评"],
        published=published,
    )


def assignment(course, lesson, title, published=False):
    return Assignment.objects.create(
        course=course, lesson=lesson, title=title, brief="写一条商品详情", published=published
    )


def activities_of(page: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<li class="studio-activity" id="[a-z]+-\d+" data-kind="([a-z_]+)"[^>]*>'
        r'(?:<span class="studio-handle" aria-hidden="true">⠿</span>)?'
        r'<span>[^<]*<a href="([^"]+)">([^<]+)</a>',
        page,
    )


def test_exams_and_practice_items_are_listed_in_order_with_their_state(client, live, editor):
    first, second = lessons_of(live)
    labelling = item_set(live, second, "评论情感", published=True)
    rubric = assignment(live, second, "商品详情作业")
    loose = item_set(live, None, "主图合格吗？")
    final = Exam.objects.create(course=live, title="结业考试", is_final=True, status=Exam.Status.PUBLISHED)
    unit = Exam.objects.create(course=live, title="单元考", status=Exam.Status.DRAFT)
    other_course = factories.course_with_lessons(track=live.track)
    item_set(other_course, lessons_of(other_course)[0], "别的课的练习")
    revisions.revision_open(course=live, by=editor)

    client.force_login(editor)
    page = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert activities_of(page) == [
        ("item_set", reverse("practice:studio_set", args=[labelling.pk]), "评论情感"),
        ("assignment", reverse("practice:studio_assignment", args=[rubric.pk]), "商品详情作业"),
        ("exam", reverse("admin:exams_exam_change", args=[final.pk]), "结业考试"),
        ("exam", reverse("admin:exams_exam_change", args=[unit.pk]), "单元考"),
        ("item_set", reverse("practice:studio_set", args=[loose.pk]), "主图合格吗？"),
    ]
    # Under the second lesson, after the first one.
    assert page.index(f'id="l{first.pk}"') < page.index(f'id="l{second.pk}"') < page.index("评论情感")
    assert page.index("评论情感") < page.index('id="exams-practice"') < page.index("结业考试")
    section = page[page.index('id="exams-practice"') :]
    assert re.search(r"结业考试</a></span> <small class=\"badge\">Published</small>", section)
    assert re.search(r"单元考</a></span> <small class=\"badge studio-draft\">Draft</small>", section)
    assert "Final exam: " in section
    assert "别的课的练习" not in page


def test_the_live_outline_of_a_course_without_revision_lists_them_too(client, live, publisher):
    item_set(live, lessons_of(live)[0], "评论情感")
    client.force_login(publisher)
    page = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert [title for _kind, _url, title in activities_of(page)] == ["评论情感"]


@pytest.mark.parametrize("size", [1, 15])
def test_the_outline_query_count_does_not_grow_with_exams_and_practice(
    client, track, editor, size, django_assert_num_queries
):
    course = factories.CourseFactory(track=track)
    for number in range(size):
        module = factories.ModuleFactory(course=course, order=number + 1)
        lesson = factories.LessonFactory(module=module, order=1)
        item_set(course, lesson, f"练习{number}")
        assignment(course, lesson, f"作业{number}", published=True)
        Exam.objects.create(course=course, title=f"考试{number}")
    revisions.revision_open(course=course, by=editor)
    client.force_login(editor)
    with django_assert_num_queries(9):
        page = client.get(reverse("studio:outline", args=[course.pk])).content.decode()
    assert len(activities_of(page)) == 3 * size
