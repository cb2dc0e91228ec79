"""Exam rooms at the exams level: the room code (this minute's and the previous one's accepted,
older ones and closed rooms refused), opening rules, pause and resume of the attempts in the
room, the seat list and the paper fallback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from exams.attempts import AttemptError, attempt_answers_save, attempt_start, attempt_submit
from exams.models import Exam, ExamAttempt, ExamAuditEntry, ExamRoom
from exams.rooms import (
    CODE_PERIOD_SECONDS,
    RoomError,
    SeatState,
    paper_score_record,
    room_close,
    room_code,
    room_code_seconds_left,
    room_find_by_code,
    room_open,
    room_pause,
    room_resume,
    room_seats,
)
from tests import factories
from tests.coordinator.conftest import enrol
from tests.coordinator.test_exam_rooms import make_exam, sit

# The start of a minute, so that "a minute later" is the next code for sure.
NOW = timezone.now().replace(second=0, microsecond=0)


@pytest.fixture
def cohort(county):
    return factories.CohortFactory(county=county, course=factories.CourseFactory())


@pytest.fixture
def exam(cohort):
    return make_exam(cohort.course)


@pytest.fixture
def room(exam, cohort, coordinator):
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())
    return room_open(exam=exam, session=session, by=coordinator)


# --- the code ------------------------------------------------------------------------------------


def test_the_code_of_this_minute_and_of_the_previous_one_open_the_room(room):
    this_minute = room_code(room, NOW + timedelta(seconds=30))
    assert room_find_by_code(this_minute, NOW + timedelta(seconds=59)) == room
    # Read in the last seconds of its minute, typed in the first seconds of the next one.
    assert room_find_by_code(this_minute, NOW + timedelta(seconds=CODE_PERIOD_SECONDS + 20)) == room
    assert room_find_by_code(f" {this_minute[:3]} {this_minute[3:]} ", NOW) == room  # spaces are fine


def test_a_code_two_minutes_old_is_refused(room):
    old = room_code(room, NOW)
    with pytest.raises(RoomError):
        room_find_by_code(old, NOW + timedelta(seconds=2 * CODE_PERIOD_SECONDS))
    assert room_code(room, NOW) != room_code(room, NOW + timedelta(seconds=CODE_PERIOD_SECONDS))


def test_a_closed_rooms_code_is_refused(room, coordinator):
    code = room_code(room)
    room_close(room=room, by=coordinator)
    with pytest.raises(RoomError):
        room_find_by_code(code)


def test_a_code_that_is_not_six_digits_is_refused_with_a_hint(room):
    with pytest.raises(RoomError) as error:
        room_find_by_code("12a4")
    assert "6" in str(error.value) or "六" in str(error.value)


def test_seconds_left_count_down_to_the_next_code():
    assert room_code_seconds_left(NOW) == CODE_PERIOD_SECONDS
    assert room_code_seconds_left(NOW + timedelta(seconds=45)) == 15


# --- opening -------------------------------------------------------------------------------------


def test_a_room_opens_for_a_published_exam_of_the_classs_course_only(cohort, coordinator):
    session = factories.ClassSessionFactory(cohort=cohort)
    draft = Exam.objects.create(title="草稿", course=cohort.course)
    with pytest.raises(RoomError):
        room_open(exam=draft, session=session, by=coordinator)
    with pytest.raises(RoomError):
        room_open(exam=make_exam(factories.CourseFactory()), session=session, by=coordinator)
    assert not ExamRoom.objects.exists()


# --- pause and resume ----------------------------------------------------------------------------


def test_pausing_refuses_answers_and_resuming_moves_the_deadlines(room, cohort, coordinator):
    learner = enrol(cohort)
    attempt = sit(room.exam, learner, submit=False, room=room, token="t")
    elsewhere = sit(room.exam, enrol(cohort), submit=False)  # not in the room: not paused
    deadline = attempt.deadline

    room_pause(room=room, by=coordinator, reason="停电")
    with pytest.raises(AttemptError):
        attempt_answers_save(attempt_id=attempt.pk, answers={1: None}, device_token="t")
    attempt_answers_save(attempt_id=elsewhere.pk, answers={1: None})
    with pytest.raises(AttemptError):  # nobody starts in a paused room either
        attempt_start(exam=room.exam, enrollment=enrol(cohort), room=room, device_token="u")

    ExamRoom.objects.filter(pk=room.pk).update(paused_at=timezone.now() - timedelta(minutes=5))
    room_resume(room=room, by=coordinator)

    moved = ExamAttempt.objects.get(pk=attempt.pk).deadline - deadline
    assert timedelta(minutes=5) <= moved < timedelta(minutes=6)
    assert ExamAttempt.objects.get(pk=elsewhere.pk).deadline == elsewhere.deadline
    assert ExamAuditEntry.objects.get(action="room_resumed").detail["paused_seconds"] >= 300
    attempt_answers_save(attempt_id=attempt.pk, answers={1: None}, device_token="t")


# --- the seat list -------------------------------------------------------------------------------


def test_the_seat_list_freezes_the_time_left_while_paused(room, cohort, coordinator):
    learner = enrol(cohort)
    attempt = sit(room.exam, learner, submit=False, room=room, token="t")
    room_pause(room=room, by=coordinator)
    room.refresh_from_db()
    frozen = int((attempt.deadline - room.paused_at).total_seconds())

    later = room_seats(room=room, now=timezone.now() + timedelta(minutes=10))

    assert [seat.seconds_left for seat in later] == [frozen]


def test_the_seat_list_counts_an_attempt_started_elsewhere_before_the_room_opened_only_while_open(
    cohort, exam, coordinator
):
    earlier = enrol(cohort)
    open_elsewhere = enrol(cohort)
    sit(exam, earlier)  # submitted online before the room: the room shows them not started
    ExamAttempt.objects.filter(enrollment=earlier).update(started_at=timezone.now() - timedelta(days=1))
    sit(exam, open_elsewhere, submit=False)
    ExamAttempt.objects.filter(enrollment=open_elsewhere).update(
        started_at=timezone.now() - timedelta(minutes=5)
    )
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())
    room = room_open(exam=exam, session=session, by=coordinator)

    states = {seat.enrollment_id: seat.state for seat in room_seats(room=room)}

    assert states == {earlier.pk: SeatState.NOT_STARTED, open_elsewhere.pk: SeatState.IN_PROGRESS}


def test_the_seat_list_shows_the_latest_attempt_in_the_room(room, cohort):
    learner = enrol(cohort)
    first = sit(room.exam, learner, room=room, token="t")
    second = sit(room.exam, learner, room=room, token="t", submit=False)
    assert second.number == first.number + 1
    [seat] = room_seats(room=room)
    assert seat.attempt.pk == second.pk
    assert seat.state == SeatState.IN_PROGRESS


# --- the paper fallback --------------------------------------------------------------------------


def test_a_paper_score_takes_the_next_number_and_passes_by_the_pass_mark(room, cohort, coordinator):
    learner = enrol(cohort)
    attempt_submit(attempt_id=attempt_start(exam=room.exam, enrollment=learner).pk)

    attempt = paper_score_record(room=room, enrollment=learner, score=6, max_score=10, by=coordinator)

    assert (attempt.number, attempt.on_paper, attempt.passed, attempt.entered_by) == (
        2,
        True,
        True,
        coordinator,
    )
    assert attempt.awaiting_marking is False
    assert ExamAuditEntry.objects.filter(attempt=attempt, action="paper_score_entered").exists()


@pytest.mark.parametrize(
    ("score", "max_score", "field"), [(-1, 10, "score"), (11, 10, "score"), (0, 0, "max_score")]
)
def test_a_paper_score_out_of_range_writes_nothing(room, cohort, coordinator, score, max_score, field):
    with pytest.raises(ValidationError) as error:
        paper_score_record(
            room=room, enrollment=enrol(cohort), score=score, max_score=max_score, by=coordinator
        )
    assert field in error.value.error_dict
    assert not ExamAttempt.objects.exists()


def test_a_paper_score_for_a_learner_outside_the_rooms_class_is_refused(room, county, coordinator, cohort):
    stranger = enrol(factories.CohortFactory(county=county, course=cohort.course))
    with pytest.raises(RoomError):
        paper_score_record(room=room, enrollment=stranger, score=5, max_score=10, by=coordinator)
    assert not ExamAttempt.objects.exists()
