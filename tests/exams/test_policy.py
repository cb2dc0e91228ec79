"""The rules of a sitting for one learner: the cohort's window and the learner's exception over
the exam's window, extra time and attempts (with an audit entry), the cool-off between attempts,
results released by the exam's rule, the attempt that counts, the integrity log, and a passed
final exam completing the course and banding its certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_content, exam_band
from enrollment.models import Enrollment
from enrollment.services import completion_missing
from exams.attempts import (
    GRACE,
    AttemptError,
    attempt_answer_save,
    attempt_start,
    attempt_submit,
    attempts_close_overdue,
)
from exams.models import Exam, ExamAttempt, ExamAuditEntry, ExamRoom
from exams.policy import (
    counted_attempt,
    exam_window_clear,
    exam_window_set,
    exception_grant,
    results_release,
    results_released,
    sitting_rules,
)
from exams.rooms import room_pause, room_resume
from tests import factories
from tests.exams.test_attempts import NOW, POINTS, Kind, right, row, save, wrong
from tests.exams.test_attempts import exam as exam  # the fixture


@pytest.fixture
def cohort_learner(exam):
    cohort = factories.CohortFactory(course=exam.course)
    return factories.EnrollmentFactory(course=exam.course, cohort=cohort)


def perfect(attempt, now=NOW):
    """Answer every auto-marked question of the paper right (the short answer stays blank)."""
    for kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE):
        save(attempt, kind, right(row(attempt, kind)), now=now)
    save(attempt, Kind.FILL_IN, "EC", now=now)


def auto_marked_only(exam):
    """Drop the short-answer rule so that a submit settles the result at once."""
    exam.rules.filter(kind=Kind.SHORT_ANSWER).delete()


# --- windows and exceptions --------------------------------------------------------------------


def test_the_cohort_window_replaces_the_exams_and_the_exception_replaces_both(exam, cohort_learner):
    exam.opens_at, exam.closes_at = NOW - timedelta(days=1), NOW + timedelta(days=1)
    exam.save()
    coordinator = factories.UserFactory()
    exam_window_set(
        exam=exam,
        cohort=cohort_learner.cohort,
        opens_at=NOW + timedelta(days=2),
        closes_at=NOW + timedelta(days=3),
        by=coordinator,
    )

    with pytest.raises(AttemptError) as refused:
        attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    assert "开放" in str(refused.value)  # "opens on …": the cohort's window, not the exam's
    assert sitting_rules(exam=exam, enrollment=cohort_learner).window_source == "cohort"
    # A learner outside the cohort sits in the exam's own window.
    assert attempt_start(exam=exam, enrollment=factories.EnrollmentFactory(course=exam.course), now=NOW)

    exception_grant(
        exam=exam,
        enrollment=cohort_learner,
        reason="住院，补考",
        by=coordinator,
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(hours=1),
    )
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    assert attempt.deadline == NOW + timedelta(hours=1)

    actions = list(ExamAuditEntry.objects.filter(exam=exam).values_list("action", "actor", "reason"))
    assert ("window_set", coordinator.pk, "") in actions
    assert ("exception_granted", coordinator.pk, "住院，补考") in actions

    assert exam_window_clear(exam=exam, cohort=cohort_learner.cohort, by=coordinator)
    assert not exam_window_clear(exam=exam, cohort=cohort_learner.cohort, by=coordinator)


def test_the_window_and_exception_of_another_exam_change_nothing(exam, cohort_learner):
    other = Exam.objects.create(title="期中考试", course=exam.course, status=Exam.Status.PUBLISHED)
    coordinator = factories.UserFactory()
    exam_window_set(
        exam=other,
        cohort=cohort_learner.cohort,
        opens_at=NOW + timedelta(days=2),
        closes_at=NOW + timedelta(days=3),
        by=coordinator,
    )
    exception_grant(exam=other, enrollment=cohort_learner, reason="补考", by=coordinator, extra_minutes=30)
    rules = sitting_rules(exam=exam, enrollment=cohort_learner)
    assert (rules.window_source, rules.extra_minutes, rules.opens_at) == ("exam", 0, exam.opens_at)
    other_rules = sitting_rules(exam=other, enrollment=cohort_learner)
    assert (other_rules.window_source, other_rules.extra_minutes) == ("cohort", 30)
    assert other_rules.opens_at == NOW + timedelta(days=2)


def test_a_window_that_closes_before_it_opens_is_refused(exam, cohort_learner):
    with pytest.raises(ValidationError):
        exam_window_set(
            exam=exam, cohort=cohort_learner.cohort, opens_at=NOW, closes_at=NOW - timedelta(hours=1), by=None
        )
    assert not exam.windows.exists()
    assert not ExamAuditEntry.objects.exists()


def test_extra_time_and_attempts_apply_and_reach_an_attempt_in_progress(exam, cohort_learner):
    exam.time_limit_minutes, exam.max_attempts = 30, 1
    exam.save()
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    assert attempt.deadline == NOW + timedelta(minutes=30)

    exception_grant(
        exam=exam, enrollment=cohort_learner, reason="视力障碍", by=None, extra_minutes=15, extra_attempts=1
    )
    attempt.refresh_from_db()
    assert attempt.deadline == NOW + timedelta(minutes=45)  # the attempt in progress gets it too

    attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(minutes=40))
    second = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW + timedelta(minutes=41))
    assert second.number == 2  # the extra attempt
    assert second.deadline == NOW + timedelta(minutes=41 + 45)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "  ", "extra_minutes": 10}, "reason"),
        ({"reason": "病假"}, "__all__"),
        ({"reason": "病假", "extra_minutes": 100_000}, "extra_minutes"),
        ({"reason": "病假", "extra_attempts": 99}, "extra_attempts"),
    ],
)
def test_an_exception_needs_a_reason_and_something_granted(exam, cohort_learner, fields, field):
    with pytest.raises(ValidationError) as error:
        exception_grant(exam=exam, enrollment=cohort_learner, by=None, **fields)
    assert field in error.value.message_dict
    assert not exam.exceptions.exists()
    assert not ExamAuditEntry.objects.exists()


def test_the_cool_off_holds_the_next_attempt_back(exam, cohort_learner):
    exam.cool_off_minutes = 10
    exam.save()
    first = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    attempt_submit(attempt_id=first.pk, now=NOW + timedelta(minutes=5))

    with pytest.raises(AttemptError) as refused:
        attempt_start(exam=exam, enrollment=cohort_learner, now=NOW + timedelta(minutes=14))
    assert "下一次" in str(refused.value)
    assert ExamAttempt.objects.count() == 1
    assert attempt_start(exam=exam, enrollment=cohort_learner, now=NOW + timedelta(minutes=15)).number == 2


# --- results ---------------------------------------------------------------------------------


def test_results_are_released_by_the_exams_rule(exam, cohort_learner):
    auto_marked_only(exam)
    exam.closes_at = NOW + timedelta(hours=2)
    exam.save()
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    attempt = attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(minutes=10))

    assert results_released(attempt=attempt)
    attempt.exam = exam
    exam.release = Exam.Release.AFTER_CLOSE
    exam.save()
    assert not results_released(attempt=attempt, now=NOW + timedelta(hours=1), closes_at=exam.closes_at)
    assert results_released(attempt=attempt, now=NOW + timedelta(hours=2), closes_at=exam.closes_at)

    exam.release = Exam.Release.MANUAL
    exam.save()
    assert not results_released(attempt=attempt)
    results_release(exam=exam, by=None)
    results_release(exam=exam, by=None)  # idempotent: one audit entry
    exam.refresh_from_db()
    assert results_released(attempt=attempt)
    assert ExamAuditEntry.objects.filter(action="results_released").count() == 1


def test_a_short_answer_awaiting_marking_is_never_released(exam, cohort_learner):
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    attempt = attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(minutes=1))
    assert attempt.awaiting_marking
    assert not results_released(attempt=attempt)


def test_the_best_or_the_last_attempt_counts(exam, cohort_learner):
    auto_marked_only(exam)
    good = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    perfect(good)
    good = attempt_submit(attempt_id=good.pk, now=NOW + timedelta(minutes=1))
    bad = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW + timedelta(minutes=2))
    save(bad, Kind.SINGLE, wrong(row(bad, Kind.SINGLE))[:1], now=NOW + timedelta(minutes=2))
    bad = attempt_submit(attempt_id=bad.pk, now=NOW + timedelta(minutes=3))

    assert good.max_score == bad.max_score == sum(POINTS.values()) - POINTS[Kind.SHORT_ANSWER]
    assert counted_attempt(exam=exam, attempts=[good, bad]) == good
    exam.score_policy = Exam.ScorePolicy.LAST
    assert counted_attempt(exam=exam, attempts=[good, bad]) == bad
    assert counted_attempt(exam=exam, attempts=[]) is None


# --- the integrity log, rooms and phones --------------------------------------------------------


def test_every_start_resume_save_and_submit_is_logged_with_the_device(exam, cohort_learner):
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW, device="Phone A")
    attempt_start(exam=exam, enrollment=cohort_learner, now=NOW + timedelta(minutes=1), device="Phone B")
    save(attempt, Kind.FILL_IN, "EC", now=NOW + timedelta(minutes=2))
    attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(minutes=3), device="Phone B")
    attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(minutes=4))  # nothing more

    events = list(attempt.events.values_list("kind", "device", "at"))
    assert [(kind, device) for kind, device, _at in events] == [
        ("start", "Phone A"),
        ("resume", "Phone B"),
        ("save", ""),
        ("submit", "Phone B"),
    ]
    assert events[-1][2] == NOW + timedelta(minutes=3)


def test_a_room_attempt_stays_on_its_phone_and_a_paused_room_stops_the_clock(exam, cohort_learner):
    exam.time_limit_minutes = 30
    exam.save()
    session = factories.ClassSessionFactory(cohort=cohort_learner.cohort)
    room = ExamRoom.objects.create(exam=exam, session=session, secret="s" * 64)
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, room=room, device_token="phone-1", now=NOW)
    assert attempt.room == room
    assert session.attendances.get().learner_id == cohort_learner.learner_id  # sitting is attending

    with pytest.raises(AttemptError):
        attempt_start(exam=exam, enrollment=cohort_learner, room=room, device_token="phone-2", now=NOW)

    with pytest.raises(AttemptError) as elsewhere:  # saving from another phone
        save(attempt, Kind.FILL_IN, "EC", now=NOW + timedelta(minutes=1))
    assert "另一部手机" in str(elsewhere.value)
    on_phone = {"question_position": row(attempt, Kind.FILL_IN).position, "device_token": "phone-1"}
    attempt_answer_save(attempt_id=attempt.pk, answer="EC", now=NOW + timedelta(minutes=1), **on_phone)

    room_pause(room=room, by=None)
    with pytest.raises(AttemptError) as paused:
        attempt_answer_save(attempt_id=attempt.pk, answer="ec", now=NOW + timedelta(minutes=2), **on_phone)
    assert "暂停" in str(paused.value)
    # Time up while paused: the sweep leaves it open; resuming gives the paused time back.
    assert attempts_close_overdue(now=NOW + timedelta(hours=2)) == 0
    ExamRoom.objects.filter(pk=room.pk).update(paused_at=timezone.now() - timedelta(minutes=10))
    room_resume(room=room, by=None)
    attempt.refresh_from_db()
    given_back = attempt.deadline - (NOW + timedelta(minutes=30))
    assert timedelta(minutes=10) <= given_back < timedelta(minutes=10, seconds=30)
    assert attempt.submitted_at is None


def test_the_sweep_closes_an_overdue_attempt_once_and_logs_it(exam, cohort_learner):
    exam.time_limit_minutes = 10
    exam.save()
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    later = NOW + timedelta(minutes=10) + GRACE + timedelta(seconds=1)

    assert attempts_close_overdue(now=later) == 1
    assert attempts_close_overdue(now=later) == 0
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline + GRACE
    assert list(attempt.events.values_list("kind", flat=True)) == ["start", "closed"]


# --- the final exam, completion and the certificate ---------------------------------------------


def test_a_passed_final_exam_completes_the_course_and_bands_the_certificate(exam, cohort_learner):
    auto_marked_only(exam)
    course = exam.course
    course.requires_final_exam = course.certificate_shows_exam_band = True
    course.save()
    exam.is_final = True
    exam.save()
    Enrollment.objects.filter(pk=cohort_learner.pk).update(progress_percent=100)

    failed = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    attempt_submit(attempt_id=failed.pk, now=NOW + timedelta(minutes=1))
    cohort_learner.refresh_from_db()
    assert cohort_learner.status == Enrollment.Status.ACTIVE
    assert cohort_learner.final_exam_passed_at is None

    passed = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW + timedelta(minutes=2))
    perfect(passed, now=NOW + timedelta(minutes=2))
    attempt_submit(attempt_id=passed.pk, now=NOW + timedelta(minutes=3))

    cohort_learner.refresh_from_db()
    assert cohort_learner.status == Enrollment.Status.COMPLETED
    assert cohort_learner.final_exam_percent == 100
    certificate = Certificate.objects.get(enrollment=cohort_learner)
    assert certificate_content(certificate).exam_band == exam_band(100) == "优秀 Excellent"


def test_a_course_requiring_its_final_exam_does_not_complete_without_it(exam, cohort_learner):
    course = exam.course
    course.requires_final_exam = True
    course.save()
    cohort_learner.refresh_from_db()
    assert completion_missing(enrollment=cohort_learner) == ["通过结业考试。"]


@pytest.mark.parametrize(
    ("percent", "band"), [(None, ""), (59, "合格 Pass"), (75, "良好 Good"), (90, "优秀 Excellent")]
)
def test_exam_bands(percent, band):
    assert exam_band(percent) == band


def test_an_attempt_started_outside_and_resumed_with_the_room_code_joins_the_room(exam, cohort_learner):
    session = factories.ClassSessionFactory(cohort=cohort_learner.cohort)
    room = ExamRoom.objects.create(exam=exam, session=session, secret="s" * 64)
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, now=NOW)
    assert attempt.room is None

    resumed = attempt_start(exam=exam, enrollment=cohort_learner, room=room, device_token="phone-1", now=NOW)

    assert resumed.pk == attempt.pk
    attempt.refresh_from_db()
    assert (attempt.room_id, attempt.device_token) == (room.pk, "phone-1")
    room_pause(room=room, by=None)  # so the room's pause stops it too
    with pytest.raises(AttemptError):
        attempt_answer_save(
            attempt_id=attempt.pk,
            question_position=1,
            answer=None,
            device_token="phone-1",
            now=NOW + timedelta(minutes=1),
        )


def test_a_room_forgotten_paused_is_closed_after_a_class_day_and_its_attempts_then_close(
    exam, cohort_learner
):
    from exams.rooms import ROOM_MAX_OPEN, rooms_close_stale
    from exams.tasks import close_overdue_attempts

    exam.time_limit_minutes = 30
    exam.save()
    session = factories.ClassSessionFactory(cohort=cohort_learner.cohort)
    room = ExamRoom.objects.create(exam=exam, session=session, secret="s" * 64)
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, room=room, device_token="p", now=NOW)
    room_pause(room=room, by=None)
    ExamRoom.objects.filter(pk=room.pk).update(
        opened_at=timezone.now() - ROOM_MAX_OPEN - timedelta(minutes=1),
        paused_at=timezone.now() - ROOM_MAX_OPEN,
    )
    # Ten minutes were left when the room was paused; the time is long past.
    ExamAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - ROOM_MAX_OPEN + timedelta(minutes=10)
    )
    assert attempts_close_overdue() == 0  # paused: left open

    close_overdue_attempts.delay()  # the beat's task closes the room, which resumes it first
    room.refresh_from_db()
    attempt.refresh_from_db()
    assert room.closed_at is not None and room.paused_at is None
    assert attempt.submitted_at is None  # its ten minutes given back …
    assert attempts_close_overdue(now=timezone.now() + timedelta(minutes=11)) == 1  # … then closed
    assert rooms_close_stale() == 0


def test_a_paused_room_keeps_an_attempt_past_its_deadline_open_and_says_paused(exam, cohort_learner):
    exam.time_limit_minutes = 30
    exam.save()
    session = factories.ClassSessionFactory(cohort=cohort_learner.cohort)
    room = ExamRoom.objects.create(exam=exam, session=session, secret="s" * 64)
    attempt = attempt_start(exam=exam, enrollment=cohort_learner, room=room, device_token="p", now=NOW)
    room_pause(room=room, by=None)
    after = NOW + timedelta(hours=1)

    with pytest.raises(AttemptError) as refused:
        attempt_answer_save(
            attempt_id=attempt.pk, question_position=1, answer=None, device_token="p", now=after
        )
    assert "暂停" in str(refused.value)  # not "time is up"
    again = attempt_start(exam=exam, enrollment=cohort_learner, room=room, device_token="p", now=after)
    assert again.pk == attempt.pk
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
