"""A cohort learner sees their own attendance (on the course's pages and a line on the
dashboard) and what the certificate still needs; with study done and attendance short,
"continue" stops at the course's page instead of looping back through the last lesson into the
final quiz."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from counties.models import Attendance, ClassSession
from counties.selectors import attendance_percent
from courses.models import Lesson, Quiz
from enrollment import selectors, services
from enrollment.models import Enrollment, QuizAttempt
from enrollment.quizzes import quiz_submit
from tests import factories

Status = Enrollment.Status
Present, Absent, Excused = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED
DASHBOARD = reverse("learn:dashboard")

# User, enrolment with course and cohort, the outline (modules with lessons, quizzes with the
# learner's attempts), what completion still needs (required lessons done, final quiz passed,
# classes held, the learner's attendance at them), the classes with the learner's attendance.
COURSE_PAGE_QUERIES = 9
# The dashboard's queries (tests/learn/test_dashboard.py) and one for the attendance of every
# enrolment whose cohort sets a minimum.
DASHBOARD_QUERIES = 7 + 1


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


def player_url(course) -> str:
    return reverse("learn:player", args=[course.slug])


def study_everything(enrollment: Enrollment) -> None:
    """Every lesson done and the final quiz passed (its first choice is right)."""
    for lesson in lessons_of(enrollment.course):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    quiz = Quiz.objects.get(course=enrollment.course)
    question = quiz.questions.get()
    right = question.choices.get(is_correct=True)
    assert quiz_submit(
        enrollment=enrollment, quiz=quiz, token="t" * 20, answers={question.pk: [right.pk]}
    ).passed


@pytest.fixture
def cohort(county):
    course = factories.course_with_lessons(lessons=2)
    return factories.CohortFactory(course=course, county=county, min_attendance_percent=80)


@pytest.fixture
def studying(client, learner, cohort):
    """A learner in ``cohort`` who attended one of the two classes held, and was not recorded
    at the other; three more classes are planned."""
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    first = factories.ClassSessionFactory(cohort=cohort, date=days_ago(14), topic="开店第一课")
    factories.ClassSessionFactory(cohort=cohort, date=days_ago(7), topic="直播带货")
    factories.ClassSessionFactory(cohort=cohort, date=days_ago(-7), topic="以后的课")
    factories.ClassSessionFactory(cohort=cohort, date=days_ago(-14), topic="再以后的课")
    factories.ClassSessionFactory(cohort=cohort, date=days_ago(-21), topic="最后的课")
    Attendance.objects.create(session=first, learner=learner, status=Present)
    client.force_login(learner)
    return enrollment


def test_with_study_done_and_attendance_short_continue_stops_at_the_course_page(client, studying, cohort):
    course = cohort.course
    study_everything(studying)
    studying.refresh_from_db()
    assert (studying.status, studying.progress_percent) == (Status.ACTIVE, 100)

    # The player no longer sends the learner back into the last lesson…
    response = client.get(player_url(course))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Attend at least 80% of the offline classes." in page
    assert "You attended 1 of 2 classes held so far (50%). The certificate needs at least 80%." in page
    # 4 of 5 classes is 80 %.
    assert "To reach it, attend at least 3 of the 3 classes still planned." in page
    # …and "continue" on the last lesson does not lead into the final quiz again.
    last = lessons_of(course)[-1]
    assert "Continue" in client.get(reverse("learn:lesson", args=[course.slug, last.pk])).content.decode()
    response = client.post(reverse("learn:lesson_complete", args=[course.slug, last.pk]))
    assert response.url == player_url(course)
    assert QuizAttempt.objects.count() == 1

    # The dashboard's item says the same in one line and links to the page.
    item = client.get(DASHBOARD).content.decode()
    assert "Attendance: 1 of 2 classes (50%; 80% needed)" in item
    assert "Next: the final quiz" not in item
    assert f'<a href="{player_url(course)}">See your attendance</a>' in item


def test_each_class_held_shows_its_date_and_the_learners_status(client, learner, cohort):
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    statuses = {1: Present, 2: Absent, 3: Excused, 4: None}
    for days, status in statuses.items():
        session = factories.ClassSessionFactory(cohort=cohort, date=days_ago(days), topic=f"课{days}")
        if status is not None:
            Attendance.objects.create(session=session, learner=learner, status=status)
    factories.ClassSessionFactory(cohort=cohort, date=days_ago(-1), topic="明天的课")
    client.force_login(learner)

    lesson = lessons_of(cohort.course)[0]
    page = client.get(reverse("learn:lesson", args=[cohort.course.slug, lesson.pk])).content.decode()

    attendance = page[page.index('id="attendance"') :]
    for days, label in [(4, "Not recorded"), (3, "Excused"), (2, "Absent"), (1, "Present")]:
        assert f"<strong>{days_ago(days):%Y-%m-%d}</strong> 14:00 课{days}" in attendance
        assert f">{label}</span>" in attendance
    # Oldest first; the class to come is counted, not listed.
    assert attendance.index(f"{days_ago(4):%Y-%m-%d}") < attendance.index(f"{days_ago(1):%Y-%m-%d}")
    assert "明天的课" not in attendance
    assert "You attended 1 of 3 classes held so far (33%)." in attendance
    assert "Excused absences do not count." in attendance
    assert enrollment.status == Status.ACTIVE


def test_a_self_paced_learner_sees_no_attendance(client, learner):
    course = factories.course_with_lessons(lessons=1)
    services.enrollment_create(learner=learner, course=course)
    client.force_login(learner)
    lesson = lessons_of(course)[0]
    page = client.get(reverse("learn:lesson", args=[course.slug, lesson.pk])).content.decode()
    assert 'id="attendance"' not in page


def test_a_minimum_out_of_reach_says_to_talk_to_the_coordinator(client, studying, cohort):
    ClassSession.objects.filter(date__gt=timezone.localdate()).delete()
    study_everything(studying)
    page = client.get(player_url(cohort.course)).content.decode()
    assert "Even attending every class still planned would not be enough" in page


def test_a_final_quiz_without_attempts_left_is_not_a_loop(client, learner):
    course = factories.course_with_lessons(lessons=1)
    Quiz.objects.filter(course=course).update(max_attempts=1)
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=lessons_of(course)[0])
    quiz = Quiz.objects.get(course=course)
    QuizAttempt.objects.create(enrollment=enrollment, quiz=quiz, token="t1", number=1, score=0, passed=False)
    client.force_login(learner)

    response = client.get(player_url(course))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Pass the final quiz." in page
    assert "You have used all your attempts at" in page


def test_attendance_shown_is_counted_like_the_completion_rule(learner, cohort):
    """The learner's figure and the rule that decides the certificate count the same classes
    the same way (held today or before; unrecorded ones missed; excused ones left out)."""
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    classmate = factories.UserFactory()
    rows = [
        (0, None),
        (0, None),
        (1, Present),
        (2, Absent),
        (3, Excused),
        (4, Present),
        (5, None),
        (-2, None),
    ]
    sessions = []
    for days, status in rows:
        sessions.append(factories.ClassSessionFactory(cohort=cohort, date=days_ago(days)))
        if status is not None:
            Attendance.objects.create(session=sessions[-1], learner=learner, status=status)
    # The roll call of one of today's classes is taken, without the learner.
    Attendance.objects.create(session=sessions[0], learner=classmate, status=Present)
    enrollment = selectors.player_enrollments(learner).get(pk=enrollment.pk)

    shown = selectors.learner_attendance(enrollment=enrollment)

    assert shown.percent == attendance_percent(learner_id=learner.pk, cohort=cohort)
    assert (shown.present, shown.counted, shown.upcoming) == (2, 5, 2)


@pytest.mark.parametrize("classes", [1, 50])
def test_course_page_query_count_is_constant(client, learner, cohort, classes, django_assert_num_queries):
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    ClassSession.objects.bulk_create(
        [
            ClassSession(cohort=cohort, date=days_ago(day), start_time=datetime.time(9), place="教室")
            for day in range(1, classes + 1)
        ]
    )
    study_everything(enrollment)
    client.force_login(learner)
    with django_assert_num_queries(COURSE_PAGE_QUERIES):
        response = client.get(player_url(cohort.course))
    assert response.status_code == 200
    assert response.content.decode().count("Not recorded") == classes


@pytest.mark.parametrize("size", [1, 50])
def test_dashboard_attendance_query_count_is_constant(
    client, learner, county, size, django_assert_num_queries
):
    for index in range(size):
        cohort = factories.CohortFactory(
            course=factories.course_with_lessons(lessons=1), county=county, min_attendance_percent=50
        )
        services.cohort_join(learner=learner, cohort=cohort)
        session = factories.ClassSessionFactory(cohort=cohort, date=days_ago(1))
        Attendance.objects.create(session=session, learner=learner, status=Present if index % 2 else Absent)
    client.force_login(learner)
    client.get(DASHBOARD)  # the county's suggestions are cached
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    page = response.content.decode()
    shown = min(size, 20)
    assert page.count("Attendance: 1 of 1 classes (100%; 50% needed)") == shown // 2
    assert page.count("Attendance: 0 of 1 classes (0%; 50% needed)") == shown - shown // 2
