"""Marking short answers in the coordinator's workspace: the blind queue (one answer at a time,
never the learner's name), marks that settle the attempt, two markers on one answer, and mark
changes from the gradebook with a reason in the audit log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.marking import answer_mark
from exams.models import AttemptQuestion, BankQuestion, ExamAttempt, ExamAuditEntry
from tests import factories
from tests.coordinator.conftest import enrol
from tests.coordinator.test_exam_rooms import RUBRIC, make_exam, sit

Kind = BankQuestion.Kind
NAME = "欧阳明月"


@pytest.fixture
def exam(cohort):
    return make_exam(cohort.course, short_answers=2)


@pytest.fixture
def learner(cohort):
    enrollment = enrol(cohort)
    enrollment.learner.name = NAME
    enrollment.learner.mobile = "13912345678"
    enrollment.learner.save()
    return enrollment


@pytest.fixture
def attempt(exam, learner):
    return sit(exam, learner, short="讲清卖点，多互动，限时优惠促单")


def marking_url(cohort, exam):
    return reverse("coordinator:exam_marking", args=[cohort.pk, exam.pk])


def mark_url(cohort, exam, answer):
    return reverse("coordinator:exam_marking_answer", args=[cohort.pk, exam.pk, answer.pk])


def short_answers(attempt):
    return list(attempt.paper.filter(question__kind=Kind.SHORT_ANSWER).order_by("question_id", "pk"))


def test_the_marking_page_is_blind(client, coordinator, cohort, exam, learner, attempt):
    client.force_login(coordinator)
    response = client.get(marking_url(cohort, exam))
    html = response.content.decode()
    answer = response.context["answer"]
    assert answer.pk == short_answers(attempt)[0].pk
    assert answer.question.text in html
    assert RUBRIC in html
    assert "讲清卖点，多互动，限时优惠促单" in html
    assert 'min="0"' in html and 'max="5"' in html  # the question is worth 5 points
    assert f'id="answer-{answer.pk}"' in html
    # Nothing says whose answer it is.
    for secret in (NAME, learner.learner.email, "13912345678", f"/attempts/{attempt.pk}/"):
        assert secret not in html
    assert response.context["remaining"] == 2


def test_marking_the_last_short_answer_settles_the_attempt(client, coordinator, cohort, exam, attempt):
    first, second = short_answers(attempt)
    client.force_login(coordinator)

    response = client.post(mark_url(cohort, exam, first), {"points": 4, "comment": "要点齐全"})

    assert response.status_code == 302
    assert response.url == marking_url(cohort, exam)
    first.refresh_from_db()
    assert (first.points_awarded, first.marked_by, first.marker_comment) == (4, coordinator, "要点齐全")
    assert first.marked_at is not None
    attempt.refresh_from_db()
    assert attempt.passed is None  # one short answer still waits
    assert attempt.score == 2 + 4
    assert client.get(marking_url(cohort, exam)).context["answer"].pk == second.pk

    client.post(mark_url(cohort, exam, second), {"points": 1})

    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score) == (7, 12)
    assert attempt.passed is False  # 7 / 12 = 58 % < 60 %
    done = client.get(marking_url(cohort, exam))
    assert done.context["answer"] is None
    assert 'id="marking-done"' in done.content.decode()


def test_the_last_mark_can_pass_a_final_exam_and_record_it(client, coordinator, cohort, learner):
    final = make_exam(cohort.course, short_answers=1, is_final=True, title="期末考试")
    attempt = sit(final, learner)
    [answer] = short_answers(attempt)
    client.force_login(coordinator)
    client.post(mark_url(cohort, final, answer), {"points": 5})
    attempt.refresh_from_db()
    learner.refresh_from_db()
    assert attempt.passed is True
    assert learner.final_exam_passed_at == attempt.submitted_at
    assert learner.final_exam_percent == 100


def test_points_out_of_range_are_refused(client, english, coordinator, cohort, exam, attempt):
    answer = short_answers(attempt)[0]
    client.force_login(coordinator)
    response = client.post(mark_url(cohort, exam, answer), {"points": 6})
    assert response.status_code == 200
    assert "points" in response.context["form"].errors
    answer.refresh_from_db()
    assert answer.points_awarded is None


def test_an_answer_marked_meanwhile_keeps_its_first_mark(
    client, english, coordinator, staff, cohort, exam, attempt
):
    answer = short_answers(attempt)[0]
    client.force_login(coordinator)
    client.get(marking_url(cohort, exam))  # the coordinator reads the answer...
    answer_mark(answer_id=answer.pk, points=3, by=staff, comment="先改的")  # ...someone else marks it

    response = client.post(mark_url(cohort, exam, answer), {"points": 5}, follow=True)

    answer.refresh_from_db()
    assert (answer.points_awarded, answer.marked_by, answer.marker_comment) == (3, staff, "先改的")
    assert "Someone else marked this answer" in response.content.decode()
    assert response.context["answer"].pk != answer.pk  # on to the next one


def test_skipping_shows_the_next_answer_and_comes_back_round(client, coordinator, cohort, exam, attempt):
    first, second = short_answers(attempt)
    client.force_login(coordinator)
    url = marking_url(cohort, exam)
    assert client.get(f"{url}?after={first.pk}").context["answer"].pk == second.pk
    assert client.get(f"{url}?after={second.pk}").context["answer"].pk == first.pk


def test_answers_of_another_class_are_not_in_the_queue(client, coordinator, county, cohort, exam):
    other = enrol(factories.CohortFactory(county=county, course=cohort.course))
    foreign = sit(exam, other)
    client.force_login(coordinator)
    assert client.get(marking_url(cohort, exam)).context["answer"] is None
    response = client.post(mark_url(cohort, exam, short_answers(foreign)[0]), {"points": 1})
    assert response.status_code == 404
    assert not AttemptQuestion.objects.filter(
        points_awarded__isnull=False, question__kind=Kind.SHORT_ANSWER
    ).exists()


# --- changing a mark from the gradebook ----------------------------------------------------------


def attempt_url(cohort, exam, attempt):
    return reverse("coordinator:exam_attempt", args=[cohort.pk, exam.pk, attempt.pk])


def test_changing_a_mark_needs_a_reason_and_is_audited(client, coordinator, cohort, exam, attempt):
    single = attempt.paper.get(question__kind=Kind.SINGLE)
    assert single.points_awarded == 2
    for answer in short_answers(attempt):
        answer_mark(answer_id=answer.pk, points=5, by=coordinator)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (12, True)
    client.force_login(coordinator)
    url = attempt_url(cohort, exam, attempt)
    page = client.get(url)
    assert NAME in page.content.decode()  # the gradebook is not blind
    assert f'id="question-{single.position}"' in page.content.decode()

    refused = client.post(url, {"position": single.position, "points": 0, "reason": ""})
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    single.refresh_from_db()
    assert single.points_awarded == 2

    response = client.post(url, {"position": single.position, "points": 0, "reason": "题目有歧义，按0分计"})

    assert response.status_code == 302
    single.refresh_from_db()
    assert (single.points_awarded, single.marked_by) == (0, coordinator)
    attempt.refresh_from_db()
    assert attempt.score == 10
    entry = ExamAuditEntry.objects.get(action="mark_changed")
    assert (entry.attempt, entry.actor, entry.reason) == (attempt, coordinator, "题目有歧义，按0分计")
    assert entry.detail == {"position": single.position, "old": 2, "new": 0, "old_marked_at": None}
    assert "题目有歧义，按0分计" in client.get(url).content.decode()


def test_a_mark_change_can_fail_an_attempt(client, coordinator, cohort, exam, attempt):
    for answer in short_answers(attempt):
        answer_mark(answer_id=answer.pk, points=3, by=coordinator)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (8, True)  # 8 / 12 = 66 %
    client.force_login(coordinator)
    answer = short_answers(attempt)[0]
    client.post(
        attempt_url(cohort, exam, attempt), {"position": answer.position, "points": 1, "reason": "复核"}
    )
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (6, False)


def test_marks_of_an_attempt_in_progress_cannot_be_changed(client, coordinator, cohort, exam, learner):
    attempt = sit(exam, learner, submit=False)
    client.force_login(coordinator)
    url = attempt_url(cohort, exam, attempt)
    assert 'class="form mark-change"' not in client.get(url).content.decode()
    assert client.post(url, {"position": 1, "points": 0, "reason": "x"}).status_code == 404
    assert not ExamAttempt.objects.filter(pk=attempt.pk, score__isnull=False).exists()


def test_an_attempt_of_another_class_is_404(client, coordinator, county, cohort, exam):
    foreign = sit(exam, enrol(factories.CohortFactory(county=county, course=cohort.course)))
    client.force_login(coordinator)
    assert client.get(attempt_url(cohort, exam, foreign)).status_code == 404
