"""Learners' progress follows the curriculum: lessons added, removed or made optional."""

from __future__ import annotations

from django.urls import reverse

from courses import services as course_services
from courses.models import Lesson
from enrollment import services
from enrollment.models import Enrollment
from tests import factories


def inline_management(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": 0,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def add_required_lesson_in_the_admin(client, course, *, order: int, capture):
    """Post the admin's "add lesson" form for a required lesson in the course's first module, running
    what it queues after commit (the progress refresh)."""
    data = {
        "module": course.modules.order_by("order").first().pk,
        "order": order,
        "title": "新增必修课时",
        "kind": "reading",
        "body": "正文",
        "video_url": "",
        "duration_minutes": 10,
        "is_required": "on",
        **inline_management("attachments"),
    }
    with capture(execute=True):
        return client.post(reverse("admin:courses_lesson_add"), data)


def studying(learner, lessons_done: int = 1):
    course = factories.course_with_lessons(lessons=2, final_quiz=False)
    enrollment = services.enrollment_create(learner=learner, course=course)
    for lesson in Lesson.objects.filter(module__course=course).order_by("order")[:lessons_done]:
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    return course, enrollment


def test_adding_a_required_lesson_in_the_admin_lowers_active_learners_percent(
    client, staff, learner, django_capture_on_commit_callbacks
):
    course, enrollment = studying(learner)
    assert enrollment.progress_percent == 50
    client.force_login(staff)
    response = add_required_lesson_in_the_admin(
        client, course, order=3, capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33  # one of three required lessons


def test_deleting_a_lesson_in_the_admin_raises_the_percent(
    client, staff, learner, django_capture_on_commit_callbacks
):
    course, enrollment = studying(learner)
    second = Lesson.objects.filter(module__course=course).order_by("order").last()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:courses_lesson_delete", args=[second.pk]), {"post": "yes"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100


def test_making_a_lesson_optional_through_the_service_refreshes_progress(
    learner, django_capture_on_commit_callbacks
):
    course, enrollment = studying(learner)
    second = Lesson.objects.filter(module__course=course).order_by("order").last()
    second.is_required = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        course_services.lesson_save(lesson=second)
    assert len(callbacks) == 1  # the progress refresh, queued once
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100


def test_editing_a_lesson_text_does_not_queue_a_refresh(learner, django_capture_on_commit_callbacks):
    course, _enrollment = studying(learner)
    lesson = Lesson.objects.filter(module__course=course).first()
    lesson.body = "改过的正文"
    with django_capture_on_commit_callbacks() as callbacks:
        course_services.lesson_save(lesson=lesson)
    assert callbacks == []


def test_completed_learners_keep_their_completion(client, staff, learner, django_capture_on_commit_callbacks):
    course, enrollment = studying(learner, lessons_done=2)
    assert enrollment.status == Enrollment.Status.COMPLETED
    with django_capture_on_commit_callbacks(execute=True):
        course_services.lesson_save(lesson=Lesson(module=course.modules.get(), order=3, title="新课时"))
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.progress_percent) == (Enrollment.Status.COMPLETED, 100)
