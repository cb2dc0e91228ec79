"""Completion through the learner's pages: lessons, final quiz, and the cohort's minimum attendance."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from counties.models import Attendance
from courses.models import Lesson
from enrollment import services
from enrollment.models import Enrollment
from tests import factories

Status = Enrollment.Status


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def study_everything(client, course):
    """Complete every lesson and pass the final quiz through the pages, as a learner does."""
    for lesson in Lesson.objects.filter(module__course=course).order_by("order"):
        client.post(reverse("learn:lesson_complete", args=[course.slug, lesson.pk]))
    quiz = course.quizzes.get()
    url = reverse("learn:quiz", args=[course.slug, quiz.pk])
    page = client.get(url).content.decode()
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    question = quiz.questions.get()
    return client.post(
        url, {"token": token, f"q{question.pk}": question.choices.get(is_correct=True).pk}, follow=True
    )


def test_cohort_without_a_minimum_completes_when_study_is_done(client, learner, county):
    course = factories.course_with_lessons(lessons=2)
    cohort = factories.CohortFactory(course=course, county=county)
    client.force_login(learner)
    client.post(reverse("learn:join_code", args=[cohort.join_code]))
    study_everything(client, course)
    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.status == Status.COMPLETED
    assert Certificate.objects.get(enrollment=enrollment).status == Certificate.Status.PENDING


def test_cohort_minimum_attendance_holds_completion_until_attendance_is_met(client, learner, county):
    course = factories.course_with_lessons(lessons=2)
    cohort = factories.CohortFactory(course=course, county=county, min_attendance_percent=50)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    sessions = [factories.ClassSessionFactory(cohort=cohort, date=yesterday) for _ in range(2)]
    client.force_login(learner)
    client.post(reverse("learn:join_code", args=[cohort.join_code]))

    response = study_everything(client, course)
    enrollment = Enrollment.objects.get(learner=learner)
    assert (enrollment.status, enrollment.progress_percent) == (Status.ACTIVE, 100)
    assert not Certificate.objects.exists()
    assert "Passed" in response.content.decode()
    assert (
        "attend at least 50% of the offline classes"
        in client.get(reverse("learn:dashboard")).content.decode()
    )

    Attendance.objects.create(session=sessions[0], learner=learner, status=Attendance.Status.PRESENT)
    Attendance.objects.create(session=sessions[1], learner=learner, status=Attendance.Status.ABSENT)
    assert services.enrollment_check_completion(enrollment_id=enrollment.pk)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED
    assert "Certificate being prepared" in client.get(reverse("learn:dashboard")).content.decode()


def test_last_lesson_with_attendance_missing_says_what_is_missing(client, learner, county):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(course=course, county=county, min_attendance_percent=80)
    client.force_login(learner)
    client.post(reverse("learn:join_code", args=[cohort.join_code]))
    lesson = Lesson.objects.get(module__course=course)
    response = client.post(reverse("learn:lesson_complete", args=[course.slug, lesson.pk]), follow=True)
    # The course's page says what the certificate still needs.
    assert response.redirect_chain[-1][0] == reverse("learn:player", args=[course.slug])
    assert "Attend at least 80% of the offline classes." in response.content.decode()
    assert Enrollment.objects.get(learner=learner).status == Status.ACTIVE
