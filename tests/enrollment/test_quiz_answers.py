"""When a quiz's result page shows the right answers: a failed learner who may try again sees
which questions were wrong, never the right choices or the explanations (the quiz's
``show_answers`` rule, by default "after passing or the last attempt")."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from courses.models import Quiz
from enrollment import services
from enrollment.models import QuizAttempt
from tests import factories
from tests.enrollment.test_quizzes import choice, field, make_quiz, submit

ShowAnswers = Quiz.ShowAnswers
EXPLANATIONS = ("因为B是对的", "X和Z都对")


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=1, final_quiz=False)


@pytest.fixture
def enrollment(client, learner, course):
    client.force_login(learner)
    return services.enrollment_create(learner=learner, course=course)


def fail(client, quiz: Quiz) -> str:
    """Submit a wrong first answer and a right second one; the result page."""
    answers = {
        field(quiz, 1): choice(quiz, "单A"),
        field(quiz, 2): [choice(quiz, "多X"), choice(quiz, "多Z")],
    }
    response = submit(client, quiz, answers)
    return client.get(response.url).content.decode()


def passing(client, quiz: Quiz) -> str:
    answers = {
        field(quiz, 1): choice(quiz, "单B"),
        field(quiz, 2): [choice(quiz, "多X"), choice(quiz, "多Z")],
    }
    response = submit(client, quiz, answers)
    return client.get(response.url).content.decode()


def result_url(quiz: Quiz, number: int) -> str:
    return reverse("learn:quiz_result", args=[quiz.course.slug, quiz.pk, number])


def assert_hidden(page: str) -> None:
    assert ">right answer<" not in page
    assert 'class="correct"' not in page
    assert not any(explanation in page for explanation in EXPLANATIONS)


def assert_revealed(page: str) -> None:
    assert '单B <span class="badge">right answer</span>' in page
    assert all(explanation in page for explanation in EXPLANATIONS)


def test_failed_attempt_with_attempts_left_says_what_was_wrong_but_not_the_right_choices(
    client, enrollment, course
):
    quiz = make_quiz(course, max_attempts=3)
    assert quiz.show_answers == ShowAnswers.AFTER_LAST_ATTEMPT  # the default

    page = fail(client, quiz)

    assert "Not passed" in page and "Try again" in page
    assert_hidden(page)
    # Which question was wrong, and what the learner chose there.
    assert page.count('class="wrong"') == 1 and page.count('class="right"') == 1
    assert "1 of 2 questions was wrong." in page
    assert "☑ 单A <small>(your choice)</small>" in page
    assert "shown once you pass or have used your last attempt" in page


def test_the_last_failed_attempt_reveals_the_answers_of_every_attempt(client, enrollment, course):
    quiz = make_quiz(course, max_attempts=2)
    assert_hidden(fail(client, quiz))

    assert_revealed(fail(client, quiz))
    assert_revealed(client.get(result_url(quiz, 1)).content.decode())


def test_unlimited_attempts_reveal_the_answers_only_after_passing(client, enrollment, course):
    quiz = make_quiz(course, max_attempts=None)
    for _ in range(3):
        page = fail(client, quiz)
        assert_hidden(page)
    assert "shown once you pass." in page

    assert_revealed(passing(client, quiz))
    # Once passed, the failed attempts show them too.
    assert_revealed(client.get(result_url(quiz, 1)).content.decode())


def test_after_passing_rule_keeps_them_from_a_learner_who_used_every_attempt(client, enrollment, course):
    quiz = make_quiz(course, max_attempts=1, show_answers=ShowAnswers.AFTER_PASSING)
    page = fail(client, quiz)
    assert "0 attempts left" in page
    assert_hidden(page)


def test_never_rule_hides_them_even_after_passing(client, enrollment, course):
    quiz = make_quiz(course, max_attempts=2, show_answers=ShowAnswers.NEVER)
    page = passing(client, quiz)
    assert "Passed" in page
    assert_hidden(page)
    assert "This quiz does not show the right answers." in page
    assert QuizAttempt.objects.get().passed
