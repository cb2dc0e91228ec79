"""Races that need real concurrency: threads with their own database connections (PostgreSQL)."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from enrollment import services
from enrollment.models import Enrollment, QuizAttempt
from enrollment.quizzes import quiz_submit
from tests import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL (CI runs it)"
)


def run_at_once(*calls):
    """Run the callables in threads released together; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_double_click_on_enrol_from_two_tabs_makes_one_enrolment(transactional_db, learner):
    course = factories.course_with_lessons(lessons=1)
    tabs = [Client(), Client()]
    for tab in tabs:
        tab.force_login(learner)
    url = reverse("learn:enrol", args=[course.slug])

    responses = run_at_once(*[lambda tab=tab: tab.post(url) for tab in tabs])

    assert [response.status_code for response in responses] == [302, 302]
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1


def test_concurrent_service_enrolments_return_the_same_row(transactional_db, learner):
    course = factories.course_with_lessons(lessons=1)
    results = run_at_once(*[lambda: services.enrollment_create(learner=learner, course=course)] * 4)
    assert {result.pk for result in results} == {Enrollment.objects.get(learner=learner).pk}


def test_eight_learners_racing_for_the_last_seat_one_gets_it(transactional_db, county):
    cohort = factories.CohortFactory(
        course=factories.course_with_lessons(lessons=1), county=county, capacity=2
    )
    services.cohort_join(learner=factories.UserFactory(), cohort=cohort)
    learners = [factories.UserFactory() for _ in range(8)]

    results = run_at_once(
        *[
            lambda learner=learner: services.cohort_join(learner=learner, cohort=cohort)
            for learner in learners
        ]
    )

    joined = [result for result in results if isinstance(result, Enrollment)]
    refused = [result for result in results if isinstance(result, services.EnrollmentError)]
    assert len(joined) == 1
    assert [error.code for error in refused] == ["full"] * 7
    assert cohort.enrollments.current().count() == 2


def test_same_quiz_page_submitted_twice_at_once_counts_once(transactional_db, learner):
    course = factories.course_with_lessons(lessons=1)
    enrollment = services.enrollment_create(learner=learner, course=course)
    quiz = course.quizzes.get()
    question = quiz.questions.get()
    answers = {question.pk: {question.choices.get(is_correct=True).pk}}

    results = run_at_once(
        *[
            lambda: quiz_submit(
                enrollment=enrollment, quiz=quiz, token="same-page-token-123456", answers=answers
            )
        ]
        * 2
    )

    assert all(isinstance(result, QuizAttempt) for result in results), results
    assert results[0].pk == results[1].pk
    assert QuizAttempt.objects.filter(enrollment=enrollment).count() == 1


def test_double_click_on_submit_answers_counts_once(transactional_db, learner):
    course = factories.course_with_lessons(lessons=1)
    services.enrollment_create(learner=learner, course=course)
    quiz = course.quizzes.get()
    question = quiz.questions.get()
    tab = Client()
    tab.force_login(learner)
    url = reverse("learn:quiz", args=[course.slug, quiz.pk])
    token = re.search(r'name="token" value="([^"]+)"', tab.get(url).content.decode()).group(1)
    data = {"token": token, f"q{question.pk}": question.choices.get(is_correct=False).pk}

    responses = run_at_once(lambda: tab.post(url, data), lambda: tab.post(url, data))

    assert {response.url for response in responses} == {
        reverse("learn:quiz_result", args=[course.slug, quiz.pk, 1])
    }
    assert QuizAttempt.objects.count() == 1
