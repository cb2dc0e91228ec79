"""What the learner sees of a submitted attempt: nothing of the answer key before the results
are released (immediately, when the window closes, or by hand), "awaiting marking" while a
short answer is not marked, then the score, passed or not, and every question with their
answer, the right one and the explanation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from exams.attempts import attempt_result_refresh
from exams.models import AttemptQuestion, BankQuestion, Exam, ExamAttempt
from exams.policy import results_release
from tests import factories
from tests.learn.test_exam_sitting import (
    ACCEPTED,
    ACCEPTED_VARIANT,
    EXPLANATION,
    browser,
    make_exam,
    paper_row,
    right_ids,
    save,
    sitter,
    start,
    wrong_id,
)

Kind = BankQuestion.Kind


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def sit(exam, *, right=True):
    """A learner who answers the single choice (rightly or not) and the fill-in, and submits.
    Returns their browser and the attempt."""
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    single = paper_row(attempt, Kind.SINGLE)
    save(client, attempt, single.position, right_ids(single)[0] if right else wrong_id(single))
    save(client, attempt, paper_row(attempt, Kind.FILL_IN).position, "电子商务缩写")
    client.post(reverse("learn:attempt_submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    return client, attempt


def pages(client, attempt) -> list[str]:
    """Every page the learner can open about the attempt."""
    return [
        client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode(),
        client.get(reverse("learn:exam", args=[attempt.exam_id])).content.decode(),
        client.get(reverse("learn:exams")).content.decode(),
    ]


def assert_no_key(client, attempt):
    for page in pages(client, attempt):
        assert EXPLANATION not in page
        assert ACCEPTED_VARIANT not in page
        assert "right answer" not in page and "Accepted answers" not in page
        assert 'id="score"' not in page


def test_released_immediately_the_result_shows_score_answers_and_explanations(db):
    exam = make_exam(release=Exam.Release.IMMEDIATELY, pass_mark_percent=50)
    client, attempt = sit(exam)
    assert attempt.score == 2 and attempt.max_score == 4 and attempt.passed

    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()

    assert 'id="score"' in page and "2 of 4 points (50%)" in page and "Passed" in page
    assert EXPLANATION in page
    assert ACCEPTED in page and ACCEPTED_VARIANT in page  # the accepted answers of the fill-in
    assert "right answer" in page
    assert page.count('class="right"') == 2 and page.count('class="wrong"') == 2
    exam_page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert "2 of 4 points (50%)" in exam_page and '<span class="badge">counts</span>' in exam_page


def test_a_failed_attempt_says_not_passed_with_the_pass_mark(db):
    exam = make_exam(pass_mark_percent=60)
    client, attempt = sit(exam, right=False)
    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()
    assert "1 of 4 points (25%)" in page and "Not passed (pass mark 60%)" in page


def test_released_by_hand_the_key_stays_hidden_until_the_release(db, staff):
    exam = make_exam(release=Exam.Release.MANUAL)
    client, attempt = sit(exam)

    assert_no_key(client, attempt)
    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="submitted"' in page and "When the exam's staff release them." in page
    assert "2 of 4 questions answered" in page

    results_release(exam=exam, by=staff)
    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="score"' in page and EXPLANATION in page and ACCEPTED_VARIANT in page


def test_released_after_the_window_closes(db):
    closes_at = timezone.now() + timedelta(hours=2)
    exam = make_exam(release=Exam.Release.AFTER_CLOSE, closes_at=closes_at)
    client, attempt = sit(exam)

    assert_no_key(client, attempt)
    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()
    local = timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M")
    assert f"When the exam closes, on {local}." in page

    Exam.objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="score"' in page and EXPLANATION in page


def test_a_short_answer_awaits_marking_then_the_result_is_released(db, staff):
    exam = make_exam(short_answer=True)
    client, attempt = sit(exam)
    assert attempt.passed is None

    assert_no_key(client, attempt)
    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="awaiting-marking"' in page and "awaiting marking" in page
    assert "Submitted, awaiting marking" in client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    assert "Awaiting marking" in client.get(reverse("learn:exams")).content.decode()

    AttemptQuestion.objects.filter(attempt=attempt, question__kind=Kind.SHORT_ANSWER).update(
        points_awarded=1, marker_comment="要点齐全", marked_by=staff, marked_at=timezone.now()
    )
    attempt_result_refresh(attempt_id=attempt.pk)
    page = client.get(reverse("learn:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="score"' in page and "3 of 5 points (60%)" in page and "要点齐全" in page


def test_an_unsubmitted_attempt_has_no_result_yet(db):
    exam = make_exam(time_limit_minutes=30)
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    attempt = start(client, exam)
    assert client.get(reverse("learn:attempt_result", args=[attempt.pk])).url == reverse(
        "learn:attempt", args=[attempt.pk]
    )
    # Once its time is up, the result page submits it.
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert client.get(reverse("learn:attempt_result", args=[attempt.pk])).status_code == 200
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None


def test_the_last_attempt_counts_when_the_exam_says_so(db):
    exam = make_exam(score_policy=Exam.ScorePolicy.LAST)
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    first = start(client, exam)
    single = paper_row(first, Kind.SINGLE)
    save(client, first, single.position, right_ids(single)[0])
    client.post(reverse("learn:attempt_submit", args=[first.pk]))
    second = start(client, exam)
    client.post(reverse("learn:attempt_submit", args=[second.pk]))

    page = client.get(reverse("learn:exam", args=[exam.pk])).content.decode()
    attempts = page[page.index('id="attempt-1"') :]
    first_item, second_item = attempts.split('id="attempt-2"')
    badge = '<span class="badge">counts</span>'
    assert badge not in first_item and badge in second_item
    assert "The last attempt" in page


def test_someone_elses_result_is_not_found(db):
    exam = make_exam()
    _client, attempt = sit(exam)
    stranger = browser(factories.UserFactory())
    assert stranger.get(reverse("learn:attempt_result", args=[attempt.pk])).status_code == 404
