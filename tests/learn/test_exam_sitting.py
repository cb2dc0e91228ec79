"""Sitting an exam through the learner's pages: starting and resuming (a second browser, a
second phone in an exam room), the paper page by page without JavaScript, the autosave
endpoint, the server's deadline and its grace, windows and exceptions, room codes and a paused
room, who may open what, and the query counts of the busy requests."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from counties.models import Attendance
from exams.attempts import GRACE, attempt_answer_save
from exams.models import (
    AttemptEvent,
    AttemptQuestion,
    BankChoice,
    BankQuestion,
    BlueprintRule,
    Exam,
    ExamAttempt,
    ExamRoom,
    QuestionBank,
)
from exams.papers import exam_publish
from exams.policy import exam_window_set, exception_grant
from exams.rooms import attempt_device_release, room_code, room_open, room_pause, room_resume
from tests import factories

Kind = BankQuestion.Kind
# The key of the paper, which no page may show before the results are released.
EXPLANATION = "主图要清晰所以选八百像素"
ACCEPTED = "电子商务缩写"
ACCEPTED_VARIANT = "ＥＣ"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def browser(user) -> Client:
    """A new browser (its own session, so its own device token) signed in as ``user``."""
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 12) test phone")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def add_question(bank, kind, text, *, options=(), right=(), explanation="", accepted=""):
    question = BankQuestion.objects.create(
        bank=bank, kind=kind, text=text, difficulty=1, explanation=explanation, accepted_answers=accepted
    )
    BankChoice.objects.bulk_create(
        BankChoice(question=question, text=option, is_correct=n in right, order=n)
        for n, option in enumerate(options)
    )
    return question


def make_exam(*, course=None, extra_single=0, short_answer=False, **fields) -> Exam:
    """A published exam of a single-choice question (its first option right, with
    EXPLANATION), a multiple-choice one (two right options of four), a true/false one, a
    fill-in-the-blank (accepting ACCEPTED and ACCEPTED_VARIANT) and, if asked, a short answer
    and ``extra_single`` more single-choice questions; one point each except as said."""
    course = course or factories.CourseFactory()
    bank = QuestionBank.objects.create(title="题库", course=course)
    exam = Exam.objects.create(title="结业考试", course=course, **fields)
    add_question(
        bank,
        Kind.SINGLE,
        "主图尺寸？",
        options=("800×800", "100×100", "300×200"),
        right={0},
        explanation=EXPLANATION,
    )
    add_question(
        bank, Kind.MULTIPLE, "礼貌用语？", options=("您好", "请稍等", "不知道", "谢谢"), right={0, 1}
    )
    add_question(bank, Kind.TRUE_FALSE, "包邮商品不能设置运费模板。", options=("对", "错"), right={1})
    add_question(bank, Kind.FILL_IN, "电商是____。", accepted=f"{ACCEPTED}\n{ACCEPTED_VARIANT}")
    for n in range(extra_single):
        add_question(bank, Kind.SINGLE, f"补充题{n}", options=("甲", "乙"), right={0})
    kinds = [Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.FILL_IN]
    if short_answer:
        add_question(bank, Kind.SHORT_ANSWER, "简述直播带货的要点。")
        kinds.append(Kind.SHORT_ANSWER)
    for order, kind in enumerate(kinds):
        count = 1 + (extra_single if kind == Kind.SINGLE else 0)
        BlueprintRule.objects.create(exam=exam, order=order, bank=bank, kind=kind, count=count, points=1)
    exam_publish(exam=exam)
    exam.refresh_from_db()
    return exam


def sitter(exam, **fields):
    """A learner studying the exam's course, and their enrolment."""
    enrollment = factories.EnrollmentFactory(course=exam.course, **fields)
    return enrollment.learner, enrollment


def start(client, exam) -> ExamAttempt:
    response = client.post(reverse("learn:exam_start", args=[exam.pk]))
    assert response.status_code == 302
    attempt = ExamAttempt.objects.filter(exam=exam).order_by("-pk").first()
    assert response.url == reverse("learn:attempt", args=[attempt.pk])
    return attempt


def paper_row(attempt, kind) -> AttemptQuestion:
    return attempt.paper.select_related("question").get(question__kind=kind)


