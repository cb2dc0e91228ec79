"""The learner's dashboard and lesson pages are built afresh on every request: every change a
learner can see shows on the next visit, whoever made it."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from certificates.services import certificate_record_failure
from counties.models import Announcement
from courses import services as course_services
from courses.models import Lesson, Quiz
from enrollment import services
from enrollment.quizzes import new_attempt_token, quiz_submit
from tests import factories

DASHBOARD = reverse("learn:dashboard")


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=2, title="农村电商运营")


@pytest.fixture
def enrollment(learner, course):
    return services.enrollment_create(learner=learner, course=course)


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("order"))


def lesson_url(course, lesson) -> str:
    return reverse("learn:lesson", args=[course.slug, lesson.pk])


def test_completing_a_lesson_shows_at_once_on_both_pages(client, learner, enrollment, course):
    client.force_login(learner)
    first, _second = lessons_of(course)
    assert "0%" in client.get(DASHBOARD).content.decode()
    before = client.get(lesson_url(course, first)).content
    response = client.post(reverse("learn:lesson_complete", args=[course.slug, first.pk]))
    assert response.status_code == 302
    assert "33%" in client.get(DASHBOARD).content.decode()  # 1 of 2 lessons + the final quiz
    assert client.get(lesson_url(course, first)).content != before


def test_enrolling_and_withdrawing_show_at_once(client, learner, course):
    client.force_login(learner)
    assert "农村电商运营" not in client.get(DASHBOARD).content.decode()
    client.post(reverse("learn:enrol", args=[course.slug]))
    client.get(reverse("learn:player", args=[course.slug]), follow=True)  # reads the message
    assert 'data-status="active"' in client.get(DASHBOARD).content.decode()
    client.post(reverse("learn:withdraw", args=[course.slug]), {"reason": ""})
    client.get(DASHBOARD)  # the page with the flash message
    assert 'data-status="withdrawn"' in client.get(DASHBOARD).content.decode()


def test_a_quiz_attempt_shows_at_once(client, learner, enrollment, course):
    client.force_login(learner)
    for lesson in lessons_of(course):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    assert "Next: the final quiz" in client.get(DASHBOARD).content.decode()
    quiz = Quiz.objects.get(course=course)
    question = quiz.questions.get()
    wrong = question.choices.get(is_correct=False)
    answers = {question.pk: [wrong.pk]}
    quiz_submit(enrollment=enrollment, quiz=quiz, token=new_attempt_token(), answers=answers)
    assert "Best score in the final quiz: 0%" in client.get(DASHBOARD).content.decode()


def test_a_coordinators_announcement_and_class_show_on_the_learners_dashboard(
    client, learner, county, course
):
    cohort = factories.CohortFactory(county=county, course=course)
    services.cohort_join(learner=learner, cohort=cohort)
    client.force_login(learner)
    assert "Announcements" not in client.get(DASHBOARD).content.decode()
    Announcement.objects.create(cohort=cohort, title="周六上课改到机房", body="带上身份证")
    assert "周六上课改到机房" in client.get(DASHBOARD).content.decode()
    factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate(), topic="直播带货实操")
    assert "直播带货实操" in client.get(DASHBOARD).content.decode()


def test_a_course_edit_shows_at_once(client, learner, enrollment, course, django_capture_on_commit_callbacks):
    client.force_login(learner)
    lesson = lessons_of(course)[0]
    assert "新的课时标题" not in client.get(lesson_url(course, lesson)).content.decode()
    lesson.title = "新的课时标题"
    with django_capture_on_commit_callbacks(execute=True):
        course_services.lesson_save(lesson=lesson)
    assert "新的课时标题" in client.get(lesson_url(course, lesson)).content.decode()
    assert "新的课时标题" in client.get(DASHBOARD).content.decode()  # the next step's title


def test_another_learners_lesson_url_is_a_404(client, learner, enrollment, course, county):
    client.force_login(learner)
    url = lesson_url(course, lessons_of(course)[0])
    assert client.get(url).status_code == 200
    other = Client()
    other.force_login(factories.LearnerProfileFactory(county=county).user)
    assert other.get(url).status_code == 404


def test_a_flash_message_shows_once(client, learner, course):
    client.force_login(learner)
    client.post(reverse("learn:enrol", args=[course.slug]))
    client.post(reverse("learn:withdraw", args=[course.slug]), {"reason": ""})
    with_message = client.get(DASHBOARD).content.decode()
    assert "You withdrew from" in with_message
    assert "You withdrew from" not in client.get(DASHBOARD).content.decode()


def test_the_lesson_form_posts_with_a_valid_token(learner, enrollment, course):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    client.force_login(learner)
    first = lessons_of(course)[0]
    page = client.get(lesson_url(course, first)).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        reverse("learn:lesson_complete", args=[course.slug, first.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_withdrawn_learner_is_sent_away_from_the_lesson_at_once(client, learner, enrollment, course):
    client.force_login(learner)
    url = lesson_url(course, lessons_of(course)[0])
    assert client.get(url).status_code == 200
    services.enrollment_withdraw(enrollment=enrollment)
    assert client.get(url).status_code == 302


def test_the_dashboard_changes_with_the_day(client, learner, county, course, monkeypatch):
    cohort = factories.CohortFactory(county=county, course=course)
    services.cohort_join(learner=learner, cohort=cohort)
    in_three_weeks = timezone.localdate() + datetime.timedelta(days=21)
    factories.ClassSessionFactory(cohort=cohort, date=in_three_weeks, topic="三周后的课")
    client.force_login(learner)
    assert "三周后的课" not in client.get(DASHBOARD).content.decode()
    later = in_three_weeks - datetime.timedelta(days=7)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert "三周后的课" in client.get(DASHBOARD).content.decode()


def test_a_certificate_issued_again_in_the_admin_shows_on_the_dashboard_and_the_verification_page(
    client, learner, staff, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    course = factories.course_with_lessons(lessons=1, final_quiz=False, title="直播带货实战")
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=lessons_of(course)[0])
    certificate = Certificate.objects.get(enrollment=enrollment)
    certificate_record_failure(certificate_id=certificate.pk, error="OSError: disk full", final=True)
    client.force_login(learner)
    verification = reverse("certificates:verify", args=[certificate.verification_code])
    visitor = Client()
    assert "Certificate: Failed" in client.get(DASHBOARD).content.decode()
    assert visitor.get(verification).status_code == 404

    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        reverse("admin:certificates_certificate_changelist"),
        {"action": "issue_again", ACTION_CHECKBOX_NAME: [certificate.pk]},
    )
    assert response.status_code == 302

    page = client.get(DASHBOARD).content.decode()
    assert "Certificate: Issued" in page
    assert reverse("certificates:download", args=[certificate.verification_code]) in page
    response = visitor.get(verification)
    assert response.status_code == 200
    assert response.context["certificate"].status == Certificate.Status.ISSUED
