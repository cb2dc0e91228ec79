"""Exam races that need real concurrency (PostgreSQL, threads with their own connections): many
starts of one learner at once make one attempt; a submit, a sweep and a late save at the same
moment grade an attempt once and lose no saved answer; a province-wide start of many learners
in the same second gives each their own paper; two sweeps at once close each attempt once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from exams.attempts import (
    GRACE,
    AttemptError,
    attempt_answer_save,
    attempt_start,
    attempt_submit,
    attempts_close_overdue,
)
from exams.models import AttemptEvent, Exam, ExamAttempt, QuestionBank
from exams.policy import exception_grant
from tests import factories
from tests.enrollment.test_races import run_at_once
from tests.exams.test_attempts import NOW, POINTS, Kind, right, row
from tests.exams.test_papers import add_questions, add_rule, publish

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL (CI runs it)"
)


@pytest.fixture
def timed(transactional_db):
    course = factories.CourseFactory()
    bank = QuestionBank.objects.create(title="题库", course=course)
    exam = Exam.objects.create(title="省级统考", course=course, time_limit_minutes=30, max_attempts=2)
    for kind, points in POINTS.items():
        if kind != Kind.SHORT_ANSWER:
            add_questions(bank, 6, kind=kind, difficulty=2)
            add_rule(exam, bank, kind=kind, points=points)
    return publish(exam)


def test_many_starts_of_one_learner_at_once_make_one_attempt(timed):
    enrollment = factories.EnrollmentFactory(course=timed.course)

    results = run_at_once(*[lambda: attempt_start(exam=timed, enrollment=enrollment, now=NOW)] * 6)

    assert not [result for result in results if isinstance(result, Exception)]
    assert {result.pk for result in results} == {ExamAttempt.objects.get().pk}
    kinds = list(AttemptEvent.objects.values_list("kind", flat=True))
    assert sorted(kinds) == ["resume"] * 5 + ["start"]


def test_a_province_wide_start_gives_every_learner_their_own_paper(timed):
    enrollments = [factories.EnrollmentFactory(course=timed.course) for _ in range(12)]

    results = run_at_once(
        *[lambda e=e: attempt_start(exam=timed, enrollment=e, now=NOW) for e in enrollments]
    )

    assert not [result for result in results if isinstance(result, Exception)]
    assert ExamAttempt.objects.count() == 12
    papers = {
        tuple(result.paper.order_by("position").values_list("question_id", flat=True)) for result in results
    }
    assert len(papers) > 1  # drawn, not one paper for all
    assert all(len(paper) == 4 for paper in papers)


def test_submit_sweep_and_a_late_save_at_once_grade_once_and_keep_the_saved_answer(timed):
    enrollment = factories.EnrollmentFactory(course=timed.course)
    attempt = attempt_start(exam=timed, enrollment=enrollment, now=NOW)
    single = row(attempt, Kind.SINGLE)
    attempt_answer_save(
        attempt_id=attempt.pk, question_position=single.position, answer=right(single), now=NOW
    )
    late = attempt.deadline + GRACE + timedelta(seconds=1)

    results = run_at_once(
        lambda: attempt_submit(attempt_id=attempt.pk, now=late),
        lambda: attempts_close_overdue(now=late),
        lambda: attempt_answer_save(
            attempt_id=attempt.pk, question_position=single.position, answer=[], now=attempt.deadline
        ),
        lambda: attempt_start(exam=timed, enrollment=enrollment, now=late),
    )

    errors = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(error, AttemptError) for error in errors), errors
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert AttemptEvent.objects.filter(attempt=attempt, kind__in=["submit", "closed"]).count() == 1
    # Either the late save came first (the answer cleared, 0 points) or it was refused after the
    # submit (the saved answer counted): never a grade that disagrees with the stored answer.
    single.refresh_from_db()
    assert attempt.score == (POINTS[Kind.SINGLE] if single.answer else 0)


def test_two_sweeps_at_once_close_each_attempt_once(timed):
    enrollments = [factories.EnrollmentFactory(course=timed.course) for _ in range(8)]
    for enrollment in enrollments:
        attempt_start(exam=timed, enrollment=enrollment, now=NOW)
    later = NOW + timedelta(hours=1)

    results = run_at_once(
        lambda: attempts_close_overdue(now=later), lambda: attempts_close_overdue(now=later)
    )

    assert sum(results) == 8
    assert not ExamAttempt.objects.filter(submitted_at__isnull=True).exists()
    assert AttemptEvent.objects.filter(kind="closed").count() == 8


def test_an_exception_granted_while_the_learner_starts_never_deadlocks(timed):
    enrollment = factories.EnrollmentFactory(course=timed.course)
    attempt_start(exam=timed, enrollment=enrollment, now=NOW)

    results = run_at_once(
        lambda: exception_grant(exam=timed, enrollment=enrollment, reason="停电", by=None, extra_minutes=10),
        lambda: attempt_start(exam=timed, enrollment=enrollment, now=NOW + timedelta(minutes=1)),
        lambda: attempt_submit(attempt_id=ExamAttempt.objects.get().pk, now=NOW + timedelta(minutes=2)),
    )

    assert not [result for result in results if isinstance(result, Exception)], results
