"""Quizzes: graded on the server only, shuffled per attempt, attempts limited, counted once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from courses.models import Choice, Question, Quiz
from enrollment import services
from enrollment.models import Enrollment, QuizAttempt
from enrollment.quizzes import quiz_submit
from tests import factories

Status = Enrollment.Status

# User (with its role flags: the navigation's is-coordinator check), enrolment + course, the quiz
# with the learner's attempts, questions with their choices. The session is in the cache.
QUIZ_PAGE_QUERIES = 4
# The result page: the same, the questions with their answers and explanations.
QUIZ_RESULT_QUERIES = 4


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def make_quiz(course, *, module=None, **fields) -> Quiz:
    """Two questions: single choice (right: 'B'), multiple choice (right: 'X' and 'Z')."""
    quiz = factories.QuizFactory(course=course, module=module, **fields)
    single = factories.QuestionFactory(quiz=quiz, order=1, text="单选题", explanation="因为B是对的")
    for order, (text, correct) in enumerate([("A", False), ("B", True), ("C", False)], start=1):
        factories.ChoiceFactory(question=single, order=order, text=f"单{text}", is_correct=correct)
    multiple = factories.QuestionFactory(
        quiz=quiz, order=2, text="多选题", kind=Question.Kind.MULTIPLE, explanation="X和Z都对"
    )
    for order, (text, correct) in enumerate([("X", True), ("Y", False), ("Z", True)], start=1):
        factories.ChoiceFactory(question=multiple, order=order, text=f"多{text}", is_correct=correct)
    return quiz


def choice(quiz: Quiz, text: str) -> int:
    return Choice.objects.get(question__quiz=quiz, text=text).pk


def field(quiz: Quiz, order: int) -> str:
    return f"q{quiz.questions.get(order=order).pk}"


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=1, final_quiz=False)


@pytest.fixture
def quiz(course):
    return make_quiz(course, pass_mark=100, max_attempts=3)


@pytest.fixture
def enrollment(client, learner, course):
    client.force_login(learner)
    return services.enrollment_create(learner=learner, course=course)


def quiz_url(quiz: Quiz) -> str:
    return reverse("learn:quiz", args=[quiz.course.slug, quiz.pk])


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def submit(client, quiz: Quiz, answers: dict, token: str | None = None):
    token = token or token_of(client.get(quiz_url(quiz)).content.decode())
    return client.post(quiz_url(quiz), {"token": token, **answers})


def test_quiz_page_does_not_reveal_the_answers(client, enrollment, quiz):
    page = client.get(quiz_url(quiz)).content.decode()
    assert "单选题" in page and "单B" in page and "多Z" in page
    assert "因为B是对的" not in page and "X和Z都对" not in page
    assert "correct" not in page.lower()
    assert page.count('type="radio"') == 3
    assert page.count('type="checkbox"') == 3
    # The right choice is marked up exactly like the wrong ones.
    right = re.search(r"<label[^>]*>[^<]*<input[^>]*>\s*单B</label>", page).group(0)
    wrong = re.search(r"<label[^>]*>[^<]*<input[^>]*>\s*单A</label>", page).group(0)
    assert re.sub(r'value="\d+"|id="[^"]+"|单\w', "", right) == re.sub(
        r'value="\d+"|id="[^"]+"|单\w', "", wrong
    )


def test_all_right_scores_100_and_passes(client, enrollment, quiz):
    response = submit(
        client,
        quiz,
        {field(quiz, 1): choice(quiz, "单B"), field(quiz, 2): [choice(quiz, "多X"), choice(quiz, "多Z")]},
    )
    attempt = QuizAttempt.objects.get()
    assert response.url == reverse("learn:quiz_result", args=[quiz.course.slug, quiz.pk, 1])
    assert (attempt.number, attempt.score, attempt.passed) == (1, 100, True)


def test_partial_multiple_choice_answer_counts_as_wrong(client, enrollment, quiz):
    submit(client, quiz, {field(quiz, 1): choice(quiz, "单B"), field(quiz, 2): [choice(quiz, "多X")]})
    attempt = QuizAttempt.objects.get()
    assert (attempt.score, attempt.passed) == (50, False)


def test_extra_wrong_choice_in_multiple_choice_counts_as_wrong(client, enrollment, quiz):
    answers = {
        field(quiz, 1): choice(quiz, "单A"),
        field(quiz, 2): [choice(quiz, "多X"), choice(quiz, "多Y"), choice(quiz, "多Z")],
    }
    submit(client, quiz, answers)
    assert QuizAttempt.objects.get().score == 0


def test_result_page_after_the_last_attempt_shows_feedback_and_explanations(client, enrollment, quiz):
    quiz.max_attempts = 1
    quiz.save(update_fields=["max_attempts"])
    response = submit(
        client, quiz, {field(quiz, 1): choice(quiz, "单A"), field(quiz, 2): [choice(quiz, "多X")]}
    )
    page = client.get(response.url).content.decode()
    assert "Attempt 1: 0%" in page
    assert "Not passed (pass mark 100%)" in page
    assert "因为B是对的" in page and "X和Z都对" in page
    assert page.count("✗ Wrong") == 2
    # The right choices are shown, including the one the learner missed in the partial answer.
    assert re.search(r'<li class="correct">☐ 单B <span class="badge">right answer</span>', page)
    assert re.search(r'<li class="correct">☑ 多X <span class="badge">right answer</span>', page)
    assert re.search(r'<li class="correct">☐ 多Z <span class="badge">right answer</span>', page)
    assert "0 attempts left" in page


def test_unanswered_question_is_shown_again_with_an_error_and_the_same_token(client, enrollment, quiz):
    token = token_of(client.get(quiz_url(quiz)).content.decode())
    response = submit(client, quiz, {field(quiz, 1): choice(quiz, "单B")}, token=token)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose an answer." in page
    assert token_of(page) == token
    assert not QuizAttempt.objects.exists()


def test_choice_of_another_question_is_refused(client, enrollment, quiz):
    response = submit(
        client, quiz, {field(quiz, 1): choice(quiz, "多X"), field(quiz, 2): [choice(quiz, "多X")]}
    )
    assert response.status_code == 200
    assert not QuizAttempt.objects.exists()


def test_submitting_the_same_page_twice_counts_once(client, enrollment, quiz):
    token = token_of(client.get(quiz_url(quiz)).content.decode())
    answers = {field(quiz, 1): choice(quiz, "单A"), field(quiz, 2): [choice(quiz, "多X")]}
    first = submit(client, quiz, answers, token=token)
    second = submit(client, quiz, {**answers, field(quiz, 1): choice(quiz, "单B")}, token=token)
    assert first.url == second.url
    attempt = QuizAttempt.objects.get()
    assert attempt.score == 0  # the second submission did not regrade


def test_attempts_are_limited(client, enrollment, quiz):
    wrong = {field(quiz, 1): choice(quiz, "单A"), field(quiz, 2): [choice(quiz, "多Y")]}
    for _ in range(3):
        submit(client, quiz, wrong)
    page = client.get(quiz_url(quiz)).content.decode()
    assert "You have used all your attempts" in page
    assert 'name="token"' not in page

    response = submit(client, quiz, wrong, token="a-fresh-token-nobody-used")
    assert response.url == quiz_url(quiz)
    assert QuizAttempt.objects.count() == 3


def test_best_score_is_kept_and_shown(client, enrollment, quiz):
    submit(client, quiz, {field(quiz, 1): choice(quiz, "单B"), field(quiz, 2): [choice(quiz, "多Y")]})
    submit(client, quiz, {field(quiz, 1): choice(quiz, "单A"), field(quiz, 2): [choice(quiz, "多Y")]})
    page = client.get(quiz_url(quiz)).content.decode()
    assert "Best score: 50%" in page
    assert reverse("learn:quiz_result", args=[quiz.course.slug, quiz.pk, 1]) in page


def test_shuffled_quiz_keeps_one_order_per_attempt_and_grades_by_choice(client, enrollment, course):
    quiz = factories.QuizFactory(course=course, shuffle=True, pass_mark=100)
    for order in range(1, 9):
        question = factories.QuestionFactory(quiz=quiz, order=order, text=f"题{order}")
        for index in range(1, 5):
            factories.ChoiceFactory(
                question=question, order=index, text=f"题{order}选{index}", is_correct=index == 1
            )

    def order_of(page: str) -> list[str]:
        return re.findall(r"题\d选\d", page)

    page = client.get(quiz_url(quiz)).content.decode()
    token = token_of(page)
    orders = {tuple(order_of(client.get(quiz_url(quiz)).content.decode())) for _ in range(5)}
    assert len(orders) > 1  # each new page, each new attempt, gets its own order

    # A form error shows the page again in the same order (the token seeds it).
    again = client.post(quiz_url(quiz), {"token": token}).content.decode()
    assert order_of(again) == order_of(page)

    answers = {f"q{question.pk}": question.choices.get(order=1).pk for question in quiz.questions.all()}
    submit(client, quiz, answers, token=token)
    assert QuizAttempt.objects.get().score == 100


def test_passing_the_final_quiz_completes_the_course(client, learner, db):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    quiz = make_quiz(course, pass_mark=50)
    client.force_login(learner)
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=course.modules.get().lessons.get())
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 50

    response = submit(
        client, quiz, {field(quiz, 1): choice(quiz, "单B"), field(quiz, 2): [choice(quiz, "多Y")]}
    )
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.progress_percent) == (Status.COMPLETED, 100)
    assert "You completed the course." in client.get(response.url).content.decode()
    assert enrollment.certificate is not None


def test_failing_the_final_quiz_leaves_the_course_open(client, learner, db):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    quiz = make_quiz(course, pass_mark=60)
    client.force_login(learner)
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=course.modules.get().lessons.get())
    submit(client, quiz, {field(quiz, 1): choice(quiz, "单B"), field(quiz, 2): [choice(quiz, "多Y")]})
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.progress_percent) == (Status.ACTIVE, 50)


def test_quiz_of_another_course_or_learner_is_404(client, enrollment, quiz, learner):
    other_course = factories.course_with_lessons(lessons=1)
    other_quiz = other_course.quizzes.get()
    assert client.get(reverse("learn:quiz", args=[quiz.course.slug, other_quiz.pk])).status_code == 404
    assert client.get(quiz_url(other_quiz)).status_code == 404

    attempt = quiz_submit(enrollment=enrollment, quiz=quiz, token="t" * 20, answers={})
    client.force_login(factories.LearnerProfileFactory().user)
    result = reverse("learn:quiz_result", args=[quiz.course.slug, quiz.pk, attempt.number])
    assert client.get(result).status_code == 404


def test_token_of_another_learners_attempt_is_refused(learner, quiz, course):
    mine = services.enrollment_create(learner=learner, course=course)
    theirs = services.enrollment_create(learner=factories.UserFactory(), course=course)
    quiz_submit(enrollment=theirs, quiz=quiz, token="shared-token-123456", answers={})
    with pytest.raises(services.EnrollmentError) as error:
        quiz_submit(enrollment=mine, quiz=quiz, token="shared-token-123456", answers={})
    assert error.value.code == "token"
    assert not QuizAttempt.objects.filter(enrollment=mine).exists()


def test_learner_waiting_for_approval_cannot_take_a_quiz(learner, quiz, course):
    cohort = factories.CohortFactory(course=course, requires_approval=True)
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    with pytest.raises(services.EnrollmentError):
        quiz_submit(enrollment=enrollment, quiz=quiz, token="waiting-token-123456", answers={})


@pytest.mark.parametrize("size", [1, 50])
def test_quiz_page_query_count_is_constant(client, enrollment, course, size, django_assert_num_queries):
    quiz = factories.QuizFactory(course=course, shuffle=True)
    questions = Question.objects.bulk_create(
        [Question(quiz=quiz, order=order, text=f"题{order}") for order in range(1, size + 1)]
    )
    Choice.objects.bulk_create(
        [
            Choice(question=question, order=order, text=f"选{order}", is_correct=order == 1)
            for question in questions
            for order in range(1, 4)
        ]
    )
    for number in range(1, 3):
        QuizAttempt.objects.create(
            enrollment=enrollment,
            quiz=quiz,
            token=f"token-{number}",
            number=number,
            score=number * 10,
            passed=False,
        )
    with django_assert_num_queries(QUIZ_PAGE_QUERIES):
        response = client.get(quiz_url(quiz))
    assert response.status_code == 200
    assert response.content.decode().count('type="radio"') == size * 3
    assert "Best score: 20%" in response.content.decode()

    result_url = reverse("learn:quiz_result", args=[course.slug, quiz.pk, 2])
    with django_assert_num_queries(QUIZ_RESULT_QUERIES):
        response = client.get(result_url)
    assert response.status_code == 200
    assert response.content.decode().count('class="wrong"') == size
