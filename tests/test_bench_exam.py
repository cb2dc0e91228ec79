"""The exam rush benchmark's driver (bench/exam_rush.py) without a server: its learner sits a
real exam through the Django test client, and its check of lost answers tells a lost answer
from a kept one."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from exams.models import AttemptQuestion, ExamAttempt
from tests import factories

# At the end of the path: bench/ has modules (figures.py…) named like the project's apps.
BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))

import exam_rush  # noqa: E402
from workload_flows import Page, judge, local_path  # noqa: E402


class ClientBrowser:
    """The journeys' Browser over Django's test client (CSRF enforced, as in production)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.names: list[str] = []

    def request(
        self, method, path, *, name, data=None, expect=(200,), contains="", goes_to=None, throttled=""
    ):
        if method == "GET":
            response = self.client.get(path)
        else:
            response = self.client.post(
                path, data=urlencode(list(data or [])), content_type="application/x-www-form-urlencoded"
            )
        page = Page(response.status_code, local_path(response.get("Location", "")), response.content.decode())
        _rename, error = judge(page, expect, contains, goes_to, throttled)
        assert not error, f"{name} {path}: {error}"
        self.names.append(name)
        return page


def stored_answers(attempt_id: int) -> dict[tuple[int, int], tuple[str, object]]:
    return {
        (attempt_id, position): (kind, answer)
        for position, kind, answer in AttemptQuestion.objects.filter(attempt_id=attempt_id).values_list(
            "position", "question__kind", "answer"
        )
    }


@pytest.mark.django_db
def test_the_benchmark_learner_sits_the_exam_through_the_real_pages_and_loses_no_answer():
    course = factories.CourseFactory()
    enrollment = factories.EnrollmentFactory(course=course)
    exam = exam_rush._exam(course, timezone.now())
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrollment.learner)
    browser = ClientBrowser(client)
    record = exam_rush.LearnerLog(learner=1)

    exam_rush.sit_exam(browser, exam.pk, random.Random(7), record, change_share=0.5)

    attempt = ExamAttempt.objects.get(enrollment=enrollment, exam=exam)
    assert record.finished and record.attempt == attempt.pk
    assert attempt.submitted_at is not None
    saves = [sent for sent in record.sent if sent.via == "save"]
    assert len(saves) > 10  # every question once, some changed
    assert browser.names.count(exam_rush.SAVE) == len(saves)
    assert browser.names.count(exam_rush.PAGE_POST) == 2  # 10 questions, two pages of five
    check = exam_rush.answers_lost([record], stored_answers(attempt.pk))
    assert (check.questions, check.lost, check.uncertain) == (10, 0, 0)
    # The answers stored are the last ones sent, whatever their kind.
    kinds = {kind for kind, _answer in stored_answers(attempt.pk).values()}
    assert kinds == {"single", "multiple", "true_false", "fill_in"}


@pytest.mark.django_db
def test_the_benchmark_learner_waits_on_the_page_of_an_exam_about_to_open_then_starts():
    course = factories.CourseFactory()
    enrollment = factories.EnrollmentFactory(course=course)
    exam = exam_rush._exam(course, timezone.now())
    opens = time.time() + 600
    exam_rush.exam_opening_set(exam.pk, opens)
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrollment.learner)
    browser = ClientBrowser(client)
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the wait on the exam's page: the exam opens meanwhile
        slept.append(seconds)
        exam_rush.exam_opening_set(exam.pk, time.time() - 1)

    exam_rush.sit_exam(
        browser, exam.pk, random.Random(7), exam_rush.LearnerLog(learner=1), sleep=sleep, start_at=opens + 5
    )
    assert 600 < slept[0] <= 605  # the page was shown while the exam was still closed
    assert browser.names[:3] == [exam_rush.EXAM_PAGE, exam_rush.START, exam_rush.PAPER]
    assert ExamAttempt.objects.get(enrollment=enrollment, exam=exam).submitted_at is not None


def sent(position, answer, acknowledged=True):
    return exam_rush.Sent(position, answer, "save", acknowledged)


def test_an_answer_is_lost_when_the_stored_one_is_not_the_last_acknowledged():
    record = exam_rush.LearnerLog(
        learner=1, attempt=5, sent=[sent(1, ["11"]), sent(1, ["12"]), sent(2, ["ok"])]
    )

    kept = exam_rush.answers_lost([record], {(5, 1): ("single", [12]), (5, 2): ("fill_in", "ok")})
    lost = exam_rush.answers_lost([record], {(5, 1): ("single", [11]), (5, 2): ("fill_in", None)})

    assert (kept.questions, kept.lost) == (2, 0)
    assert (lost.questions, lost.lost) == (2, 2)
    assert "question 1" in lost.examples[0]


def test_a_send_never_answered_after_the_last_acknowledged_may_stand_or_not():
    record = exam_rush.LearnerLog(
        learner=1, attempt=5, sent=[sent(1, ["11"]), sent(1, ["12"]), sent(1, ["13"], acknowledged=False)]
    )

    for stored, lost in (([12], 0), ([13], 0), ([11], 1), (None, 1)):
        check = exam_rush.answers_lost([record], {(5, 1): ("single", stored)})
        assert (check.lost, check.uncertain) == (lost, 1)


def test_questions_never_acknowledged_are_not_counted():
    record = exam_rush.LearnerLog(learner=1, attempt=5, sent=[sent(1, ["11"], acknowledged=False)])

    check = exam_rush.answers_lost([record], {(5, 1): ("single", None)})

    assert (check.questions, check.lost, check.acknowledged_sends) == (0, 0, 0)


def test_answers_are_compared_in_the_form_they_are_stored():
    assert exam_rush.stored_form("multiple", ["12", "3", "12"]) == [3, 12]
    assert exam_rush.stored_form("single", []) is None
    assert exam_rush.stored_form("fill_in", ["  EC "]) == "EC"
    assert exam_rush.stored_form("short_answer", ["   "]) is None
