"""The learner's dashboard: my courses, next steps, classes, announcements, certificates."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from certificates.services import certificate_issue
from counties.models import Announcement, Cohort
from courses.models import Lesson
from enrollment import services
from enrollment.models import Enrollment, QuizAttempt
from tests import factories

Status = Enrollment.Status
DASHBOARD = reverse("learn:dashboard")

# User (with its role flags: the navigation's is-coordinator check), all the learner's enrolments
# (with course, cohort and certificate), the next lessons, the final quizzes (with the learner's
# attempts), upcoming classes, announcements, the learner's county. The session is in the cache;
# so are the courses the county offers, read once a minute (SUGGESTIONS_QUERIES the first time).
DASHBOARD_QUERIES = 7
SUGGESTIONS_QUERIES = 1


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def test_new_learner_is_led_to_the_catalogue_and_the_join_page(client, learner):
    client.force_login(learner)
    page = client.get(DASHBOARD).content.decode()
    assert "You are not studying any course yet." in page
    assert f'class="btn primary" href="{reverse("catalogue:catalogue")}"' in page
    assert f'href="{reverse("learn:join")}"' in page


def test_dashboard_needs_a_login(client, db):
    assert client.get(DASHBOARD).url.startswith(reverse("account_login"))


def test_courses_show_progress_and_the_next_step(client, learner):
    course = factories.course_with_lessons(lessons=2)
    enrollment = services.enrollment_create(learner=learner, course=course)
    first, second = Lesson.objects.filter(module__course=course).order_by("order")
    services.lesson_complete(enrollment=enrollment, lesson=first)
    client.force_login(learner)

    page = client.get(DASHBOARD).content.decode()
    assert '<progress max="100" value="33"' in page
    assert f'href="{reverse("learn:lesson", args=[course.slug, second.pk])}">Next: {second.title}' in page

    services.lesson_complete(enrollment=enrollment, lesson=second)
    page = client.get(DASHBOARD).content.decode()
    quiz = course.quizzes.get()
    assert f'href="{reverse("learn:quiz", args=[course.slug, quiz.pk])}">Next: the final quiz' in page


def test_statuses_waiting_completed_and_withdrawn(client, learner, county):
    waiting = factories.CohortFactory(county=county, requires_approval=True)
    services.cohort_join(learner=learner, cohort=waiting)
    done = factories.course_with_lessons(lessons=1, final_quiz=False)
    enrollment = services.enrollment_create(learner=learner, course=done)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=done))
    left = factories.course_with_lessons(lessons=1)
    services.enrollment_withdraw(enrollment=services.enrollment_create(learner=learner, course=left))
    client.force_login(learner)

    page = client.get(DASHBOARD).content.decode()
    assert "Waiting for approval" in page
    assert "Certificate being prepared" in page
    assert "Enrol again" in page
    # Current courses first, then completed, then the one left.
    assert page.index(waiting.course.title) < page.index(done.title) < page.index(left.title)

    # The worker issues it: the cached dashboard shows it at once.
    certificate_issue(certificate_id=Certificate.objects.get().pk)
    assert "Certificate: Issued" in client.get(DASHBOARD).content.decode()


def test_cohort_minimum_attendance_is_the_next_step_when_study_is_done(client, learner, county):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(course=course, county=county, min_attendance_percent=60)
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate() - datetime.timedelta(days=1))
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=course))
    client.force_login(learner)
    page = client.get(DASHBOARD).content.decode()
    assert "attend at least 60% of the offline classes" in page


def test_upcoming_classes_and_announcements_of_my_classes_only(client, learner, county, other_county):
    today = timezone.localdate()
    mine = factories.CohortFactory(county=county)
    services.cohort_join(learner=learner, cohort=mine)
    theirs = factories.CohortFactory(county=other_county)
    factories.ClassSessionFactory(cohort=mine, date=today + datetime.timedelta(days=3), topic="直播带货实操")
    factories.ClassSessionFactory(cohort=mine, date=today + datetime.timedelta(days=20), topic="太远的课")
    factories.ClassSessionFactory(cohort=mine, date=today - datetime.timedelta(days=1), topic="昨天的课")
    factories.ClassSessionFactory(cohort=theirs, date=today + datetime.timedelta(days=3), topic="别人的课")
    Announcement.objects.create(cohort=mine, title="周六上课改到302教室", body="请带上手机。")
    Announcement.objects.create(cohort=theirs, title="别的班的通知", body="……")
    client.force_login(learner)

    page = client.get(DASHBOARD).content.decode()
    assert "直播带货实操" in page
    assert "太远的课" not in page and "昨天的课" not in page and "别人的课" not in page
    assert "周六上课改到302教室" in page and "请带上手机。" in page
    assert "别的班的通知" not in page


def test_suggestions_are_courses_with_a_class_in_my_county_not_taken(client, learner, county, other_county):
    nearby = factories.CohortFactory(county=county).course
    far = factories.CohortFactory(county=other_county).course
    closed = factories.CohortFactory(county=county, status=Cohort.Status.CLOSED).course
    taken = factories.CohortFactory(county=county).course
    services.enrollment_create(learner=learner, course=taken)
    client.force_login(learner)

    suggestions = [course["slug"] for course in client.get(DASHBOARD).context["suggestions"]]
    assert suggestions == [nearby.slug]
    assert far.slug not in suggestions and closed.slug not in suggestions


def test_another_learners_courses_are_not_shown(client, learner):
    other = factories.LearnerProfileFactory().user
    course = factories.course_with_lessons(lessons=1)
    services.enrollment_create(learner=other, course=course)
    client.force_login(learner)
    assert course.title not in client.get(DASHBOARD).content.decode()


def _learner_with(size: int, learner, county) -> None:
    today = timezone.localdate()
    for index in range(size):
        course = factories.course_with_lessons(lessons=3)
        cohort = factories.CohortFactory(course=course, county=county)
        enrollment = services.cohort_join(learner=learner, cohort=cohort)
        factories.ClassSessionFactory(cohort=cohort, date=today + datetime.timedelta(days=index % 14))
        Announcement.objects.create(cohort=cohort, title=f"通知{index}", body="……")
        lessons = Lesson.objects.filter(module__course=course).order_by("order")
        for lesson in lessons[: index % 4]:
            services.lesson_complete(enrollment=enrollment, lesson=lesson)
        if index % 4 == 3:
            QuizAttempt.objects.create(
                enrollment=enrollment,
                quiz=course.quizzes.get(),
                token=f"t{index}",
                number=1,
                score=100,
                passed=True,
            )
            assert services.enrollment_check_completion(enrollment_id=enrollment.pk)
        factories.CohortFactory(county=county)  # a suggestion


@pytest.mark.parametrize("size", [1, 50])
def test_dashboard_query_count_is_constant(client, learner, county, size, django_assert_num_queries):
    _learner_with(size, learner, county)
    client.force_login(learner)
    with django_assert_num_queries(DASHBOARD_QUERIES + SUGGESTIONS_QUERIES):
        client.get(DASHBOARD)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(size, 20)
    assert len(response.context["certificates"]) == size // 4
