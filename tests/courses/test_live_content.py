"""No change reaches learners without a publisher: in the admin, the content of a published or
archived course (its fields, modules, lessons, attachments, quizzes, questions, choices) is
read-only for editors without the publish permission, who are told why; publishers edit it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from courses.models import Choice, Course, Lesson, LessonAttachment, Module, Question, Quiz
from tests import factories
from tests.courses.test_admin import management_form

Status = Course.Status
WHY = "can only be changed by a publisher"
CONTENT = ["course", "module", "lesson", "lessonattachment", "quiz", "question", "choice"]


def _staff_with(*extra: str):
    """Staff who may view, add, change and delete every kind of course content."""
    user = factories.UserFactory(is_staff=True)
    codenames = [f"{action}_{model}" for model in CONTENT for action in ("view", "add", "change", "delete")]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="courses", codename__in=[*codenames, *extra])
    )
    return user


@pytest.fixture
def content_editor(db):
    return _staff_with()


@pytest.fixture
def content_publisher(db):
    return _staff_with("publish_course")


@pytest.fixture
def live(db):
    """A published course with a lesson (with an attachment) and a final quiz."""
    course = factories.make_ready_course(title="农村电商运营")
    lesson = Lesson.objects.get(module__course=course)
    lesson.body = "原来的正文"
    lesson.save()
    LessonAttachment.objects.create(lesson=lesson, title="讲义", file="lessons/attachments/a.pdf")
    return course


def lesson_form(lesson: Lesson, **changes) -> dict:
    data = {
        "module": lesson.module_id,
        "order": lesson.order,
        "title": lesson.title,
        "kind": lesson.kind,
        "body": lesson.body,
        "video_url": "",
        "duration_minutes": lesson.duration_minutes,
        "is_required": "on",
        **management_form("attachments", 0, 0),
    }
    return data | changes


def change_url(obj) -> str:
    return reverse(f"admin:courses_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.ARCHIVED])
def test_editor_cannot_change_a_live_lesson_and_is_told_why(client, content_editor, live, status):
    Course.objects.filter(pk=live.pk).update(status=status)
    lesson = Lesson.objects.get(module__course=live)
    client.force_login(content_editor)

    response = client.post(change_url(lesson), lesson_form(lesson, body="未经审核的新正文"), follow=True)

    lesson.refresh_from_db()
    assert lesson.body == "原来的正文"
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == change_url(lesson)
    assert WHY in page
    # The page shows the lesson read-only: no field to type into, no save button.
    assert 'name="body"' not in page and 'name="_save"' not in page
    assert "原来的正文" in page


def test_publisher_changes_a_live_lesson(client, content_publisher, live):
    lesson = Lesson.objects.get(module__course=live)
    client.force_login(content_publisher)

    response = client.post(change_url(lesson), lesson_form(lesson, body="审核过的新正文"))

    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.body == "审核过的新正文"
    assert WHY not in client.get(change_url(lesson)).content.decode()


def test_editor_still_edits_a_draft(client, content_editor):
    course = factories.make_ready_course(status=Status.DRAFT)
    lesson = Lesson.objects.get(module__course=course)
    client.force_login(content_editor)

    response = client.post(change_url(lesson), lesson_form(lesson, body="草稿的新正文"))

    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.body == "草稿的新正文"


def test_editor_cannot_change_live_lessons_through_the_module_inline(client, content_editor, live):
    module = Module.objects.get(course=live)
    lesson = module.lessons.get()
    client.force_login(content_editor)
    data = {"course": live.pk, "order": module.order, "title": "改过的单元", "summary": ""}
    data |= management_form("lessons", 1, 1) | {
        "lessons-0-id": lesson.pk,
        "lessons-0-module": module.pk,
        "lessons-0-order": 1,
        "lessons-0-title": "改过的课时",
        "lessons-0-kind": lesson.kind,
        "lessons-0-duration_minutes": 5,
        "lessons-0-is_required": "on",
    }

    client.post(change_url(module), data)

    module.refresh_from_db()
    lesson.refresh_from_db()
    assert module.title != "改过的单元"
    assert (lesson.title, lesson.duration_minutes) != ("改过的课时", 5)


def test_editor_cannot_change_the_live_course_itself(client, content_editor, live):
    client.force_login(content_editor)
    page = client.get(change_url(live)).content.decode()
    assert WHY in page
    assert 'name="title"' not in page and 'name="_save"' not in page
    # No empty inline row to add a module or a quiz with.
    assert 'id="modules-empty"' not in page and 'id="quizzes-empty"' not in page

    client.post(change_url(live), {"title": "改过的标题", "summary": "改过的简介", "track": live.track_id})

    live.refresh_from_db()
    assert live.title == "农村电商运营"


def test_editor_cannot_change_a_live_quiz_question_or_its_choices(client, content_editor, live):
    quiz = Quiz.objects.get(course=live)
    question = Question.objects.get(quiz=quiz)
    right, wrong = question.choices.order_by("order")
    client.force_login(content_editor)
    data = {"quiz": quiz.pk, "order": question.order, "text": "改过的题目", "kind": "single"}
    data |= management_form("choices", 2, 2)
    for index, choice in enumerate([right, wrong]):
        data |= {
            f"choices-{index}-id": choice.pk,
            f"choices-{index}-question": question.pk,
            f"choices-{index}-order": index + 1,
            f"choices-{index}-text": choice.text,
        }
    data["choices-1-is_correct"] = "on"  # the wrong one made right

    response = client.post(change_url(question), data, follow=True)

    assert WHY in response.content.decode()
    question.refresh_from_db()
    assert question.text != "改过的题目"
    assert list(Choice.objects.filter(question=question, is_correct=True)) == [right]

    client.post(
        change_url(quiz), {"course": live.pk, "title": "改过的测验", "pass_mark": 0, "show_answers": "never"}
    )
    quiz.refresh_from_db()
    assert (quiz.title, quiz.pass_mark) != ("改过的测验", 0)


def test_editor_cannot_delete_live_content(client, content_editor, live):
    lesson = Lesson.objects.get(module__course=live)
    client.force_login(content_editor)

    response = client.post(reverse("admin:courses_lesson_delete", args=[lesson.pk]), {"post": "yes"})
    assert response.status_code == 403

    client.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": "delete_selected", "_selected_action": [lesson.pk], "post": "yes"},
    )
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    assert LessonAttachment.objects.filter(lesson=lesson).exists()


def test_editor_cannot_add_a_lesson_to_a_live_course(client, content_editor, live):
    module = Module.objects.get(course=live)
    client.force_login(content_editor)

    response = client.post(
        reverse("admin:courses_lesson_add"),
        lesson_form(Lesson(module=module, order=2, title="偷偷加的课时", kind="reading", duration_minutes=5)),
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Lesson.objects.filter(title="偷偷加的课时").exists()