def right_ids(row) -> list[int]:
    return sorted(
        BankChoice.objects.filter(question=row.question, is_correct=True).values_list("pk", flat=True)
    )


def wrong_id(row) -> int:
    return BankChoice.objects.filter(question=row.question, is_correct=False).values_list("pk", flat=True)[0]


def expire(attempt, *, by=GRACE + timedelta(seconds=1)):
    """Move the attempt's deadline into the past (``by`` ago)."""
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - by)


def save(client, attempt, position, *answers):
    return client.post(
        reverse("learn:attempt_save", args=[attempt.pk]), {"position": position, "answer": list(answers)}
    )


@pytest.fixture
def exam(db):
    return make_exam(time_limit_minutes=60)


# --- starting and resuming ---------------------------------------------------------------------


def test_learner_starts_an_exam_and_sees_the_first_page_of_their_paper(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert 'id="exam-start"' in page and ">Start<" in page
    assert "60 minutes" in page

    attempt = start(client, exam)
    assert attempt.deadline is not None
    assert AttemptEvent.objects.filter(attempt=attempt, kind="start", device__contains="test phone").exists()
    page = client.get(reverse("learn:attempt", args=[attempt.pk])).content.decode()
    for position in range(1, 5):
        assert f'name="q{position}"' in page
    assert 'id="time-left" data-seconds-left="' in page
    assert 'src="/static/js/exam.js" defer' in page


def test_starting_again_resumes_the_same_attempt_and_the_page_says_continue(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    first = start(client, exam)
    assert start(client, exam) == first
    assert ExamAttempt.objects.filter(exam=exam).count() == 1
    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert ">Continue<" in page and "You have an attempt in progress." in page


def test_a_second_browser_resumes_an_online_attempt_with_its_saved_answers(exam):
    learner, _enrollment = sitter(exam)
    phone = browser(learner)
    attempt = start(phone, exam)
    row = paper_row(attempt, Kind.FILL_IN)
    assert save(phone, attempt, row.position, "电子商务").json()["ok"] is True

    other_phone = browser(learner)
    assert start(other_phone, exam) == attempt
    page = other_phone.get(
        reverse("learn:attempt", args=[attempt.pk]) + f"?page={1 + (row.position - 1) // 5}"
    )
    assert 'value="电子商务"' in page.content.decode()
    assert save(other_phone, attempt, row.position, "电商").json()["ok"] is True


# --- the paper without JavaScript ------------------------------------------------------------


def test_a_page_post_saves_every_answer_clears_the_unanswered_and_moves_on(db):
    exam = make_exam(extra_single=3)  # 7 questions: two pages
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    first_page = list(attempt.paper.select_related("question").filter(position__lte=5).order_by("position"))
    # An answer saved before, then left blank on the page: the page clears it.
    blank = next(row for row in first_page if row.question.kind == Kind.SINGLE)
    attempt_answer_save(attempt_id=attempt.pk, question_position=blank.position, answer=[wrong_id(blank)])
    data = {"page": 1, "go": "next"}
    expected = {}
    for row in first_page:
        if row == blank:
            expected[row.position] = None
        elif row.question.kind == Kind.MULTIPLE:
            data[f"q{row.position}"] = [str(pk) for pk in right_ids(row)]
            expected[row.position] = right_ids(row)
        elif row.question.kind in BankQuestion.CHOICE_KINDS:
            data[f"q{row.position}"] = str(right_ids(row)[0])
            expected[row.position] = right_ids(row)
        else:
            data[f"q{row.position}"] = "  电子商务 "
            expected[row.position] = "电子商务"

    response = client.post(reverse("learn:attempt", args=[attempt.pk]), data)

    assert response.status_code == 302
    assert response.url == reverse("learn:attempt", args=[attempt.pk]) + "?page=2"
    saved = dict(attempt.paper.filter(position__lte=5).values_list("position", "answer"))
    assert saved == expected
    page = client.get(response.url).content.decode()
    assert 'name="q6"' in page and 'name="q1"' not in page
    assert 'value="review"' in page
    for position, answer in expected.items():  # the navigation marks the questions answered
        state = "nav-q answered" if answer else "nav-q"
        assert f'class="{state}" data-position="{position}"' in page


def test_previous_review_and_page_buttons_lead_where_they_say(db):
    exam = make_exam(extra_single=6)  # 10 questions: two pages
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    url = reverse("learn:attempt", args=[attempt.pk])
    assert client.post(url, {"page": 2, "go": "prev"}).url == url + "?page=1"
    assert client.post(url, {"page": 1, "go": "page-2"}).url == url + "?page=2"
    assert client.post(url, {"page": 2, "go": "next"}).url == reverse(
        "learn:attempt_review", args=[attempt.pk]
    )
    assert client.post(url, {"page": 1, "go": "review"}).url == reverse(
        "learn:attempt_review", args=[attempt.pk]
    )


def test_the_page_never_holds_the_answer_key(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    pages = [client.get(reverse("learn:attempt", args=[attempt.pk])).content.decode()]
    pages.append(client.get(reverse("learn:attempt_review", args=[attempt.pk])).content.decode())
    for page in pages:
        assert EXPLANATION not in page
        assert ACCEPTED not in page and ACCEPTED_VARIANT not in page
        assert "is_correct" not in page


def test_review_lists_the_unanswered_and_submitting_leads_to_the_result(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    row = paper_row(attempt, Kind.SINGLE)
    save(client, attempt, row.position, right_ids(row)[0])
    review = client.get(reverse("learn:attempt_review", args=[attempt.pk])).content.decode()
    assert "1 of 4 questions answered" in review
    assert "3 questions are not answered" in review
    assert f'id="review-{row.position}" class="answered"' in review

    response = client.post(reverse("learn:attempt_submit", args=[attempt.pk]))
    assert response.url == reverse("learn:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 1
    # Submitting again, or opening the paper, changes nothing and leads to the result.
    assert client.post(reverse("learn:attempt_submit", args=[attempt.pk])).url == response.url
    assert client.get(reverse("learn:attempt", args=[attempt.pk])).url == response.url
    assert client.post(reverse("learn:attempt", args=[attempt.pk]), {"page": 1}).url == response.url
    assert AttemptEvent.objects.filter(attempt=attempt, kind="submit").count() == 1


# --- the server's deadline ----------------------------------------------------------------


def test_a_post_after_the_deadline_and_grace_is_refused_and_the_saved_answers_count(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    single = paper_row(attempt, Kind.SINGLE)
    assert save(client, attempt, single.position, right_ids(single)[0]).json()["ok"] is True
    expire(attempt)

    response = client.post(
        reverse("learn:attempt", args=[attempt.pk]),
        {"page": 1, f"q{single.position}": str(wrong_id(single)), "go": "next"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("learn:attempt_result", args=[attempt.pk])
    assert "The time for this attempt is up; the answer was not saved." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert attempt.score == 1  # the answer saved in time, not the late one
    assert paper_row(attempt, Kind.SINGLE).answer == right_ids(single)


def test_a_post_within_the_grace_is_saved_then_the_attempt_submitted(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    single = paper_row(attempt, Kind.SINGLE)
    expire(attempt, by=timedelta(seconds=3))  # the countdown reached zero; the page is sent

    response = client.post(
        reverse("learn:attempt", args=[attempt.pk]),
        {"page": 1, f"q{single.position}": str(right_ids(single)[0]), "go": "timeup"},
    )

    assert response.url == reverse("learn:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 1


def test_opening_an_attempt_whose_time_is_up_submits_it(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    expire(attempt)
    assert client.get(reverse("learn:attempt", args=[attempt.pk])).url == reverse(
        "learn:attempt_result", args=[attempt.pk]
    )
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None


def test_the_page_counts_down_from_the_servers_deadline(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=125))
    page = client.get(reverse("learn:attempt", args=[attempt.pk])).content.decode()
    seconds, shown = re.search(r'id="time-left" data-seconds-left="(\d+)">([\d:]+)<', page).groups()
    assert 115 <= int(seconds) <= 125
    assert shown == f"{int(seconds) // 60}:{int(seconds) % 60:02d}"  # shown without JavaScript


def test_an_exam_without_time_limit_says_so(db):
    exam = make_exam()
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    page = client.get(reverse("learn:attempt", args=[attempt.pk])).content.decode()
    assert 'id="no-time-limit"' in page and "data-seconds-left" not in page
    assert save(client, attempt, 1).json()["seconds_left"] is None


# --- the autosave endpoint --------------------------------------------------------------------


def test_autosave_saves_one_answer_and_tells_the_time_left(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    multiple = paper_row(attempt, Kind.MULTIPLE)

    response = save(client, attempt, multiple.position, *right_ids(multiple))

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["saved_at"]
    assert 3590 <= data["seconds_left"] <= 3600
    assert paper_row(attempt, Kind.MULTIPLE).answer == right_ids(multiple)
    # No answer clears it.
    assert save(client, attempt, multiple.position).json()["ok"] is True
    assert paper_row(attempt, Kind.MULTIPLE).answer is None


def test_autosave_refuses_bad_input_with_400(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    single = paper_row(attempt, Kind.SINGLE)
    foreign = BankChoice.objects.exclude(question=single.question).values_list("pk", flat=True)[0]
    for response in (
        save(client, attempt, "x", "1"),
        save(client, attempt, 99, "1"),
        save(client, attempt, 10**30, "1"),
        save(client, attempt, single.position, str(foreign)),
        save(client, attempt, single.position, *[str(pk) for pk in single.choice_order[:2]]),
    ):
        assert response.status_code == 400
        assert response.json()["ok"] is False and response.json()["closed"] is False
        assert response.json()["error"]


def test_autosave_after_the_time_is_up_is_refused_closed_and_submits_the_attempt(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    expire(attempt)
    response = save(client, attempt, 1, "1")
    assert response.status_code == 409
    assert response.json() == {
        "ok": False,
        "error": "The time for this attempt is up; the answer was not saved.",
        "closed": True,
    }
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert save(client, attempt, 1, "1").json()["closed"] is True


def test_autosave_needs_the_csrf_token_and_a_login(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert save(strict, attempt, 1, "1").status_code == 403
    assert save(Client(), attempt, 1, "1").status_code == 403


# --- windows and exceptions ---------------------------------------------------------------------


def test_before_the_window_opens_and_after_it_closes_the_learner_is_told(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    exam.opens_at = timezone.now() + timedelta(days=1)
    exam.closes_at = timezone.now() + timedelta(days=2)
    exam.save()
    url = reverse("learn:exam", args=[exam.pk])
    page = client.get(url).content.decode()
    assert 'id="exam-blocked"' in page and "This exam opens on" in page
    assert 'id="exam-start"' not in page
    response = client.post(reverse("learn:exam_start", args=[exam.pk]), follow=True)
    assert "This exam opens on" in response.content.decode()
    assert not ExamAttempt.objects.exists()

    exam.opens_at = timezone.now() - timedelta(days=2)
    exam.closes_at = timezone.now() - timedelta(days=1)
    exam.save()
    assert "This exam has closed." in client.get(url).content.decode()
    response = client.post(reverse("learn:exam_start", args=[exam.pk]), follow=True)
    assert "This exam has closed." in response.content.decode()
    assert not ExamAttempt.objects.exists()


def test_within_the_hour_before_the_opening_the_page_waits_with_start_and_the_time_left(exam):
    """A province-wide sitting: learners open the page before the exam opens and wait on it (its
    script enables Start at the opening); a press before the opening says when it opens."""
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    exam.opens_at = timezone.now() + timedelta(minutes=10)
    exam.save()
    url = reverse("learn:exam", args=[exam.pk])
    page = client.get(url).content.decode()
    assert 'id="exam-blocked"' not in page
    waiting = re.search(r'id="opens-in" data-opens-in="(\d+)">(\d+:\d\d)<', page)
    assert waiting and 590 <= int(waiting[1]) <= 600 and waiting[2] in {"10:00", "9:59", "9:58"}
    assert "The exam opens at " in page and 'id="exam-start"' in page and "js/exam-wait" in page
    response = client.post(reverse("learn:exam_start", args=[exam.pk]), follow=True)
    assert "This exam opens on" in response.content.decode()
    assert not ExamAttempt.objects.exists()

    # More than an hour ahead, or no attempt left by then: the reason, no button.
    exam.opens_at = timezone.now() + timedelta(minutes=61)
    exam.save()
    page = client.get(url).content.decode()
    assert 'id="exam-blocked"' in page and 'id="exam-start"' not in page and "exam-wait" not in page
    exam.opens_at, exam.max_attempts = timezone.now() - timedelta(minutes=1), 1
    exam.save()
    client.post(reverse("learn:attempt_submit", args=[start(client, exam).pk]))
    exam.opens_at = timezone.now() + timedelta(minutes=10)
    exam.save()
    page = client.get(url).content.decode()
    assert 'id="exam-blocked"' in page  # no attempt left once it opens: no button to wait for
    assert 'id="exam-start"' not in page


def test_a_cohort_window_applies_and_is_shown(exam, coordinator):
    cohort = factories.CohortFactory(course=exam.course)
    learner, _enrollment = sitter(exam, cohort=cohort)
    exam.closes_at = timezone.now() - timedelta(days=1)
    exam.save()
    exam_window_set(
        exam=exam,
        cohort=cohort,
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(hours=3),
        by=coordinator,
    )
    client = browser(learner)
    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert "(set for your class)" in page and 'id="exam-start"' in page
    start(client, exam)


def test_an_exception_with_extra_time_is_shown_and_applies(exam, staff):
    learner, enrollment = sitter(exam)
    exception_grant(exam=exam, enrollment=enrollment, reason="视力障碍", by=staff, extra_minutes=30)
    client = browser(learner)
    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert "90 minutes" in page and "(including 30 minutes of extra time)" in page

    attempt = start(client, exam)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=90)
    assert 5390 <= save(client, attempt, 1).json()["seconds_left"] <= 5400


def test_an_extra_attempt_is_counted_and_the_used_up_exam_has_no_start_button(db, staff):
    exam = make_exam(max_attempts=1)
    learner, enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    client.post(reverse("learn:attempt_submit", args=[attempt.pk]))
    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert "1 of 1 used" in page and "You have used the 1 attempt this exam allows." in page
    assert 'id="exam-start"' not in page

    exception_grant(exam=exam, enrollment=enrollment, reason="停电", by=staff, extra_attempts=1)
    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert "1 of 2 used" in page and "(including 1 extra attempt)" in page and 'id="exam-start"' in page
    assert start(client, exam).number == 2


def test_the_cool_off_is_shown_instead_of_the_start_button(db):
    exam = make_exam(cool_off_minutes=60)
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    client.post(reverse("learn:attempt_submit", args=[attempt.pk]))
    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert "You can start your next attempt on" in page and "Wait 60 minutes" in page
    assert 'id="exam-start"' not in page


# --- exam rooms -------------------------------------------------------------------------------


@pytest.fixture
def room_class(exam, coordinator):
    """A cohort of the exam's course with a class today, a room open in it, and a learner of
    the cohort."""
    cohort = factories.CohortFactory(course=exam.course)
    session = factories.ClassSessionFactory(cohort=cohort)
    room = room_open(exam=exam, session=session, by=coordinator)
    learner, enrollment = sitter(exam, cohort=cohort)
    return room, learner, enrollment


def enter_room(client, code):
    return client.post(reverse("learn:exam_room"), {"code": code})


def test_a_valid_room_code_starts_the_attempt_in_the_room_and_records_attendance(room_class):
    room, learner, _enrollment = room_class
    client = browser(learner)
    assert client.get(reverse("learn:exam_room")).status_code == 200

    response = enter_room(client, room_code(room)[:3] + " " + room_code(room)[3:])

    attempt = ExamAttempt.objects.get()
    assert response.url == reverse("learn:attempt", args=[attempt.pk])
    assert attempt.room == room and attempt.device_token
    assert Attendance.objects.filter(
        session=room.session, learner=learner, status=Attendance.Status.PRESENT
    ).exists()
    assert client.get(response.url).status_code == 200


def test_an_expired_room_code_is_refused(room_class):
    room, learner, _enrollment = room_class
    stale = room_code(room, timezone.now() - timedelta(minutes=2))
    assert stale != room_code(room)
    response = enter_room(browser(learner), stale)
    assert response.status_code == 200
    assert "This room code is not valid now." in response.content.decode()
    assert not ExamAttempt.objects.exists()


def test_a_room_code_of_another_course_is_a_not_found_error(room_class, exam):
    room, _learner, _enrollment = room_class
    outsider, _other = sitter(make_exam())
    response = enter_room(browser(outsider), room_code(room))
    assert response.status_code == 404
    assert "You are not enrolled in the course of this exam." in response.content.decode()
    assert not ExamAttempt.objects.exists()


def test_wrong_room_codes_are_rate_limited(room_class):
    _room, learner, _enrollment = room_class
    client = browser(learner)
    statuses = [enter_room(client, "000000").status_code for _n in range(12)]
    assert statuses[:10] == [200] * 10, statuses
    assert statuses[-1] == 429, statuses


def test_in_a_room_a_second_phone_is_refused_until_the_coordinator_releases_the_attempt(
    room_class, coordinator
):
    room, learner, _enrollment = room_class
    phone = browser(learner)
    enter_room(phone, room_code(room))
    attempt = ExamAttempt.objects.get()

    new_phone = browser(learner)
    refused = enter_room(new_phone, room_code(room))
    assert refused.status_code == 200
    assert "This attempt is open on another phone." in refused.content.decode()
    assert new_phone.post(reverse("learn:exam_start", args=[attempt.exam_id])).url == reverse(
        "learn:exam", args=[attempt.exam_id]
    )
    assert new_phone.get(reverse("learn:attempt", args=[attempt.pk])).url == reverse(
        "learn:exam", args=[attempt.exam_id]
    )
    assert save(new_phone, attempt, 1).status_code == 409
    assert new_phone.post(reverse("learn:attempt_submit", args=[attempt.pk])).url == reverse(
        "learn:exam", args=[attempt.exam_id]
    )

    attempt_device_release(attempt=attempt, by=coordinator, reason="手机没电")
    response = enter_room(new_phone, room_code(room))
    assert response.url == reverse("learn:attempt", args=[attempt.pk])
    assert new_phone.get(response.url).status_code == 200
    assert save(new_phone, attempt, 1).json()["ok"] is True
    # The first phone is now the other one.
    assert save(phone, attempt, 1).status_code == 409


def test_a_paused_room_refuses_saves_and_shows_a_banner(room_class, coordinator):
    room, learner, _enrollment = room_class
    client = browser(learner)
    enter_room(client, room_code(room))
    attempt = ExamAttempt.objects.get()
    single = paper_row(attempt, Kind.SINGLE)
    room_pause(room=room, by=coordinator, reason="停电")

    response = save(client, attempt, single.position, right_ids(single)[0])
    assert response.status_code == 409
    assert response.json()["closed"] is False
    assert "paused" in response.json()["error"]

    page = client.post(
        reverse("learn:attempt", args=[attempt.pk]),
        {"page": 1, f"q{single.position}": str(right_ids(single)[0]), "go": "next"},
    )
    assert page.status_code == 409
    html = page.content.decode()
    assert 'id="paused"' in html and 'id="page-errors"' in html and 'data-paused="1"' in html
    assert f'value="{right_ids(single)[0]}" checked' in html  # what was sent is kept on the page
    assert paper_row(attempt, Kind.SINGLE).answer is None

    # A paused room holds the time: even past the deadline, the attempt stays open.
    expire(attempt)
    assert client.get(reverse("learn:attempt", args=[attempt.pk])).status_code == 200
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(minutes=30))
    room_resume(room=ExamRoom.objects.get(pk=room.pk), by=coordinator)
    assert save(client, attempt, single.position, right_ids(single)[0]).json()["ok"] is True


# --- who may open what --------------------------------------------------------------------------


def test_a_learner_of_another_course_gets_404_on_the_exam_and_on_someone_elses_attempt(exam):
    learner, _enrollment = sitter(exam)
    attempt = start(browser(learner), exam)
    outsider, _other = sitter(make_exam())
    client = browser(outsider)
    assert client.get(reverse("learn:exam", args=[exam.pk])).status_code == 404
    assert client.post(reverse("learn:exam_start", args=[exam.pk])).status_code == 404
    for name in ("learn:attempt", "learn:attempt_review", "learn:attempt_result"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert client.post(reverse("learn:attempt_submit", args=[attempt.pk])).status_code == 404
    # An autosave answers 404 whether the position is on the paper or not, and saves nothing.
    for position in (1, 99, 0):
        assert save(client, attempt, position, "1").status_code == 404
    assert not AttemptQuestion.objects.filter(attempt=attempt, answer__isnull=False).exists()
    # A classmate in the same course cannot open it either.
    classmate, _enrollment = sitter(exam)
    assert browser(classmate).get(reverse("learn:attempt", args=[attempt.pk])).status_code == 404
    assert save(browser(classmate), attempt, 1, "1").status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_draft_exam_and_a_withdrawn_learner_get_404(exam):
    draft = Exam.objects.create(title="草稿", course=exam.course)
    learner, enrollment = sitter(exam)
    client = browser(learner)
    assert client.get(reverse("learn:exam", args=[draft.pk])).status_code == 404
    enrollment.status = enrollment.Status.WITHDRAWN
    enrollment.save()
    assert client.get(reverse("learn:exam", args=[exam.pk])).status_code == 404


def test_the_exam_list_shows_the_exams_of_my_courses_only(exam):
    learner, _enrollment = sitter(exam)
    make_exam()  # another course's
    client = browser(learner)
    page = client.get(reverse("learn:exams")).content.decode()
    assert f'id="exam-{exam.pk}"' in page and page.count('id="exam-') == 1
    start(client, exam)
    assert "In progress" in client.get(reverse("learn:exams")).content.decode()
    assert (
        "None of your courses"
        in browser(factories.UserFactory()).get(reverse("learn:exams")).content.decode()
    )


def test_the_dashboard_leads_to_the_exams(exam):
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    page = client.get(reverse("learn:dashboard")).content.decode()
    assert f'href="{reverse("learn:exams")}"' in page and f'href="{reverse("learn:exam_room")}"' in page


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 16])
def test_the_attempt_page_makes_a_fixed_number_of_queries(db, extra, django_assert_num_queries):
    exam = make_exam(extra_single=extra)
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    client.get(reverse("learn:dashboard"))
    # The user, the attempt (exam, course, room, enrolment), its paper, the options of the page.
    with django_assert_num_queries(4):
        assert client.get(reverse("learn:attempt", args=[attempt.pk]) + "?page=2").status_code == 200


@pytest.mark.parametrize("extra", [0, 16])
def test_autosave_makes_a_fixed_small_number_of_queries(db, extra, django_assert_num_queries):
    exam = make_exam(extra_single=extra)
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    client.get(reverse("learn:dashboard"))
    # The user; in the service: a savepoint, the paper row with its attempt (checked to be the
    # learner's, and locked) and the attempt's room, the update, the event, the savepoint released.
    fill_in = paper_row(attempt, Kind.FILL_IN)
    with django_assert_num_queries(6):
        assert save(client, attempt, fill_in.position, "电子商务").json()["ok"] is True
    with django_assert_num_queries(6):
        assert save(client, attempt, fill_in.position).json()["ok"] is True


@pytest.mark.parametrize("exams", [1, 4])
def test_the_exam_list_makes_a_fixed_number_of_queries(db, exams, django_assert_num_queries):
    first = make_exam()
    learner, _enrollment = sitter(first)
    for _n in range(exams - 1):
        other = make_exam()
        factories.EnrollmentFactory(learner=learner, course=other.course)
        start(browser(learner), other)
    client = browser(learner)
    client.get(reverse("learn:dashboard"))
    # The user, the enrolments with their courses, the exams, the attempts.
    with django_assert_num_queries(4):
        page = client.get(reverse("learn:exams")).content.decode()
    assert page.count('id="exam-') == exams


@pytest.mark.parametrize("attempts", [1, 3])
def test_the_exam_page_makes_a_fixed_number_of_queries(db, attempts, django_assert_num_queries):
    exam = make_exam()
    cohort = factories.CohortFactory(course=exam.course)
    learner, _enrollment = sitter(exam, cohort=cohort)
    client = browser(learner)
    for _n in range(attempts):
        client.post(reverse("learn:attempt_submit", args=[start(client, exam).pk]))
    client.get(reverse("learn:dashboard"))
    # The user, the exam, the enrolment, its exception, its cohort's window, the attempts.
    with django_assert_num_queries(6):
        page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert page.count('id="attempt-') == attempts
