from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from courses import services
from courses.models import Course, CourseStatusChange, Lesson
from tests import factories

Status = Course.Status


@pytest.fixture
def draft(db):
    return factories.make_ready_course(status=Status.DRAFT, published_at=None)


@pytest.fixture
def in_review(db):
    return factories.make_ready_course(status=Status.IN_REVIEW, published_at=None)


def test_editor_can_submit_a_draft_for_review_and_it_is_recorded(editor, draft):
    services.course_submit_for_review(course=draft, by=editor, comment="请审核")

    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    change = CourseStatusChange.objects.get(course=draft)
    assert (change.from_status, change.to_status, change.changed_by, change.comment) == (
        Status.DRAFT,
        Status.IN_REVIEW,
        editor,
        "请审核",
    )
    assert change.changed_at is not None


def test_editor_without_publish_permission_cannot_publish(editor, in_review):
    with pytest.raises(PermissionDenied):
        services.course_publish(course=in_review, by=editor)

    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW
    assert not CourseStatusChange.objects.exists()


def test_editor_without_publish_permission_cannot_archive(editor):
    course = factories.make_ready_course()
    with pytest.raises(PermissionDenied):
        services.course_archive(course=course, by=editor)
    course.refresh_from_db()
    assert course.status == Status.PUBLISHED


def test_user_without_edit_permission_cannot_submit(draft):
    outsider = factories.UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        services.course_submit_for_review(course=draft, by=outsider)


def test_publisher_publishes_a_course_in_review(publisher, in_review):
    services.course_publish(course=in_review, by=publisher, comment="内容准确")

    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED
    assert in_review.published_at is not None
    assert in_review.status_changes.get().changed_by == publisher


def test_a_draft_cannot_be_published_without_review(publisher, draft):
    with pytest.raises(ValidationError):
        services.course_publish(course=draft, by=publisher)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_sending_back_to_draft_needs_a_review_comment(publisher, in_review):
    with pytest.raises(ValidationError):
        services.course_return_to_draft(course=in_review, by=publisher, comment="  ")

    services.course_return_to_draft(course=in_review, by=publisher, comment="第二单元缺少练习")
    in_review.refresh_from_db()
    assert in_review.status == Status.DRAFT
    assert in_review.status_changes.get().comment == "第二单元缺少练习"


def test_a_course_without_lessons_cannot_be_published(publisher):
    course = factories.CourseFactory(status=Status.IN_REVIEW, published_at=None)
    with pytest.raises(ValidationError, match="no lesson"):
        services.course_publish(course=course, by=publisher)


def test_a_question_without_a_correct_choice_blocks_publishing(publisher, in_review):
    question = factories.QuestionFactory(quiz=in_review.quizzes.get(), order=2)
    factories.ChoiceFactory.create_batch(2, question=question)
    with pytest.raises(ValidationError, match="correct"):
        services.course_publish(course=in_review, by=publisher)


def test_archived_course_is_closed_to_new_enrolment(publisher):
    course = factories.make_ready_course()
    services.course_archive(course=course, by=publisher, comment="新版已上线")

    course.refresh_from_db()
    assert course.status == Status.ARCHIVED
    assert not course.is_open_for_enrolment
    assert not Course.objects.enrollable().filter(pk=course.pk).exists()
    assert Course.objects.enrollable().filter(pk=factories.make_ready_course().pk).exists()


def test_archived_course_page_is_readable_by_staff_and_says_enrolment_is_closed(client, staff):
    course = factories.make_ready_course(status=Status.ARCHIVED)
    client.force_login(staff)
    response = client.get(reverse("catalogue:detail", args=[course.slug]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "closed to new enrolment" in response.content.decode()
    assert "Sign up to enrol" not in response.content.decode()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_unpublished_courses_are_invisible_to_learners_and_404_by_url(client, learner, status):
    course = factories.make_ready_course(status=status, title="未发布的课程")
    for logged_in in (False, True):
        if logged_in:
            client.force_login(learner)
        assert client.get(reverse("catalogue:detail", args=[course.slug])).status_code == 404
        assert "未发布的课程" not in client.get(reverse("catalogue:catalogue")).content.decode()


def test_published_course_can_be_edited_and_reordered_keeping_lesson_ids(publisher):
    course = factories.make_ready_course()
    module = course.modules.get()
    first = Lesson.objects.get(module=module)
    second = factories.LessonFactory(module=module, order=2)
    first.order, second.order = 2, 1

    services.ordered_children_save(
        objects=[first, second], save=lambda lesson: services.lesson_save(lesson=lesson)
    )
    added = services.lesson_save(lesson=Lesson(module=module, order=3, title="新增课时", body="新内容"))

    course.refresh_from_db()
    assert course.status == Status.PUBLISHED
    assert list(module.lessons.values_list("pk", "order")) == [(second.pk, 1), (first.pk, 2), (added.pk, 3)]
