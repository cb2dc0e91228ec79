"""Marking at the exams level: the queue (short answers of submitted attempts of one cohort, a
question at a time), marks that settle the attempt, a second mark of the same answer refused
with the first kept, and mark changes (a reason, an audit entry, the result recomputed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from exams.marking import MarkingError, answer_mark, answer_mark_change, marking_next, marking_queue
from exams.models import BankQuestion, ExamAuditEntry
from tests import factories
from tests.coordinator.conftest import enrol
from tests.coordinator.test_exam_rooms import make_exam, sit
from tests.enrollment.test_races import run_at_once

Kind = BankQuestion.Kind


@pytest.fixture
def cohort(county):
    return factories.CohortFactory(county=county, course=factories.CourseFactory())


@pytest.fixture
def exam(cohort):
    return make_exam(cohort.course, short_answers=2)


def shorts(attempt):
    return list(attempt.paper.filter(question__kind=Kind.SHORT_ANSWER).order_by("question_id"))


def test_the_queue_holds_the_submitted_short_answers_of_the_cohort_question_by_question(exam, cohort, county):
    a = sit(exam, enrol(cohort))
    b = sit(exam, enrol(cohort))
    sit(exam, enrol(cohort), submit=False)  # in progress: not yet
    sit(exam, enrol(factories.CohortFactory(county=county, course=cohort.course)))  # another class

    queue = list(marking_queue(exam=exam, cohort=cohort))

    expected = sorted(shorts(a) + shorts(b), key=lambda row: (row.question_id, row.pk))
    assert queue == expected
    assert marking_next(exam=exam, cohort=cohort) == expected[0]
    assert marking_next(exam=exam, cohort=cohort, after=expected[1].pk) == expected[2]
    assert marking_next(exam=exam, cohort=cohort, after=expected[-1].pk) == expected[0]


def test_marking_the_last_answer_decides_the_result(exam, cohort, staff):
    attempt = sit(exam, enrol(cohort))
    first, second = shorts(attempt)
    answer_mark(answer_id=first.pk, points=5, by=staff)
    attempt.refresh_from_db()
    assert attempt.passed is None
    answer_mark(answer_id=second.pk, points=0, by=staff)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (7, False)
    assert not marking_queue(exam=exam, cohort=cohort).exists()


def test_a_second_mark_is_refused_and_the_first_kept(exam, cohort, staff, coordinator):
    attempt = sit(exam, enrol(cohort))
    answer = shorts(attempt)[0]
    answer_mark(answer_id=answer.pk, points=2, by=staff, comment="first")
    with pytest.raises(MarkingError):
        answer_mark(answer_id=answer.pk, points=5, by=coordinator)
    answer.refresh_from_db()
    assert (answer.points_awarded, answer.marked_by, answer.marker_comment) == (2, staff, "first")


def test_only_short_answers_of_submitted_attempts_are_marked(exam, cohort, staff):
    submitted = sit(exam, enrol(cohort))
    in_progress = sit(exam, enrol(cohort), submit=False)
    with pytest.raises(MarkingError):
        answer_mark(answer_id=submitted.paper.get(question__kind=Kind.SINGLE).pk, points=0, by=staff)
    with pytest.raises(MarkingError):
        answer_mark(answer_id=shorts(in_progress)[0].pk, points=1, by=staff)
    with pytest.raises(ValidationError):
        answer_mark(answer_id=shorts(submitted)[0].pk, points=6, by=staff)
    assert all(row.points_awarded is None for row in shorts(submitted) + shorts(in_progress))


def test_a_mark_change_needs_a_reason_and_new_points(exam, cohort, staff):
    attempt = sit(exam, enrol(cohort))
    single = attempt.paper.get(question__kind=Kind.SINGLE)
    with pytest.raises(ValidationError) as no_reason:
        answer_mark_change(answer_id=single.pk, points=0, reason="  ", by=staff)
    assert "reason" in no_reason.value.error_dict
    with pytest.raises(ValidationError) as same:
        answer_mark_change(answer_id=single.pk, points=2, reason="复核", by=staff)
    assert "points" in same.value.error_dict
    assert not ExamAuditEntry.objects.filter(action="mark_changed").exists()


def test_a_mark_change_on_a_short_answer_marks_it_and_settles_the_attempt(exam, cohort, staff):
    attempt = sit(exam, enrol(cohort))
    first, second = shorts(attempt)
    answer_mark(answer_id=first.pk, points=5, by=staff)
    answer_mark_change(answer_id=second.pk, points=5, reason="复核后给满分", by=staff)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (12, True)
    entry = ExamAuditEntry.objects.get(action="mark_changed")
    assert entry.detail == {"position": second.position, "old": None, "new": 5, "old_marked_at": None}
    assert entry.enrollment_id == attempt.enrollment_id


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
def test_two_markers_at_once_give_one_mark(transactional_db, county):
    cohort = factories.CohortFactory(county=county, course=factories.CourseFactory())
    attempt = sit(make_exam(cohort.course, short_answers=1), enrol(cohort))
    [answer] = shorts(attempt)
    markers = [factories.StaffFactory(), factories.StaffFactory()]

    results = run_at_once(
        *[
            lambda marker=marker, points=points: answer_mark(answer_id=answer.pk, points=points, by=marker)
            for marker, points in zip(markers, (1, 5), strict=True)
        ]
    )

    refused = [result for result in results if isinstance(result, MarkingError)]
    marked = [result for result in results if not isinstance(result, Exception)]
    assert (len(refused), len(marked)) == (1, 1)
    answer.refresh_from_db()
    assert (answer.points_awarded, answer.marked_by) == (marked[0].points_awarded, marked[0].marked_by)
    attempt.refresh_from_db()
    assert attempt.score == 2 + answer.points_awarded
