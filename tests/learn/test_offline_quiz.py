"""A quiz answered offline and sent from the phone's queue (``offline_key``) gets a JSON answer:
201 recorded, 400 or 409 refused with the reason the phone shows. The phone drops an item only
on such an answer, so no answer is lost silently (review of issue 20)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from courses.models import Quiz
from enrollment.models import Enrollment, QuizAttempt
from tests import factories

KEY = "offlinekey_0123456789abcdefABCDEF"


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def course():
    return factories.course_with_lessons(lessons=1, final_quiz=True)


@pytest.fixture
def enrollment(learner, course):
    return factories.EnrollmentFactory(learner=learner, course=course)


def sent(client, course, quiz, **fields):
    url = reverse("learn:quiz", args=[course.slug, quiz.pk])
    return client.post(url, {"token": KEY, "offline_key": KEY, **fields}, HTTP_X_REQUESTED_WITH="fetch")


def test_recorded_answers_are_201_and_a_replay_returns_the_same_attempt(client, learner, enrollment, course):
    quiz = Quiz.objects.get(course=course)
    question = quiz.questions.get()
    right = question.choices.get(is_correct=True)
    client.force_login(learner)

    first = sent(client, course, quiz, **{f"q{question.pk}": str(right.pk)})
    replay = sent(client, course, quiz, **{f"q{question.pk}": str(right.pk)})

    assert first.status_code == replay.status_code == 201
    assert first["Content-Type"] == "application/json"
    assert (
        json.loads(first.content)
        == json.loads(replay.content)
        == {
            "recorded": True,
            "number": 1,
            "result": reverse("learn:quiz_result", args=[course.slug, quiz.pk, 1]),
        }
    )
    assert QuizAttempt.objects.filter(enrollment=enrollment).count() == 1


def test_a_question_left_out_is_refused_with_the_reason(client, learner, enrollment, course):
    quiz = Quiz.objects.get(course=course)
    client.force_login(learner)

    response = sent(client, course, quiz)

    assert response.status_code == 400
    answer = json.loads(response.content)
    assert answer["code"] == "invalid" and answer["error"]
    assert QuizAttempt.objects.count() == 0


def test_no_attempt_left_is_refused_with_409_and_the_reason(client, learner, enrollment, course):
    quiz = Quiz.objects.get(course=course)
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=1)
    question = quiz.questions.get()
    choice = question.choices.first()
    client.force_login(learner)
    url = reverse("learn:quiz", args=[course.slug, quiz.pk])
    client.post(url, {"token": "online_token_0123456789abcdef", f"q{question.pk}": str(choice.pk)})

    response = sent(client, course, quiz, **{f"q{question.pk}": str(choice.pk)})

    assert response.status_code == 409
    assert json.loads(response.content) == {
        "error": "You have used all your attempts at this quiz.",
        "code": "no_attempts_left",
    }


def test_a_closed_enrolment_is_refused_in_json_not_redirected(client, learner, enrollment, course):
    quiz = Quiz.objects.get(course=course)
    question = quiz.questions.get()
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.WITHDRAWN)
    client.force_login(learner)

    response = sent(client, course, quiz, **{f"q{question.pk}": str(question.choices.first().pk)})

    assert response.status_code in (404, 409)
    if response.status_code == 409:
        assert json.loads(response.content)["code"] == "not_open"
    assert QuizAttempt.objects.count() == 0


def test_a_lesson_sent_with_a_damaged_key_is_refused_in_json(client, learner, enrollment, course):
    lesson = course.modules.first().lessons.first()
    client.force_login(learner)

    response = client.post(
        reverse("learn:lesson_complete", args=[course.slug, lesson.pk]),
        {"complete": "1", "offline_key": "short"},
    )

    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "offline_key"
