"""Exams and practice items are reordered in the studio outline (up/down buttons without
JavaScript, the drag form with it) through the draft revision: learners keep the published
order until a publisher publishes the revision, which gives the rows their positions."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import CourseRevision, Lesson, StudioAuditEntry
from enrollment.models import Enrollment
from exams.models import Exam
from practice.models import Assignment, ItemSet
from tests import factories
from tests.studio.conftest import lessons_of
from tests.studio.test_outline_activities import assignment, item_set
from tests.studio.test_revisions import open_revision, publish, submit

OUTLINE = "studio:outline"


def outline_change(client, course, follow=False, **data):
    return client.post(reverse("studio:outline_change", args=[course.pk]), data, follow=follow)


def keys_in(page: str, group: str) -> list[str]:
    """The activity keys of one group of the outline (``exams``, ``course``, ``lesson-<id>``)."""
    start = page.index(f'id="activities-{group}"')
    block = page[start : page.index("</ul>", start)]
    return re.findall(r'<li class="studio-activity" id="([a-z]+-\d+)"', block)


def titles_in_lesson(page: str) -> list[str]:
    section = page[page.index('id="practice"') :]
    section = section[: section.index("</section>")]
    return re.findall(r'<a class="btn[^"]*" href="[^"]+">([^<]+)</a>', section)


@pytest.fixture
def practice_lesson(live):
    lesson = lessons_of(live)[1]
    lesson.kind = Lesson.Kind.PRACTICE
    lesson.save(update_fields=["kind"])
    return lesson


@pytest.fixture
def items(live, practice_lesson):
    """Under the practice lesson: two exercises and an assignment (by title: A, B, C)."""
    first = item_set(live, practice_lesson, "A 评论情感", published=True)
    second = item_set(live, practice_lesson, "B 图片分类", published=True)
    third = assignment(live, practice_lesson, "C 商品详情作业", published=True)
    return first, second, third


@pytest.fixture
def learner_client(live, learner):
    """The learner enrolled in the course, in a browser of their own."""
    factories.EnrollmentFactory(learner=learner, course=live, status=Enrollment.Status.ACTIVE)
    browser = Client()
    browser.force_login(learner)
    return browser


def test_up_and_down_move_a_practice_item_within_its_lesson_in_the_draft(
    client, live, editor, items, practice_lesson
):
    first, second, third = items
    group = f"lesson-{practice_lesson.pk}"
    client.force_login(editor)
    revision = open_revision(client, live)
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert keys_in(page, group) == [f"itemset-{first.pk}", f"itemset-{second.pk}", f"assignment-{third.pk}"]

    response = outline_change(client, live, action="activity_up", key=f"assignment-{third.pk}")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#assignment-{third.pk}")
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert keys_in(page, group) == [f"itemset-{first.pk}", f"assignment-{third.pk}", f"itemset-{second.pk}"]
    outline_change(client, live, action="activity_down", key=f"itemset-{first.pk}")
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert keys_in(page, group) == [f"assignment-{third.pk}", f"itemset-{first.pk}", f"itemset-{second.pk}"]

    revision.refresh_from_db()
    assert revision.document["course"]["activity_order"]["practice"] == [
        f"assignment-{third.pk}",
        f"itemset-{first.pk}",
        f"itemset-{second.pk}",
    ]
    # Only what was moved: the exams keep following the live order until one is moved.
    assert "exams" not in revision.document["course"]["activity_order"]
    entries = StudioAuditEntry.objects.filter(course=live, action="reorder_activities", user=editor)
    # The history names the items by title in their new order, not by the draft's keys.
    assert [entry.detail for entry in entries] == [
        f"{third.title}, {first.title}, {second.title}",
        f"{first.title}, {third.title}, {second.title}",
    ]
    assert "reordered exams or practice items" in page
    # Nothing reached the live rows.
    assert {row.position for row in [*ItemSet.objects.all(), *Assignment.objects.all()]} == {0}


def test_the_first_item_has_no_up_button_the_last_no_down_and_a_forged_move_is_refused(
    client, live, editor, items, practice_lesson
):
    first, _second, third = items
    client.force_login(editor)
    revision = open_revision(client, live)
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()

    def buttons(key):
        start = page.index(f'<li class="studio-activity" id="{key}"')
        item = page[start : page.index("</li>", start)]
        return re.findall(r'name="action" value="(activity_up|activity_down)"', item)

    assert buttons(f"itemset-{first.pk}") == ["activity_down"]
    assert buttons(f"assignment-{third.pk}") == ["activity_up"]
    assert buttons(f"itemset-{items[1].pk}") == ["activity_up", "activity_down"]

    response = outline_change(client, live, action="activity_up", key=f"itemset-{first.pk}", follow=True)
    assert "It is already first." in response.content.decode()
    response = outline_change(client, live, action="activity_down", key=f"assignment-{third.pk}", follow=True)
    assert "It is already last." in response.content.decode()
    revision.refresh_from_db()
    assert "activity_order" not in revision.document["course"]
    assert not StudioAuditEntry.objects.filter(action="reorder_activities").exists()


def test_a_single_item_has_no_buttons_and_a_foreign_key_is_refused(client, live, editor, practice_lesson):
    alone = item_set(live, practice_lesson, "唯一的练习")
    elsewhere = item_set(factories.course_with_lessons(track=live.track), None, "别的课")
    client.force_login(editor)
    open_revision(client, live)
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert f'id="itemset-{alone.pk}"' in page
    assert 'value="activity_up"' not in page and 'value="activity_down"' not in page
    response = outline_change(client, live, action="activity_up", key=f"itemset-{elsewhere.pk}", follow=True)
    assert "This item is no longer in the revision." in response.content.decode()


def test_exams_and_the_course_level_practice_items_move_in_their_own_groups(client, live, editor):
    final = Exam.objects.create(course=live, title="结业考试", is_final=True)
    unit = Exam.objects.create(course=live, title="单元考")
    loose_a = item_set(live, None, "主图合格吗？")
    loose_b = assignment(live, None, "拍一张主图")
    client.force_login(editor)
    open_revision(client, live)
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert keys_in(page, "exams") == [f"exam-{final.pk}", f"exam-{unit.pk}"]
    assert keys_in(page, "course") == [f"itemset-{loose_a.pk}", f"assignment-{loose_b.pk}"]

    outline_change(client, live, action="activity_up", key=f"exam-{unit.pk}")
    outline_change(client, live, action="activity_up", key=f"assignment-{loose_b.pk}")
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert keys_in(page, "exams") == [f"exam-{unit.pk}", f"exam-{final.pk}"]
    assert keys_in(page, "course") == [f"assignment-{loose_b.pk}", f"itemset-{loose_a.pk}"]


def test_the_drag_form_reorders_one_whole_group_and_refuses_anything_else(
    client, live, editor, items, practice_lesson
):
    first, second, third = items
    loose = item_set(live, None, "主图合格吗？")
    group = f"lesson-{practice_lesson.pk}"
    client.force_login(editor)
    revision = open_revision(client, live)
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    # The form the script fills: one per group of more than one item.
    assert re.search(
        rf'<form class="studio-order" id="order-{group}"[^>]*>.*?name="action" value="reorder_activities">'
        r'<input type="hidden" name="order" '
        rf'value="itemset-{first.pk},itemset-{second.pk},assignment-{third.pk}">',
        page,
    )
    assert f'data-form="order-{group}"' in page and "studio-sortable" in page

    order = f"assignment-{third.pk},itemset-{first.pk},itemset-{second.pk}"
    response = outline_change(client, live, action="reorder_activities", order=order)
    assert response["Location"].endswith(f"#assignment-{third.pk}")
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert keys_in(page, group) == order.split(",")

    for forged in (
        f"itemset-{first.pk},itemset-{second.pk}",  # not the whole group
        f"assignment-{third.pk},itemset-{first.pk},itemset-{second.pk},itemset-{loose.pk}",  # two groups
        f"assignment-{third.pk},assignment-{third.pk},itemset-{first.pk}",
    ):
        response = outline_change(client, live, action="reorder_activities", order=forged, follow=True)
        assert "The order sent does not match the outline: reload the page." in response.content.decode()
    revision.refresh_from_db()
    sequence = revision.document["course"]["activity_order"]["practice"]
    assert [key for key in sequence if key != f"itemset-{loose.pk}"] == order.split(",")
    assert keys_in(page, "course") == [f"itemset-{loose.pk}"]


def test_learners_keep_the_published_order_until_the_revision_is_published(
    client, live, editor, publisher, items, practice_lesson, learner_client
):
    first, second, third = items
    final = Exam.objects.create(course=live, title="结业考试", is_final=True, status=Exam.Status.PUBLISHED)
    unit = Exam.objects.create(course=live, title="单元考", status=Exam.Status.PUBLISHED)
    lesson_url = reverse("learn:lesson", args=[live.slug, practice_lesson.pk])
    exams_url = reverse("learn:exams")

    def exam_order():
        page = learner_client.get(exams_url).content.decode()
        return [int(pk) for pk in re.findall(r'<li id="exam-(\d+)">', page)]

    assert titles_in_lesson(learner_client.get(lesson_url).content.decode()) == [
        first.title,
        second.title,
        third.title,
    ]
    assert exam_order() == [final.pk, unit.pk]

    client.force_login(editor)
    revision = open_revision(client, live)
    outline_change(client, live, action="activity_up", key=f"assignment-{third.pk}")
    outline_change(client, live, action="activity_up", key=f"assignment-{third.pk}")
    outline_change(client, live, action="activity_down", key=f"exam-{final.pk}")
    submit(client, live)

    # Submitted, not published: learners see the old order.
    assert titles_in_lesson(learner_client.get(lesson_url).content.decode()) == [
        first.title,
        second.title,
        third.title,
    ]
    assert exam_order() == [final.pk, unit.pk]

    client.force_login(publisher)
    review = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    assert 'id="practice-order-changed"' in review and 'id="exams-order-changed"' in review
    assert "The order of practice items changed." in review
    assert publish(client, revision).status_code == 302
    revision.refresh_from_db()
    assert revision.status == CourseRevision.Status.PUBLISHED

    assert titles_in_lesson(learner_client.get(lesson_url).content.decode()) == [
        third.title,
        first.title,
        second.title,
    ]
    assert exam_order() == [unit.pk, final.pk]
    assert [row.position for row in Exam.objects.order_by("pk")] == [2, 1]
    # The published revision's diff no longer reports a change.
    review = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    assert 'id="practice-order-changed"' not in review


def test_a_revision_that_does_not_reorder_leaves_positions_and_reports_no_order_change(
    client, live, editor, publisher, items
):
    client.force_login(editor)
    revision = open_revision(client, live)
    submit(client, live)
    client.force_login(publisher)
    review = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    assert "order-changed" not in review.replace("outline-changed", "")
    assert publish(client, revision).status_code == 302
    assert {row.position for row in [*ItemSet.objects.all(), *Assignment.objects.all()]} == {0}


def test_an_item_created_after_the_reorder_keeps_its_live_place(client, live, editor, items, practice_lesson):
    first, second, third = items
    client.force_login(editor)
    open_revision(client, live)
    outline_change(client, live, action="activity_down", key=f"itemset-{first.pk}")
    later = item_set(live, practice_lesson, "D 新练习")  # made in the practice studio meanwhile
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert keys_in(page, f"lesson-{practice_lesson.pk}") == [
        f"itemset-{second.pk}",
        f"itemset-{first.pk}",
        f"itemset-{later.pk}",
        f"assignment-{third.pk}",
    ]


def test_only_the_tracks_editors_may_reorder(client, live, editor, other_editor, publisher, items):
    first = items[0]
    client.force_login(editor)
    revision = open_revision(client, live)
    for user in (other_editor, publisher):
        client.force_login(user)
        response = outline_change(client, live, action="activity_down", key=f"itemset-{first.pk}")
        assert response.status_code == 404
        response = outline_change(client, live, action="reorder_activities", order=f"itemset-{first.pk}")
        assert response.status_code == 404
    revision.refresh_from_db()
    assert "activity_order" not in revision.document["course"]
    # Without a draft there is nothing to reorder: the live outline has no buttons.
    client.force_login(editor)
    submit(client, live)
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    assert 'value="activity_down"' not in page
    assert outline_change(client, live, action="activity_down", key=f"itemset-{first.pk}").status_code == 404


def test_the_outline_works_without_javascript(client, live, editor, items):
    """The buttons are plain POST forms; the script only adds dragging."""
    client.force_login(editor)
    open_revision(client, live)
    page = client.get(reverse(OUTLINE, args=[live.pk])).content.decode()
    start = page.index(f'<li class="studio-activity" id="itemset-{items[0].pk}"')
    item = page[start : page.index("</li>", start)]
    assert re.search(
        r'<form class="studio-moves" method="post" '
        rf'action="{reverse("studio:outline_change", args=[live.pk])}">'
        r'<input type="hidden" name="csrfmiddlewaretoken"',
        item,
    )
    assert '<button class="btn small" type="submit" name="action" value="activity_down"' in item


@pytest.mark.parametrize("size", [1, 12])
def test_the_learners_lesson_and_exam_pages_keep_their_query_counts(
    live, practice_lesson, learner_client, size, django_assert_num_queries
):
    for number in range(size):
        item_set(live, practice_lesson, f"练习{number}", published=True)
        assignment(live, practice_lesson, f"作业{number}", published=True)
        Exam.objects.create(
            course=live, title=f"考试{number}", status=Exam.Status.PUBLISHED, position=size - number
        )
    learner_client.get(reverse("learn:lesson", args=[live.slug, practice_lesson.pk]))  # session warm-up
    with django_assert_num_queries(LESSON_QUERIES):
        page = learner_client.get(
            reverse("learn:lesson", args=[live.slug, practice_lesson.pk])
        ).content.decode()
    assert len(titles_in_lesson(page)) == 2 * size
    with django_assert_num_queries(EXAM_LIST_QUERIES):
        page = learner_client.get(reverse("learn:exams")).content.decode()
    assert re.findall(r"<strong>(考试\d+)</strong>", page) == [f"考试{n}" for n in reversed(range(size))]


LESSON_QUERIES = 7
EXAM_LIST_QUERIES = 4
