"""Exam rooms in the coordinator's workspace: opening one from a class session, the live seat
list, pausing and resuming for everyone, closing, letting a learner resume on another phone, the
paper fallback and the projector page.

The helpers at the top (``make_exam``, ``sit``) are shared by the other exam tests of the
workspace."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from counties.models import Attendance
from exams.attempts import AttemptError, attempt_answers_save, attempt_start, attempt_submit
from exams.models import BankQuestion, Exam, ExamAttempt, ExamAuditEntry, ExamRoom, QuestionBank
from exams.policy import exception_grant
from exams.rooms import room_code, room_open
from tests import factories
from tests.coordinator.conftest import enrol
from tests.exams.test_papers import add_questions, add_rule, publish

Kind = BankQuestion.Kind
RUBRIC = "讲清卖点、互动、促单各得2分"


def make_exam(
    course, *, singles=1, short_answers=1, time_limit=30, pass_mark=60, is_final=False, title="结业考试"
):
    """A published exam of ``course``: ``singles`` single-choice questions worth 2 points and
    ``short_answers`` short answers worth 5, with a rubric."""
    bank = QuestionBank.objects.create(title=f"{title} 题库", course=course)
    exam = Exam.objects.create(
        title=title,
        course=course,
        time_limit_minutes=time_limit,
        pass_mark_percent=pass_mark,
        is_final=is_final,
    )
    if singles:
        add_questions(bank, singles, kind=Kind.SINGLE)
        add_rule(exam, bank, kind=Kind.SINGLE, count=singles, points=2)
    if short_answers:
        add_questions(bank, short_answers, kind=Kind.SHORT_ANSWER)
        BankQuestion.objects.filter(bank=bank, kind=Kind.SHORT_ANSWER).update(rubric=RUBRIC)
        add_rule(exam, bank, kind=Kind.SHORT_ANSWER, count=short_answers, points=5)
    return publish(exam)


def sit(exam, enrollment, *, right=True, short="直播要讲清卖点", submit=True, room=None, token=""):
    """An attempt at ``exam``: every single-choice question answered (right or wrong), every short
    answer written, then submitted unless ``submit`` is False."""
    attempt = attempt_start(exam=exam, enrollment=enrollment, room=room, device_token=token)
    answers = {}
    for row in attempt.paper.select_related("question"):
        if row.question.kind == Kind.SHORT_ANSWER:
            answers[row.position] = short
        else:
            answers[row.position] = [
                row.key[0] if right else next(c for c in row.choice_order if c not in row.key)
            ]
    attempt_answers_save(attempt_id=attempt.pk, answers=answers, device_token=token)
    if submit:
        attempt = attempt_submit(attempt_id=attempt.pk)
    return attempt


def room_url(room, name="exam_room", **kwargs):
    return reverse(f"coordinator:{name}", kwargs={"pk": room.session.cohort_id, "room_pk": room.pk, **kwargs})


@pytest.fixture
def exam(cohort):
    return make_exam(cohort.course)


@pytest.fixture
def session(cohort):
    return factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())


@pytest.fixture
def room(exam, session, coordinator):
    return room_open(exam=exam, session=session, by=coordinator)


# --- opening a room ------------------------------------------------------------------------------


def test_todays_class_links_to_opening_an_exam_room(client, coordinator, cohort, session):
    other_day = factories.ClassSessionFactory(
        cohort=cohort, date=timezone.localdate() + datetime.timedelta(days=2)
    )
    client.force_login(coordinator)
    html = client.get(reverse("coordinator:session_list", args=[cohort.pk])).content.decode()
    open_url = reverse("coordinator:exam_room_open", args=[cohort.pk, session.pk])
    assert f'id="exam-room-{session.pk}" href="{open_url}"' in html
    assert f'id="exam-room-{other_day.pk}"' not in html


def test_opening_an_exam_room_from_a_class_session(client, coordinator, cohort, session, exam):
    make_exam(cohort.course, title="另一场考试")
    draft = Exam.objects.create(title="草稿考试", course=cohort.course)
    client.force_login(coordinator)
    url = reverse("coordinator:exam_room_open", args=[cohort.pk, session.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{exam.pk}"' in page.content.decode()
    assert f'value="{draft.pk}"' not in page.content.decode()  # only published exams

    response = client.post(url, {"exam": exam.pk})

    room = ExamRoom.objects.get(exam=exam, session=session)
    assert response.status_code == 302
    assert response.url == room_url(room)
    assert room.opened_by == coordinator
    assert ExamAuditEntry.objects.filter(action="room_opened", actor=coordinator).exists()
    # Opening again returns the room already open.
    assert client.post(url, {"exam": exam.pk}).url == room_url(room)
    assert ExamRoom.objects.count() == 1
    assert f'href="{room_url(room)}"' in client.get(url).content.decode()


def test_an_exam_room_opens_only_on_the_day_of_the_class(client, coordinator, cohort, exam):
    tomorrow = factories.ClassSessionFactory(
        cohort=cohort, date=timezone.localdate() + datetime.timedelta(days=1)
    )
    client.force_login(coordinator)
    url = reverse("coordinator:exam_room_open", args=[cohort.pk, tomorrow.pk])
    assert 'id="room-not-today"' in client.get(url).content.decode()
    assert client.post(url, {"exam": exam.pk}).status_code == 400
    assert not ExamRoom.objects.exists()


def test_an_exam_of_another_course_cannot_be_opened_in_the_class(client, coordinator, cohort, session):
    foreign = make_exam(factories.CourseFactory(), title="别的课程考试")
    client.force_login(coordinator)
    response = client.post(
        reverse("coordinator:exam_room_open", args=[cohort.pk, session.pk]), {"exam": foreign.pk}
    )
    assert response.status_code == 200
    assert "exam" in response.context["form"].errors
    assert not ExamRoom.objects.exists()


def test_a_session_of_another_cohort_is_404(client, coordinator, county, exam):
    other = factories.ClassSessionFactory(
        cohort=factories.CohortFactory(county=county), date=timezone.localdate()
    )
    cohort_pk = exam.course.cohorts.get().pk
    client.force_login(coordinator)
    url = reverse("coordinator:exam_room_open", args=[cohort_pk, other.pk])
    assert client.get(url).status_code == 404


# --- the seat list -------------------------------------------------------------------------------


def test_the_seat_list_shows_every_learner_where_they_are(client, coordinator, cohort, exam, room, session):
    waiting = enrol(cohort)
    sitting = enrol(cohort)
    marking = enrol(cohort)
    on_paper = enrol(cohort)
    enrol(cohort, status="withdrawn")  # not in the class any more: no seat
    sit(exam, sitting, submit=False, room=room, token="phone-a")
    sit(exam, marking, room=room, token="phone-b")
    client.force_login(coordinator)
    client.post(room_url(room, "exam_room_paper", enrollment_pk=on_paper.pk), {"score": 8, "max_score": 10})

    response = client.get(room_url(room))

    assert response.status_code == 200
    seats = {seat.enrollment_id: seat for seat, _label in response.context["seats"]}
    assert len(seats) == 4
    assert seats[waiting.pk].state == "not_started"
    assert seats[sitting.pk].state == "in_progress"
    assert 29 * 60 <= seats[sitting.pk].seconds_left <= 30 * 60
    assert seats[marking.pk].state == "awaiting_marking"
    assert seats[on_paper.pk].state == "on_paper"
    html = response.content.decode()
    assert re.search(rf'id="seat-{sitting.pk}"[^>]*data-state="in_progress"', html)
    assert f'<span class="time-left">{seats[sitting.pk].time_left}</span>' in html
    assert "8 / 10 (80%)" in html
    # Sitting the exam in the room recorded the learner present at the class.
    assert seats[sitting.pk].present and seats[marking.pk].present and not seats[waiting.pk].present
    assert Attendance.objects.filter(session=session, learner=sitting.learner, status="present").exists()
    release = room_url(room, "exam_room_release", attempt_pk=seats[sitting.pk].attempt.pk)
    assert f'href="{release}"' in html
    assert f'href="{room_url(room, "exam_room_paper", enrollment_pk=waiting.pk)}"' in html


def test_the_seat_list_shows_the_score_of_a_marked_attempt(client, coordinator, cohort, room):
    exam = room.exam
    exam.rules.filter(kind=Kind.SHORT_ANSWER).delete()
    learner = enrol(cohort)
    sit(exam, learner, room=room, token="p")
    client.force_login(coordinator)
    html = client.get(room_url(room)).content.decode()
    assert re.search(rf'id="seat-{learner.pk}"[^>]*data-state="submitted"', html)
    assert "2 / 2 (100%)" in html


# The user (with the navigation's coordinator flag), the cohort, the room, the learners, their
# attempts, the session's attendance.
ROOM_QUERIES = 6


@pytest.mark.parametrize("learners", [1, 30])
def test_the_room_page_takes_a_fixed_number_of_queries(
    client, coordinator, cohort, room, learners, django_assert_num_queries
):
    for n in range(learners):
        enrollment = enrol(cohort)
        if n % 2:
            sit(room.exam, enrollment, room=room, token=f"phone-{n}", submit=n % 4 == 1)
    client.force_login(coordinator)
    with django_assert_num_queries(ROOM_QUERIES):
        response = client.get(room_url(room))
    assert len(response.context["seats"]) == learners


# --- pause, resume, close ------------------------------------------------------------------------


def test_pause_refuses_answers_and_resume_gives_the_time_back(client, english, coordinator, cohort, room):
    learner = enrol(cohort)
    attempt = sit(room.exam, learner, submit=False, room=room, token="phone")
    deadline = ExamAttempt.objects.get(pk=attempt.pk).deadline
    client.force_login(coordinator)

    response = client.post(room_url(room, "exam_room_pause"), {"reason": "停电"}, follow=True)

    room.refresh_from_db()
    assert room.paused_at is not None
    assert ExamAuditEntry.objects.get(action="room_paused").reason == "停电"
    assert 'id="room-status"' in response.content.decode() and "Room paused" in response.content.decode()
    position = attempt.paper.first().position
    with pytest.raises(AttemptError) as refused:
        attempt_answers_save(attempt_id=attempt.pk, answers={position: None}, device_token="phone")
    assert "paused" in str(refused.value)
    # No code on the projector while paused: nobody starts.
    projector = client.get(room_url(room, "exam_room_projector"))
    assert 'id="room-paused"' in projector.content.decode()
    assert 'id="room-code"' not in projector.content.decode()

    # Ten minutes of power cut.
    ExamRoom.objects.filter(pk=room.pk).update(paused_at=timezone.now() - datetime.timedelta(minutes=10))
    client.post(room_url(room, "exam_room_resume"))

    room.refresh_from_db()
    assert room.paused_at is None
    moved = ExamAttempt.objects.get(pk=attempt.pk).deadline - deadline
    assert datetime.timedelta(minutes=10) <= moved < datetime.timedelta(minutes=11)
    attempt_answers_save(
        attempt_id=attempt.pk, answers={position: None}, device_token="phone"
    )  # accepted again


def test_closing_the_room_stops_new_starts(client, coordinator, cohort, room):
    learner = enrol(cohort)
    client.force_login(coordinator)
    response = client.post(room_url(room, "exam_room_close"), follow=True)
    room.refresh_from_db()
    assert room.closed_at is not None
    html = response.content.decode()
    assert 'name="pause"' not in html and 'name="close"' not in html
    with pytest.raises(AttemptError):
        attempt_start(exam=room.exam, enrollment=learner, room=room, device_token="x")
    projector = client.get(room_url(room, "exam_room_projector")).content.decode()
    assert 'id="room-closed"' in projector
    assert 'http-equiv="refresh"' not in projector


# --- another phone -------------------------------------------------------------------------------


def test_a_learner_can_be_let_resume_on_another_phone(client, coordinator, cohort, room):
    learner = enrol(cohort)
    attempt = sit(room.exam, learner, submit=False, room=room, token="dead-phone")
    with pytest.raises(AttemptError):
        attempt_start(exam=room.exam, enrollment=learner, room=room, device_token="new-phone")
    url = room_url(room, "exam_room_release", attempt_pk=attempt.pk)
    client.force_login(coordinator)
    assert client.get(url).status_code == 200

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    assert ExamAttempt.objects.get(pk=attempt.pk).device_token == "dead-phone"

    response = client.post(url, {"reason": "手机没电了"})

    assert response.status_code == 302
    assert ExamAttempt.objects.get(pk=attempt.pk).device_token == ""
    entry = ExamAuditEntry.objects.get(action="device_released")
    assert (entry.reason, entry.actor, entry.attempt_id) == ("手机没电了", coordinator, attempt.pk)
    resumed = attempt_start(exam=room.exam, enrollment=learner, room=room, device_token="new-phone")
    assert resumed.pk == attempt.pk
    assert ExamAttempt.objects.get(pk=attempt.pk).device_token == "new-phone"


def test_a_submitted_attempt_is_not_released(client, coordinator, cohort, room):
    attempt = sit(room.exam, enrol(cohort), room=room, token="phone")
    client.force_login(coordinator)
    assert client.get(room_url(room, "exam_room_release", attempt_pk=attempt.pk)).status_code == 404


# --- the paper fallback --------------------------------------------------------------------------


def test_a_paper_score_is_entered_as_a_submitted_attempt_on_paper(client, coordinator, cohort, room):
    learner = enrol(cohort)
    sit(room.exam, learner, right=False)  # a first attempt online, failed
    url = room_url(room, "exam_room_paper", enrollment_pk=learner.pk)
    client.force_login(coordinator)
    page = client.get(url)
    assert page.context["form"].initial["max_score"] == 7  # the blueprint's points: 2 + 5

    response = client.post(url, {"score": 5, "max_score": 7, "note": "试卷存教务处"})

    assert response.status_code == 302
    attempt = ExamAttempt.objects.get(enrollment=learner, on_paper=True)
    assert (attempt.number, attempt.score, attempt.max_score, attempt.passed) == (2, 5, 7, True)
    assert attempt.entered_by == coordinator
    assert attempt.submitted_at is not None and attempt.room == room
    entry = ExamAuditEntry.objects.get(action="paper_score_entered")
    assert (entry.attempt, entry.actor, entry.reason) == (attempt, coordinator, "试卷存教务处")
    assert entry.detail["score"] == 5


def test_a_paper_score_below_the_pass_mark_does_not_pass(client, coordinator, cohort, room):
    learner = enrol(cohort)
    client.force_login(coordinator)
    client.post(room_url(room, "exam_room_paper", enrollment_pk=learner.pk), {"score": 5, "max_score": 10})
    assert ExamAttempt.objects.get(enrollment=learner).passed is False  # 50 % < 60 %


def test_a_passed_final_exam_on_paper_is_recorded_on_the_enrolment(client, coordinator, cohort, session):
    final = make_exam(cohort.course, is_final=True, title="期末考试")
    room = room_open(exam=final, session=session, by=coordinator)
    learner = enrol(cohort)
    client.force_login(coordinator)
    client.post(room_url(room, "exam_room_paper", enrollment_pk=learner.pk), {"score": 9, "max_score": 10})
    learner.refresh_from_db()
    assert learner.final_exam_passed_at is not None
    assert learner.final_exam_percent == 90


def test_a_paper_score_out_of_range_is_refused(client, coordinator, cohort, room):
    learner = enrol(cohort)
    client.force_login(coordinator)
    response = client.post(
        room_url(room, "exam_room_paper", enrollment_pk=learner.pk), {"score": 11, "max_score": 10}
    )
    assert response.status_code == 200
    assert "score" in response.context["form"].errors
    assert not ExamAttempt.objects.exists()


def test_a_paper_score_for_a_learner_of_another_class_is_404(client, coordinator, county, cohort, room):
    other_cohort = factories.CohortFactory(county=county, course=cohort.course)
    stranger = enrol(other_cohort)
    client.force_login(coordinator)
    url = room_url(room, "exam_room_paper", enrollment_pk=stranger.pk)
    assert client.post(url, {"score": 5, "max_score": 10}).status_code == 404
    assert not ExamAttempt.objects.exists()


# --- the projector -------------------------------------------------------------------------------


def test_the_projector_shows_the_code_and_reloads_when_it_changes(client, coordinator, room):
    client.force_login(coordinator)
    before = timezone.now()
    response = client.get(room_url(room, "exam_room_projector"))
    after = timezone.now()
    html = response.content.decode()
    code = re.search(r'<p class="projector-code" id="room-code">(\d{6})</p>', html).group(1)
    assert code in {room_code(room, before), room_code(room, after)}
    seconds = int(re.search(r'<meta http-equiv="refresh" content="(\d+)">', html).group(1))
    assert 1 <= seconds <= 60
    assert response.context["seconds_left"] == seconds
    # The portal's CSP allows the refresh: it is a navigation, not a script.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    try:
        join = reverse("learn:exam_room")
    except NoReverseMatch:  # the learner's page is being built by another change
        join = None
    if join:
        assert f"http://testserver{join}" in html


def test_projector_is_for_the_rooms_of_the_class_only(client, coordinator, county, room, exam):
    other_session = factories.ClassSessionFactory(
        cohort=factories.CohortFactory(county=county, course=exam.course), date=timezone.localdate()
    )
    other_room = room_open(exam=exam, session=other_session, by=coordinator)
    client.force_login(coordinator)
    url = reverse(
        "coordinator:exam_room_projector", kwargs={"pk": room.session.cohort_id, "room_pk": other_room.pk}
    )
    assert client.get(url).status_code == 404


def test_a_paper_score_counts_against_the_attempts_allowed(client, coordinator, cohort, room):
    room.exam.max_attempts = 1
    room.exam.save()
    learner = enrol(cohort)
    sit(room.exam, learner, right=False)  # the one attempt, online
    url = room_url(room, "exam_room_paper", enrollment_pk=learner.pk)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"

    response = client.post(url, {"score": 5, "max_score": 7})

    assert response.status_code == 200
    assert "This learner has used the 1 attempt this exam allows" in response.content.decode()
    assert not ExamAttempt.objects.filter(enrollment=learner, on_paper=True).exists()
    # An extra attempt granted (with a reason) lets the paper score in.
    exception_grant(
        exam=room.exam, enrollment=learner, reason="手机没电，改用纸质试卷", by=coordinator, extra_attempts=1
    )
    assert client.post(url, {"score": 5, "max_score": 7}).status_code == 302
    assert ExamAttempt.objects.get(enrollment=learner, on_paper=True).number == 2
