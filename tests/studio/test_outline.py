"""The outline page: modules, lessons and quizzes in order, edited in place with forms (no
JavaScript needed), reordered by buttons or by the drag script's order form; constant queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from courses import revisions
from courses.models import CourseRevision, Lesson
from tests import factories
from tests.studio.conftest import lessons_of


def _keys_in_page(page: str, prefix: str) -> list[str]:
    return re.findall(rf'<li id="({prefix}[^"]+)" data-key=', page)


@pytest.fixture
def draft(live, editor):
    return revisions.revision_open(course=live, by=editor)


def test_outline_lists_modules_lessons_and_quizzes_in_order(client, live, draft, editor):
    first, second = lessons_of(live)
    client.force_login(editor)
    page = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert page.index("开店准备") < page.index("商品上架") < page.index('id="final-quiz"')
    assert _keys_in_page(page, "l") == [f"l{first.pk}", f"l{second.pk}"]
    assert 'value="up"' in page and 'value="down"' in page and 'name="action" value="reorder"' in page
    assert "js/studio-outline.js" in page


def test_add_rename_move_and_delete_in_place(client, live, draft, editor):
    first, second = lessons_of(live)
    url = reverse("studio:outline_change", args=[live.pk])
    client.force_login(editor)
    client.post(url, {"action": "add_module", "title": "第二单元"})
    draft.refresh_from_db()
    module_key = draft.document["course"]["modules"][1]["key"]
    response = client.post(url, {"action": "add_lesson", "key": module_key, "title": "售后服务"})
    draft.refresh_from_db()
    new_key = draft.document["course"]["modules"][1]["lessons"][0]["key"]
    assert response.url.endswith(f"#{new_key}")
    client.post(url, {"action": "add_quiz", "key": module_key, "title": "单元测验"})
    client.post(url, {"action": "rename", "key": f"l{first.pk}", "title": "开店前的准备"})
    client.post(url, {"action": "down", "key": f"l{first.pk}"})
    client.post(url, {"action": "delete", "key": f"l{second.pk}"})

    page = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert _keys_in_page(page, "l") == [f"l{first.pk}", new_key]
    outline = page[: page.index('class="studio-audit"')]
    assert "开店前的准备" in outline and "单元测验" in outline and "商品上架" not in outline
    assert "商品上架" in _history(page)  # the history says what was deleted
    # The live course is untouched until a publisher publishes the revision.
    assert [lesson.title for lesson in lessons_of(live)] == ["开店准备", "商品上架"]


def test_up_and_down_buttons_reorder_modules(client, live, draft, editor):
    url = reverse("studio:outline_change", args=[live.pk])
    client.force_login(editor)
    client.post(url, {"action": "add_module", "title": "第二单元"})
    draft.refresh_from_db()
    second = draft.document["course"]["modules"][1]["key"]
    client.post(url, {"action": "up", "key": second})
    draft.refresh_from_db()
    assert draft.document["course"]["modules"][0]["key"] == second


def test_drag_order_form_reorders_and_refuses_a_stale_order(client, live, draft, editor):
    first, second = lessons_of(live)
    url = reverse("studio:outline_change", args=[live.pk])
    client.force_login(editor)
    client.post(url, {"action": "reorder", "order": f"l{second.pk},l{first.pk}"})
    draft.refresh_from_db()
    assert [n["key"] for n in draft.document["course"]["modules"][0]["lessons"]] == [
        f"l{second.pk}",
        f"l{first.pk}",
    ]
    response = client.post(url, {"action": "reorder", "order": f"l{first.pk}"}, follow=True)
    assert "does not match the outline" in response.content.decode()
    draft.refresh_from_db()
    assert [n["key"] for n in draft.document["course"]["modules"][0]["lessons"]] == [
        f"l{second.pk}",
        f"l{first.pk}",
    ]


def test_a_question_is_added_to_a_quiz(client, live, draft, editor):
    client.force_login(editor)
    quiz_key = draft.document["course"]["final_quiz"]["key"]
    client.post(
        reverse("studio:question_add", args=[live.pk, quiz_key]),
        {"text": "哪些是平台？", "choices": "淘宝\n拼多多\n电视", "correct": "1, 2"},
    )
    draft.refresh_from_db()
    question = draft.document["course"]["final_quiz"]["questions"][-1]
    assert question["kind"] == "multiple"
    assert [c["is_correct"] for c in question["choices"]] == [True, True, False]


def test_a_submitted_revision_is_read_only(client, live, draft, editor):
    revisions.revision_submit(revision=draft, by=editor)
    client.force_login(editor)
    page = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert 'name="action"' not in page
    response = client.post(
        reverse("studio:outline_change", args=[live.pk]), {"action": "add_module", "title": "x"}
    )
    assert response.status_code == 404
    assert CourseRevision.objects.get(pk=draft.pk).document == draft.document


@pytest.mark.parametrize("modules", [1, 20])
def test_outline_query_count_is_constant(client, track, editor, modules, django_assert_num_queries):
    course = factories.CourseFactory(track=track)
    for number in range(modules):
        module = factories.ModuleFactory(course=course, order=number + 1)
        factories.LessonFactory(module=module, order=1)
        factories.LessonFactory(module=module, order=2)
    revision = revisions.revision_open(course=course, by=editor)
    revisions.outline_add(revision=revision, by=editor, kind="final_quiz", title="结业测验")
    client.force_login(editor)
    url = reverse("studio:outline", args=[course.pk])
    # Three of them read the course's exams, item sets and assignments.
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    assert Lesson.objects.filter(module__course=course).count() == 2 * modules


@pytest.mark.parametrize("courses", [1, 30])
def test_home_query_count_is_constant(client, track, editor, courses, django_assert_num_queries):
    for _number in range(courses):
        revisions.revision_open(course=factories.CourseFactory(track=track), by=editor)
    client.force_login(editor)
    with django_assert_num_queries(7):
        assert client.get(reverse("studio:home")).status_code == 200


def _history(page: str) -> str:
    return page[page.index('class="studio-audit"') :]


def test_the_history_names_what_was_moved_reordered_and_deleted(client, live, draft, editor):
    """The outline's history says which lesson moved, in what order the list now is and what
    was deleted by title, never by the draft's internal keys."""
    first, second = lessons_of(live)
    url = reverse("studio:outline_change", args=[live.pk])
    client.force_login(editor)
    client.post(url, {"action": "down", "key": f"l{first.pk}"})
    client.post(url, {"action": "reorder", "order": f"l{first.pk},l{second.pk}"})
    client.post(url, {"action": "delete", "key": f"l{second.pk}"})

    history = _history(client.get(reverse("studio:outline", args=[live.pk])).content.decode())
    assert f"l{first.pk}" not in history and f"l{second.pk}" not in history
    assert f"{first.title}, {second.title}" in history
    assert history.count(first.title) == 2 and history.count(second.title) == 2
