"""Sitting an exam: the window and the attempts allowed, one active attempt per learner, answers
saved one by one and checked against the question, the server's deadline (with its grace),
grading of every kind, idempotent submits and the sweep that closes overdue attempts."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exams.attempts import (
    GRACE,
    AttemptError,
    attempt_answer_save,
    attempt_start,
    attempt_submit,
    attempts_close_overdue,
)
from exams.models import AttemptQuestion, BankChoice, BankQuestion, Exam, ExamAttempt
from exams.tasks import close_overdue_attempts
from tests import factories
from tests.exams.test_papers import add_questions, add_rule, publish

Kind = BankQuestion.Kind
NOW = timezone.now().replace(microsecond=0)
POINTS = {Kind.SINGLE: 2, Kind.MULTIPLE: 4, Kind.TRUE_FALSE: 1, Kind.FILL_IN: 3, Kind.SHORT_ANSWER: 5}


@pytest.fixture
def exam(course_bank):
    """A published exam of one question of every kind, worth POINTS; the multiple-choice question
    has two right options of four."""
    exam = Exam.objects.create(title="结业考试", course=course_bank.course)
    for kind, points in POINTS.items():
        add_questions(course_bank, 1, kind=kind, difficulty=2)
        add_rule(exam, course_bank, kind=kind, points=points)
    BankChoice.objects.filter(question__kind=Kind.MULTIPLE, order=1).update(is_correct=True)
    BankQuestion.objects.filter(kind=Kind.FILL_IN).update(accepted_answers="E-commerce\nEC")
    return publish(exam)


def learner(exam):
    return factories.EnrollmentFactory(course=exam.course)


def row(attempt, kind) -> AttemptQuestion:
    return attempt.paper.select_related("question").get(question__kind=kind)


def right(row) -> list[int]:
    return list(
        BankChoice.objects.filter(question=row.question, is_correct=True).values_list("pk", flat=True)
    )


def wrong(row) -> list[int]:
    return list(
        BankChoice.objects.filter(question=row.question, is_correct=False).values_list("pk", flat=True)
    )


def save(attempt, kind, answer, now=NOW):
    return attempt_answer_save(
        attempt_id=attempt.pk, question_position=row(attempt, kind).position, answer=answer, now=now
    )


# --- starting ------------------------------------------------------------------------------------


def test_an_attempt_is_refused_before_the_window_opens_and_after_it_closes(exam):
    exam.opens_at, exam.closes_at, exam.time_limit_minutes = NOW, NOW + timedelta(hours=2), 90
    exam.save()
    enrollment = learner(exam)

    with pytest.raises(AttemptError) as early:
        attempt_start(exam=exam, enrollment=enrollment, now=NOW - timedelta(minutes=1))
    with pytest.raises(AttemptError) as late:
        attempt_start(exam=exam, enrollment=enrollment, now=NOW + timedelta(hours=2))
    assert "开放" in str(early.value)
    assert "已结束" in str(late.value)
    assert not ExamAttempt.objects.exists()

    first = attempt_start(exam=exam, enrollment=enrollment, now=NOW)
    assert first.deadline == NOW + timedelta(minutes=90)  # the time limit comes first
    later = attempt_start(exam=exam, enrollment=learner(exam), now=NOW + timedelta(hours=1))
    assert later.deadline == exam.closes_at  # the window closes before the time limit ends


def test_the_attempts_allowed_are_counted_and_one_more_is_refused(exam):
    exam.max_attempts = 2
    exam.save()
    enrollment = learner(exam)
    for _n in range(2):
        attempt_submit(attempt_id=attempt_start(exam=exam, enrollment=enrollment, now=NOW).pk, now=NOW)

    with pytest.raises(AttemptError) as error:
        attempt_start(exam=exam, enrollment=enrollment, now=NOW)

    assert "2" in str(error.value)
    assert ExamAttempt.objects.filter(enrollment=enrollment).count() == 2
    assert attempt_start(exam=exam, enrollment=learner(exam), now=NOW).number == 1  # others may start


def test_starting_again_returns_the_attempt_in_progress_until_its_time_is_up(exam):
    exam.time_limit_minutes = 30
    exam.save()
    enrollment = learner(exam)
    first = attempt_start(exam=exam, enrollment=enrollment, now=NOW)
    save(first, Kind.TRUE_FALSE, right(row(first, Kind.TRUE_FALSE)))

    again = attempt_start(exam=exam, enrollment=enrollment, now=NOW + timedelta(minutes=29))
    assert again.pk == first.pk
    assert ExamAttempt.objects.count() == 1

    # Time up and never submitted: the old attempt is graded and closed, a new one starts.
    second = attempt_start(exam=exam, enrollment=enrollment, now=NOW + timedelta(hours=1))
    first.refresh_from_db()
    assert second.number == 2
    # It ended when its time was up (the deadline and the grace), not when it was noticed.
    assert first.submitted_at == first.deadline + GRACE == NOW + timedelta(minutes=30) + GRACE
    assert first.events.filter(kind="closed").exists()
    assert first.score == POINTS[Kind.TRUE_FALSE]


# --- answering -----------------------------------------------------------------------------------


def test_autosave_then_submit_grades_every_kind(exam):
    attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW)
    save(attempt, Kind.SINGLE, wrong(row(attempt, Kind.SINGLE))[:1])
    save(attempt, Kind.SINGLE, right(row(attempt, Kind.SINGLE)))  # the later save replaces it
    save(attempt, Kind.MULTIPLE, [str(pk) for pk in right(row(attempt, Kind.MULTIPLE))])  # from a form
    save(attempt, Kind.TRUE_FALSE, right(row(attempt, Kind.TRUE_FALSE)))
    save(attempt, Kind.FILL_IN, " ｅｃ ")  # full-width, other case
    save(attempt, Kind.SHORT_ANSWER, "讲清卖点，多互动。")

    attempt = attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(minutes=5))

    awarded = dict(attempt.paper.values_list("question__kind", "points_awarded"))
    assert awarded == {
        Kind.SINGLE: 2,
        Kind.MULTIPLE: 4,
        Kind.TRUE_FALSE: 1,
        Kind.FILL_IN: 3,
        Kind.SHORT_ANSWER: None,
    }
    assert attempt.submitted_at == NOW + timedelta(minutes=5)
    assert attempt.score == 10  # the short answer's 5 points wait for marking
    assert attempt.passed is None and attempt.awaiting_marking
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (10, None)


def test_editing_the_bank_after_the_draw_does_not_change_the_grade(exam):
    # The paper keeps the answer key it was drawn with: a re-grade gives the same result.
    attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW)
    single = row(attempt, Kind.SINGLE)
    chosen = right(single)
    save(attempt, Kind.SINGLE, chosen)
    save(attempt, Kind.FILL_IN, "ec")
    fill_in = row(attempt, Kind.FILL_IN).question

    # An editor then moves the right option and changes the accepted answers.
    BankChoice.objects.filter(question=single.question).update(is_correct=False)
    BankChoice.objects.filter(question=single.question).exclude(pk__in=chosen).update(is_correct=True)
    BankQuestion.objects.filter(pk=fill_in.pk).update(accepted_answers="电子商务")

    attempt = attempt_submit(attempt_id=attempt.pk, now=NOW)

    awarded = dict(attempt.paper.values_list("question__kind", "points_awarded"))
    assert (awarded[Kind.SINGLE], awarded[Kind.FILL_IN]) == (2, 3)


def test_wrong_and_missing_answers_score_nothing(exam):
    attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW)
    save(attempt, Kind.SINGLE, wrong(row(attempt, Kind.SINGLE))[:1])
    save(attempt, Kind.TRUE_FALSE, wrong(row(attempt, Kind.TRUE_FALSE)))
    save(attempt, Kind.FILL_IN, "电子商务网站")

    attempt = attempt_submit(attempt_id=attempt.pk, now=NOW)

    awarded = dict(attempt.paper.values_list("question__kind", "points_awarded"))
    assert awarded == {
        Kind.SINGLE: 0,
        Kind.MULTIPLE: 0,
        Kind.TRUE_FALSE: 0,
        Kind.FILL_IN: 0,
        Kind.SHORT_ANSWER: None,
    }
    assert attempt.score == 0 and attempt.passed is None


@pytest.mark.parametrize(
    ("pick", "points"),
    [("both right", 4), ("one right", 0), ("both right and a wrong one", 0), ("nothing", 0)],
)
def test_multiple_choice_scores_only_the_exact_set_of_right_options(exam, pick, points):
    attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW)
    question = row(attempt, Kind.MULTIPLE)
    answers = {
        "both right": right(question),
        "one right": right(question)[:1],
        "both right and a wrong one": right(question) + wrong(question)[:1],
        "nothing": [],
    }
    save(attempt, Kind.MULTIPLE, answers[pick])

    attempt_submit(attempt_id=attempt.pk, now=NOW)

    assert row(attempt, Kind.MULTIPLE).points_awarded == points


@pytest.mark.parametrize(("pass_mark", "passed"), [(60, True), (61, False)])
def test_without_short_answers_the_pass_mark_decides(course_bank, pass_mark, passed):
    exam = Exam.objects.create(title="期中考试", course=course_bank.course, pass_mark_percent=pass_mark)
    for kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.FILL_IN):
        add_questions(course_bank, 1, kind=kind, difficulty=1)
        add_rule(exam, course_bank, kind=kind, points=POINTS[kind])
    publish(exam)
    attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW)
    save(attempt, Kind.SINGLE, right(row(attempt, Kind.SINGLE)))
    save(attempt, Kind.MULTIPLE, right(row(attempt, Kind.MULTIPLE)))  # 6 of 10 points

    attempt = attempt_submit(attempt_id=attempt.pk, now=NOW)

    assert attempt.score == 6
    assert attempt.passed is passed


def test_an_answer_that_does_not_fit_the_question_is_refused(exam, course_bank):
    attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW)
    (foreign,) = add_questions(course_bank, 1, difficulty=3)
    foreign_choice = foreign.choices.first().pk
    single = row(attempt, Kind.SINGLE)

    for kind, answer in [
        (Kind.SINGLE, [foreign_choice]),  # an option of another question
        (Kind.SINGLE, wrong(single)[:2]),  # two options of a single choice
        (Kind.TRUE_FALSE, "对"),
        (Kind.MULTIPLE, [True]),
        (Kind.FILL_IN, ["EC"]),
        (Kind.SHORT_ANSWER, "很" * 5_001),
    ]:
        with pytest.raises(AttemptError):
            save(attempt, kind, answer)
    with pytest.raises(AttemptError) as error:
        attempt_answer_save(attempt_id=attempt.pk, question_position=99, answer="EC", now=NOW)
    assert "试卷" in str(error.value)
    assert not attempt.paper.filter(answer__isnull=False).exists()

    save(attempt, Kind.FILL_IN, "EC")
    save(attempt, Kind.FILL_IN, "  ")  # clears it
    assert row(attempt, Kind.FILL_IN).answer is None


# --- the deadline --------------------------------------------------------------------------------


@pytest.fixture
def timed(exam):
    exam.time_limit_minutes = 30
    exam.save()
    return exam


def test_saving_after_the_deadline_and_its_grace_is_refused(timed):
    attempt = attempt_start(exam=timed, enrollment=learner(timed), now=NOW)
    deadline = NOW + timedelta(minutes=30)
    save(attempt, Kind.FILL_IN, "EC", now=deadline - timedelta(minutes=1))
    save(attempt, Kind.SINGLE, right(row(attempt, Kind.SINGLE)), now=deadline + GRACE)  # in flight

    with pytest.raises(AttemptError) as error:
        save(attempt, Kind.FILL_IN, "电子商务", now=deadline + GRACE + timedelta(seconds=1))

    assert "时间已到" in str(error.value)
    assert row(attempt, Kind.FILL_IN).answer == "EC"


def test_submitting_after_the_deadline_grades_what_was_saved(timed):
    attempt = attempt_start(exam=timed, enrollment=learner(timed), now=NOW)
    save(attempt, Kind.FILL_IN, "EC", now=NOW + timedelta(minutes=29))
    save(attempt, Kind.MULTIPLE, right(row(attempt, Kind.MULTIPLE)), now=NOW + timedelta(minutes=29))

    attempt = attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(hours=3))

    # Closed at its deadline (and the grace): the time used never exceeds the limit.
    assert attempt.submitted_at == attempt.deadline + GRACE
    assert attempt.score == POINTS[Kind.FILL_IN] + POINTS[Kind.MULTIPLE]


def test_a_second_submit_changes_nothing_and_no_answer_is_saved_after_a_submit(exam):
    attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW)
    save(attempt, Kind.SINGLE, right(row(attempt, Kind.SINGLE)))
    first = attempt_submit(attempt_id=attempt.pk, now=NOW)

    with pytest.raises(AttemptError) as error:
        save(attempt, Kind.SINGLE, wrong(row(attempt, Kind.SINGLE))[:1])
    second = attempt_submit(attempt_id=attempt.pk, now=NOW + timedelta(hours=1))

    assert "已提交" in str(error.value)
    assert (second.submitted_at, second.score, second.passed) == (NOW, 2, None)
    assert first.score == second.score
    assert row(attempt, Kind.SINGLE).answer == right(row(attempt, Kind.SINGLE))


def test_the_sweep_closes_exactly_the_overdue_attempts_and_a_second_run_does_nothing(timed):
    now = timezone.now()
    overdue = attempt_start(exam=timed, enrollment=learner(timed), now=now - timedelta(hours=1))
    save(overdue, Kind.FILL_IN, "EC", now=now - timedelta(minutes=50))
    in_grace = attempt_start(exam=timed, enrollment=learner(timed), now=now - timedelta(minutes=30))
    running = attempt_start(exam=timed, enrollment=learner(timed), now=now - timedelta(minutes=10))
    submitted = attempt_start(exam=timed, enrollment=learner(timed), now=now - timedelta(hours=2))
    attempt_submit(attempt_id=submitted.pk, now=now - timedelta(hours=2))
    timed.time_limit_minutes = None
    timed.save()
    untimed = attempt_start(exam=timed, enrollment=learner(timed), now=now - timedelta(days=3))

    assert close_overdue_attempts.delay().get() == 1

    overdue.refresh_from_db()
    assert overdue.submitted_at is not None and overdue.score == POINTS[Kind.FILL_IN]
    open_ids = set(ExamAttempt.objects.filter(submitted_at__isnull=True).values_list("pk", flat=True))
    assert open_ids == {in_grace.pk, running.pk, untimed.pk}
    assert ExamAttempt.objects.get(pk=submitted.pk).submitted_at == now - timedelta(hours=2)
    assert attempts_close_overdue() == 0


def test_the_sweep_is_scheduled_every_minute():
    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == close_overdue_attempts.name
    ]
    assert entry["schedule"] == 60


def test_the_sweep_works_in_batches(timed, monkeypatch):
    monkeypatch.setattr("exams.attempts.CLOSE_BATCH", 2)
    for _n in range(5):
        attempt_start(exam=timed, enrollment=learner(timed), now=NOW - timedelta(hours=1))

    assert attempts_close_overdue(now=NOW) == 5
    assert not ExamAttempt.objects.filter(submitted_at__isnull=True).exists()


def test_submitting_takes_as_many_queries_for_40_questions_as_for_5(course_bank):
    kinds = (Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.FILL_IN, Kind.SHORT_ANSWER)
    for kind in kinds:
        add_questions(course_bank, 8, kind=kind, difficulty=2)
    BankQuestion.objects.filter(kind=Kind.FILL_IN).update(accepted_answers="EC")

    def queries(per_kind):
        exam = Exam.objects.create(title=f"{per_kind}", course=course_bank.course)
        for kind in kinds:
            add_rule(exam, course_bank, kind=kind, count=per_kind)
        publish(exam)
        attempt = attempt_start(exam=exam, enrollment=learner(exam), now=NOW, rng=random.Random(1))
        for question in attempt.paper.select_related("question"):
            answer = "EC" if question.question.kind in (Kind.FILL_IN, Kind.SHORT_ANSWER) else right(question)
            attempt_answer_save(
                attempt_id=attempt.pk, question_position=question.position, answer=answer, now=NOW
            )
        with CaptureQueriesContext(connection) as submit:
            attempt = attempt_submit(attempt_id=attempt.pk, now=NOW)
        assert attempt.paper.count() == 5 * per_kind
        assert attempt.score == 4 * per_kind  # every auto-marked question right, 1 point each
        return len(submit.captured_queries)

    assert queries(1) == queries(8)


# --- the database and the admin ------------------------------------------------------------------


def test_the_database_refuses_a_window_that_closes_before_it_opens(exam):
    exam.opens_at, exam.closes_at = NOW, NOW - timedelta(hours=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        exam.save()


def test_the_admin_shows_an_attempts_deadline_answers_and_points(admin_client, timed):
    attempt = attempt_start(exam=timed, enrollment=learner(timed), now=NOW)
    save(attempt, Kind.FILL_IN, "电子商务平台")
    attempt_submit(attempt_id=attempt.pk, now=NOW)

    page = admin_client.get(reverse("admin:exams_examattempt_change", args=[attempt.pk])).content.decode()

    assert "电子商务平台" in page
    assert "截止时间" in page
