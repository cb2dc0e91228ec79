"""Editing after creation: the course's own fields and a quiz question's text and choices change
in the draft (audited, invisible to learners) and reach the live rows when published; choices
edited in place keep their rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses import revisions
from courses.models import Choice, Course, Question, StudioAuditEntry


@pytest.fixture
def draft(live, editor):
    return revisions.revision_open(course=live, by=editor)


def _publish(client, course, editor, publisher):
    client.force_login(editor)
    assert client.post(reverse("studio:submit", args=[course.pk])).status_code == 302
    revision = revisions.open_revision(course=course)
    client.force_login(publisher)
    response = client.post(reverse("studio:publish", args=[revision.pk]), {"changelog": "改了课程信息"})
    assert response.status_code == 302
    assert revisions.open_revision(course=course) is None


def _details(**changes) -> dict:
    data = {
        "title": "农村电商运营（第二版）",
        "summary": "从开店到售后",
        "level": "intermediate",
        "estimated_hours": 12,
        "description": "新的介绍",
    }
    data.update(changes)
    return data


def test_course_details_change_in_the_draft_and_reach_learners_when_published(
    client, live, draft, editor, publisher
):
    client.force_login(editor)
    page = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert 'id="course-details"' in page and 'name="level"' in page

    response = client.post(reverse("studio:course_details", args=[live.pk]), _details())
    assert response.status_code == 302
    draft.refresh_from_db()
    data = draft.document["course"]
    assert (data["title"], data["summary"], data["level"], data["estimated_hours"]) == (
        "农村电商运营（第二版）",
        "从开店到售后",
        "intermediate",
        12,
    )
    assert Course.objects.get(pk=live.pk).title == "农村电商运营"  # learners still see the old one
    assert StudioAuditEntry.objects.filter(course=live, action="edit_course", user=editor).exists()

    _publish(client, live, editor, publisher)
    course = Course.objects.get(pk=live.pk)
    assert (course.title, course.summary, course.level, course.estimated_hours, course.description) == (
        "农村电商运营（第二版）",
        "从开店到售后",
        "intermediate",
        12,
        "新的介绍",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"summary": ""}, "This field is required."),
        ({"level": "expert"}, "Select a valid choice."),
        ({"estimated_hours": 20000}, "less than or equal to 10000"),
    ],
)
def test_invalid_course_details_are_refused_and_change_nothing(client, live, draft, editor, changes, message):
    client.force_login(editor)
    response = client.post(reverse("studio:course_details", args=[live.pk]), _details(**changes), follow=True)
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.document["course"]["title"] == "农村电商运营"
    assert not StudioAuditEntry.objects.filter(action="edit_course").exists()


def test_another_tracks_editor_cannot_change_the_details(client, live, draft, other_editor):
    client.force_login(other_editor)
    response = client.post(reverse("studio:course_details", args=[live.pk]), _details())
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.document["course"]["title"] == "农村电商运营"


def _question_key(draft) -> str:
    return draft.document["course"]["final_quiz"]["questions"][0]["key"]


def test_a_question_is_edited_choice_by_choice_and_keeps_its_rows(client, live, draft, editor, publisher):
    question = Question.objects.get(quiz__course=live)
    first, second = Choice.objects.filter(question=question).order_by("order")
    url = reverse("studio:question_edit", args=[live.pk, _question_key(draft)])
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert 'name="choice_0"' in page and 'name="remove_1"' in page and 'name="choice_3"' in page
    outline = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert url in outline

    # Change the text, the first choice's text, remove the second, add two; 1 and 3 are right.
    response = client.post(
        url,
        {
            "text": "开店前要准备什么？",
            "explanation": "营业执照和商品图",
            "shown": 2,
            "choice_0": "营业执照",
            "correct_0": "on",
            "choice_1": str(second.text),
            "remove_1": "on",
            "choice_2": "一台拖拉机",
            "choice_3": "商品图",
            "correct_3": "on",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    node = draft.document["course"]["final_quiz"]["questions"][0]
    assert node["text"] == "开店前要准备什么？" and node["kind"] == "multiple"
    assert [(c["id"], c["text"], c["is_correct"]) for c in node["choices"]] == [
        (first.pk, "营业执照", True),
        (None, "一台拖拉机", False),
        (None, "商品图", True),
    ]
    assert StudioAuditEntry.objects.filter(course=live, action="edit_question").exists()
    assert Question.objects.get(pk=question.pk).text == question.text  # not live yet

    _publish(client, live, editor, publisher)
    question.refresh_from_db()
    assert (question.text, question.kind, question.explanation) == (
        "开店前要准备什么？",
        "multiple",
        "营业执照和商品图",
    )
    rows = list(Choice.objects.filter(question=question).order_by("order"))
    assert [(row.text, row.is_correct) for row in rows] == [
        ("营业执照", True),
        ("一台拖拉机", False),
        ("商品图", True),
    ]
    assert rows[0].pk == first.pk
    assert not Choice.objects.filter(pk=second.pk).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"correct_0": ""}, "Mark at least one choice as correct."),
        ({"remove_1": "on"}, "A question needs at least two choices."),
        ({"text": ""}, "This field is required."),
        ({"shown": 3}, "The question changed since you opened it"),
    ],
)
def test_a_broken_question_edit_is_refused_with_a_message(client, live, draft, editor, changes, message):
    url = reverse("studio:question_edit", args=[live.pk, _question_key(draft)])
    before = draft.document["course"]["final_quiz"]["questions"][0]
    data = {
        "text": "新的题目",
        "shown": 2,
        "choice_0": "甲",
        "correct_0": "on",
        "choice_1": "乙",
    }
    data.update(changes)
    client.force_login(editor)
    response = client.post(url, {k: v for k, v in data.items() if v != ""})
    assert response.status_code == 400
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.document["course"]["final_quiz"]["questions"][0] == before


def test_question_editing_needs_an_editable_draft_of_ones_track(client, live, draft, editor, other_editor):
    url = reverse("studio:question_edit", args=[live.pk, _question_key(draft)])
    client.force_login(other_editor)
    assert client.get(url).status_code == 404
    client.force_login(editor)
    assert client.get(reverse("studio:question_edit", args=[live.pk, "k-missing"])).status_code == 404
    revisions.revision_submit(revision=draft, by=editor)
    assert client.get(url).status_code == 404
