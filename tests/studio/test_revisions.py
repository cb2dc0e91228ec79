"""Revisions through the studio's pages: what editors change stays out of learners' sight until a
publisher publishes it; publishing updates lessons in place, so learners' progress survives."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses import revisions
from courses.models import Course, CourseRevision, CourseStatusChange, Lesson, StudioAuditEntry
from enrollment.models import Enrollment, LessonProgress
from tests import factories
from tests.studio.conftest import lessons_of


def _lesson_form(lesson_node: dict, **changes) -> dict:
    data = {
        "title": lesson_node["title"],
        "body": lesson_node["body"],
        "video_url": lesson_node["video_url"],
        "duration_minutes": lesson_node["duration_minutes"],
        "is_required": "on",
        "save": "",
    }
    data.update(changes)
    return data


def open_revision(client, course) -> CourseRevision:
    assert client.post(reverse("studio:revision_open", args=[course.pk])).status_code == 302
    return CourseRevision.objects.get(course=course, status="draft")


def submit(client, course):
    response = client.post(reverse("studio:submit", args=[course.pk]))
    assert response.status_code == 302
    return response


def publish(client, revision, changelog="更新了开店准备"):
    return client.post(reverse("studio:publish", args=[revision.pk]), {"changelog": changelog})


@pytest.fixture
def enrolled(live, learner):
    enrollment = factories.EnrollmentFactory(learner=learner, course=live, status=Enrollment.Status.ACTIVE)
    first = lessons_of(live)[0]
    LessonProgress.objects.create(enrollment=enrollment, lesson=first)
    return enrollment


def test_a_revision_is_invisible_to_learners_until_published_and_progress_survives(
    client, live, learner, enrolled, editor, publisher
):
    first = lessons_of(live)[0]
    lesson_url = reverse("learn:lesson", args=[live.slug, first.pk])

    client.force_login(editor)
    revision = open_revision(client, live)
    node = revision.document["course"]["modules"][0]["lessons"][0]
    assert node["id"] == first.pk
    response = client.post(
        reverse("studio:lesson", args=[live.pk, node["key"]]), _lesson_form(node, body="改过的正文")
    )
    assert response.status_code == 302
    submit(client, live)

    client.force_login(learner)
    page = client.get(lesson_url).content.decode()
    assert "原来的正文" in page and "改过的正文" not in page

    client.force_login(publisher)
    assert publish(client, revision).status_code == 302

    client.force_login(learner)
    page = client.get(lesson_url).content.decode()
    assert "改过的正文" in page and "原来的正文" not in page
    assert Lesson.objects.get(pk=first.pk).body == "改过的正文"
    assert LessonProgress.objects.filter(enrollment=enrolled, lesson_id=first.pk).exists()
    revision.refresh_from_db()
    assert (revision.status, revision.published_by, revision.changelog) == (
        "published",
        publisher,
        "更新了开店准备",
    )
    change = CourseStatusChange.objects.filter(course=live).first()
    assert (change.to_status, change.changed_by, change.comment) == ("published", publisher, "更新了开店准备")
    assert set(StudioAuditEntry.objects.filter(course=live).values_list("action", flat=True)) >= {
        "revision_open",
        "edit_lesson",
        "submit",
        "publish",
    }


def test_publishing_creates_deletes_and_reorders_live_rows(
    client, live, learner, editor, publisher, django_capture_on_commit_callbacks
):
    enrollment = factories.EnrollmentFactory(learner=learner, course=live)
    first, second = lessons_of(live)
    LessonProgress.objects.create(enrollment=enrollment, lesson=first)
    LessonProgress.objects.create(enrollment=enrollment, lesson=second)
    client.force_login(editor)
    revision = open_revision(client, live)
    module_key = revision.document["course"]["modules"][0]["key"]
    change = reverse("studio:outline_change", args=[live.pk])
    client.post(change, {"action": "add_lesson", "key": module_key, "title": "直播带货"})
    client.post(change, {"action": "delete", "key": f"l{first.pk}"})
    client.post(change, {"action": "up", "key": f"l{second.pk}"})  # already first: stays
    revision.refresh_from_db()
    new_key = revision.document["course"]["modules"][0]["lessons"][1]["key"]
    client.post(change, {"action": "reorder", "order": f"{new_key},l{second.pk}"})
    submit(client, live)

    client.force_login(publisher)
    with django_capture_on_commit_callbacks(execute=True):
        assert publish(client, revision).status_code == 302

    titles = [(lesson.pk == second.pk, lesson.title) for lesson in lessons_of(live)]
    assert titles == [(False, "直播带货"), (True, "商品上架")]
    assert not Lesson.objects.filter(pk=first.pk).exists()
    assert list(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)) == [
        second.pk
    ]
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33  # one of three steps done: two lessons and the final quiz


def test_learners_never_see_edits_before_publication_even_when_sent_back(
    client, live, learner, editor, publisher
):
    factories.EnrollmentFactory(learner=learner, course=live)
    client.force_login(editor)
    revision = open_revision(client, live)
    client.post(
        reverse("studio:outline_change", args=[live.pk]),
        {
            "action": "rename",
            "key": revision.document["course"]["modules"][0]["lessons"][1]["key"],
            "title": "新名",
        },
    )
    submit(client, live)
    client.force_login(publisher)
    response = client.post(reverse("studio:send_back", args=[revision.pk]), {"general": "再改改"})
    assert response.status_code == 302
    assert not Lesson.objects.filter(module__course=live, title="新名").exists()
    client.force_login(learner)
    assert "新名" not in client.get(reverse("learn:player", args=[live.slug])).content.decode()


def test_one_open_revision_per_course(client, live, editor):
    client.force_login(editor)
    first = open_revision(client, live)
    client.post(reverse("studio:revision_open", args=[live.pk]))
    assert list(CourseRevision.objects.filter(course=live).values_list("pk", flat=True)) == [first.pk]


def test_a_new_course_is_a_draft_with_a_first_revision_until_published(
    client, track, editor, publisher, learner
):
    client.force_login(editor)
    response = client.post(
        reverse("studio:course_create"),
        {
            "track": track.pk,
            "title": "Live selling",
            "summary": "直播基础",
            "module": "入门",
            "lessons": "甲\n乙",
        },
    )
    course = Course.objects.get(title="Live selling")
    assert response.url == reverse("studio:outline", args=[course.pk])
    assert course.status == Course.Status.DRAFT
    assert not Lesson.objects.filter(module__course=course).exists()
    revision = CourseRevision.objects.get(course=course)
    assert [n["title"] for n in revisions.document_lessons(revision.document)] == ["甲", "乙"]
    client.force_login(learner)
    assert client.get(reverse("catalogue:detail", args=[course.slug])).status_code == 404

    client.force_login(editor)
    question = {"text": "直播要准备什么？", "choices": "手机\n什么都不要", "correct": "1"}
    client.post(reverse("studio:question_add", args=[course.pk, "final"]), question)
    submit(client, course)
    client.force_login(publisher)
    assert publish(client, revision, changelog="首次发布").status_code == 302
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert [lesson.title for lesson in lessons_of(course)] == ["甲", "乙"]
    assert course.quizzes.get().questions.get().choices.filter(is_correct=True).get().text == "手机"
    client.force_login(learner)
    assert client.get(reverse("catalogue:detail", args=[course.slug])).status_code == 200


def test_a_revision_with_problems_cannot_be_submitted(client, track, editor):
    client.force_login(editor)
    client.post(reverse("studio:course_create"), {"track": track.pk, "title": "空课", "summary": "空"})
    course = Course.objects.get(title="空课")
    response = client.post(reverse("studio:submit", args=[course.pk]), follow=True)
    assert "The course has no lesson." in response.content.decode()
    assert CourseRevision.objects.get(course=course).status == "draft"


def test_publishing_needs_a_changelog_and_changes_nothing_without(client, live, editor, publisher):
    client.force_login(editor)
    revision = open_revision(client, live)
    key = revision.document["course"]["modules"][0]["lessons"][0]["key"]
    client.post(
        reverse("studio:outline_change", args=[live.pk]), {"action": "rename", "key": key, "title": "X"}
    )
    submit(client, live)
    client.force_login(publisher)
    publish(client, revision, changelog="  ")
    revision.refresh_from_db()
    assert revision.status == "submitted"
    assert not Lesson.objects.filter(module__course=live, title="X").exists()


def test_a_final_quiz_replaced_in_one_revision_is_published(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    old_quiz = revision.document["course"]["final_quiz"]
    revisions.outline_delete(revision=revision, by=editor, key=old_quiz["key"])
    client.force_login(editor)
    question = {"text": "新测验的问题？", "choices": "甲\n乙", "correct": "2"}
    client.post(reverse("studio:question_add", args=[live.pk, "final"]), question)
    submit(client, live)
    client.force_login(publisher)
    assert publish(client, revision).status_code == 302
    quiz = live.quizzes.get()
    assert quiz.pk != old_quiz["id"]
    assert [(c.text, c.is_correct) for c in quiz.questions.get().choices.all()] == [
        ("甲", False),
        ("乙", True),
    ]
