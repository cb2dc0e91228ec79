"""The enrolment rules, called as views, commands and tasks call them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from certificates.models import Certificate
from counties.models import Attendance, Cohort
from courses.models import Course, Lesson
from enrollment import services
from enrollment.models import Enrollment, LessonProgress, QuizAttempt
from tests import factories

Status = Enrollment.Status


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=2)


def pass_final_quiz(enrollment):
    quiz = enrollment.course.quizzes.get(module__isnull=True)
    QuizAttempt.objects.create(enrollment=enrollment, quiz=quiz, token="t", number=1, score=100, passed=True)


def test_enrolling_twice_returns_the_same_enrolment(learner, course):
    first = services.enrollment_create(learner=learner, course=course)
    second = services.enrollment_create(learner=learner, course=course)
    assert first.pk == second.pk
    assert Enrollment.objects.count() == 1
    assert first.county_id == "330122"


def test_draft_and_archived_courses_refuse_enrolment(learner, db):
    for status in (Course.Status.DRAFT, Course.Status.ARCHIVED):
        course = factories.CourseFactory(status=status)
        with pytest.raises(services.EnrollmentError) as error:
            services.enrollment_create(learner=learner, course=course)
        assert error.value.code == "closed"
    assert not Enrollment.objects.exists()


def test_withdraw_then_re_enrol_keeps_progress(learner, course):
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(
        enrollment=enrollment, lesson=Lesson.objects.filter(module__course=course).first()
    )
    services.enrollment_withdraw(enrollment=enrollment, reason="去外地打工")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.withdrawal_reason) == (Status.WITHDRAWN, "去外地打工")

    again = services.enrollment_create(learner=learner, course=course)
    assert again.pk == enrollment.pk
    assert again.status == Status.ACTIVE
    assert again.progress_percent == 33  # one of three steps: two lessons and the final quiz


def test_joining_a_cohort_by_code_and_twice(learner, course, county):
    cohort = factories.CohortFactory(course=course, county=county)
    found = services.cohort_find_by_code(f" {cohort.join_code[:4].lower()}-{cohort.join_code[4:]} ")
    first = services.cohort_join(learner=learner, cohort=found)
    second = services.cohort_join(learner=learner, cohort=found)
    assert first.pk == second.pk
    assert (first.status, first.cohort_id, first.county_id) == (Status.ACTIVE, cohort.pk, county.pk)


def test_unknown_join_code_is_refused(db):
    with pytest.raises(services.EnrollmentError) as error:
        services.cohort_find_by_code("NOPE1234")
    assert error.value.code == "unknown"


@pytest.mark.parametrize(
    ("status", "code"), [(Cohort.Status.PLANNED, "not_open_yet"), (Cohort.Status.CLOSED, "closed")]
)
def test_cohort_not_open_refuses_joining(learner, course, status, code):
    cohort = factories.CohortFactory(course=course, status=status)
    with pytest.raises(services.EnrollmentError) as error:
        services.cohort_join(learner=learner, cohort=cohort)
    assert error.value.code == code


def test_ended_cohort_refuses_joining(learner, course):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    cohort = factories.CohortFactory(course=course, start_date=yesterday, end_date=yesterday)
    with pytest.raises(services.EnrollmentError):
        services.cohort_join(learner=learner, cohort=cohort)


def test_full_cohort_refuses_the_next_learner(course, db):
    cohort = factories.CohortFactory(course=course, capacity=2)
    for _ in range(2):
        services.cohort_join(learner=factories.UserFactory(), cohort=cohort)
    with pytest.raises(services.EnrollmentError) as error:
        services.cohort_join(learner=factories.UserFactory(), cohort=cohort)
    assert error.value.code == "full"
    assert cohort.enrollments.count() == 2


def test_withdrawn_learner_frees_a_seat(course, db):
    cohort = factories.CohortFactory(course=course, capacity=1)
    first = services.cohort_join(learner=factories.UserFactory(), cohort=cohort)
    services.enrollment_withdraw(enrollment=first)
    services.cohort_join(learner=factories.UserFactory(), cohort=cohort)
    assert cohort.enrollments.current().count() == 1


def test_approval_cohort_puts_learner_on_hold_until_approved(learner, course):
    cohort = factories.CohortFactory(course=course, requires_approval=True)
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    assert enrollment.status == Status.APPLIED
    with pytest.raises(services.EnrollmentError):
        services.lesson_complete(
            enrollment=enrollment, lesson=Lesson.objects.filter(module__course=course)[0]
        )
    services.enrollment_approve(enrollment=enrollment)
    assert enrollment.status == Status.ACTIVE


def test_declined_request_frees_its_place(course, db):
    cohort = factories.CohortFactory(course=course, requires_approval=True, capacity=1)
    enrollment = services.cohort_join(learner=factories.UserFactory(), cohort=cohort)
    services.enrollment_decline(enrollment=enrollment, reason="不是本校学生")
    assert enrollment.status == Status.DECLINED
    services.cohort_join(learner=factories.UserFactory(), cohort=cohort)


def test_self_paced_learner_moves_into_a_cohort_with_progress(learner, course):
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.filter(module__course=course)[0])
    cohort = factories.CohortFactory(course=course)
    joined = services.cohort_join(learner=learner, cohort=cohort)
    assert joined.pk == enrollment.pk
    assert joined.cohort_id == cohort.pk
    assert LessonProgress.objects.filter(enrollment=joined).count() == 1


def test_learner_in_one_cohort_cannot_join_another_of_the_same_course(learner, course):
    services.cohort_join(learner=learner, cohort=factories.CohortFactory(course=course))
    with pytest.raises(services.EnrollmentError) as error:
        services.cohort_join(learner=learner, cohort=factories.CohortFactory(course=course))
    assert error.value.code == "other_cohort"


def test_completing_lessons_updates_progress_and_is_idempotent(learner, course):
    enrollment = services.enrollment_create(learner=learner, course=course)
    first, second = Lesson.objects.filter(module__course=course).order_by("order")
    services.lesson_complete(enrollment=enrollment, lesson=first)
    services.lesson_complete(enrollment=enrollment, lesson=first)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33
    assert enrollment.last_lesson == first
    assert enrollment.last_activity_at is not None
    services.lesson_complete(enrollment=enrollment, lesson=second)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 66
    assert enrollment.status == Status.ACTIVE  # the final quiz is still to pass


def test_completion_needs_lessons_and_final_quiz_and_creates_pending_certificate(learner, course):
    enrollment = services.enrollment_create(learner=learner, course=course)
    pass_final_quiz(enrollment)
    for lesson in Lesson.objects.filter(module__course=course):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED
    assert enrollment.progress_percent == 100
    assert enrollment.certificate.status == Certificate.Status.PENDING
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.filter(module__course=course)[0])
    assert Certificate.objects.count() == 1


def test_optional_lessons_do_not_block_completion(learner, db):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    factories.LessonFactory(module=course.modules.get(), order=9, is_required=False)
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(
        enrollment=enrollment, lesson=Lesson.objects.get(module__course=course, is_required=True)
    )
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED


def test_cohort_minimum_attendance_holds_completion_back(learner, course, county):
    cohort = factories.CohortFactory(course=course, county=county, min_attendance_percent=50)
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    sessions = [factories.ClassSessionFactory(cohort=cohort) for _ in range(2)]
    Attendance.objects.create(session=sessions[0], learner=learner, status=Attendance.Status.ABSENT)
    pass_final_quiz(enrollment)
    for lesson in Lesson.objects.filter(module__course=course):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.ACTIVE
    with translation.override("en"):
        missing = services.completion_missing(enrollment=enrollment)
    assert missing == ["Attend at least 50% of the offline classes."]

    Attendance.objects.create(session=sessions[1], learner=learner, status=Attendance.Status.PRESENT)
    assert services.enrollment_check_completion(enrollment_id=enrollment.pk) is True
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED


def test_completed_enrolment_cannot_be_withdrawn(learner, db):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=course))
    with pytest.raises(services.EnrollmentError):
        services.enrollment_withdraw(enrollment=enrollment)


def test_progress_is_refreshed_when_lessons_are_added_or_removed(learner, course):
    enrollment = services.enrollment_create(learner=learner, course=course)
    first, second = Lesson.objects.filter(module__course=course).order_by("order")
    services.lesson_complete(enrollment=enrollment, lesson=first)
    pass_final_quiz(enrollment)

    factories.LessonFactory(module=first.module, order=3)
    assert services.course_progress_refresh(course_id=course.pk) == 1
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 50  # 2 of 4 steps

    second.delete()
    services.course_progress_refresh(course_id=course.pk)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 66  # 2 of 3 steps
