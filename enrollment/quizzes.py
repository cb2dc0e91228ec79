"""Quizzes as the learner takes them: presentation (shuffled per attempt) and server-side grading.

The quiz page carries only question and choice texts and ids; which choices are correct never
leaves the server before the learner submits. Grading compares sets of choice ids, never
positions, so a shuffled page grades exactly like an ordered one.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from courses.models import Question, Quiz

from .models import Enrollment, QuizAttempt
from .services import EnrollmentError, enrollment_complete_if_done, enrollment_progress_update


def new_attempt_token() -> str:
    """The token a quiz page is issued with: it names the attempt that page may create."""
    return secrets.token_urlsafe(24)


@dataclass(eq=False, slots=True)
class QuizChoice:
    pk: int
    text: str
    is_correct: bool = False


@dataclass(eq=False, slots=True)
class QuizQuestion:
    pk: int
    text: str
    kind: str
    explanation: str = ""
    choice_list: list[QuizChoice] = field(default_factory=list)


def quiz_questions(*, quiz: Quiz, with_answers: bool = False) -> list[QuizQuestion]:
    """The quiz's questions in order with their choices in order (one query: a row per choice).

    Without ``with_answers`` neither the choices' correctness nor the explanations are read,
    so a page built from them cannot reveal them.
    """
    columns = ["pk", "text", "kind", "choices__pk", "choices__text"]
    if with_answers:
        columns += ["explanation", "choices__is_correct"]
    rows = Question.objects.filter(quiz=quiz).order_by("order", "choices__order").values_list(*columns)
    questions: list[QuizQuestion] = []
    for pk, text, kind, choice_pk, choice_text, *answers in rows:
        if not questions or questions[-1].pk != pk:
            questions.append(
                QuizQuestion(pk=pk, text=text, kind=kind, explanation=answers[0] if answers else "")
            )
        if choice_pk is not None:
            is_correct = bool(answers[1]) if answers else False
            questions[-1].choice_list.append(
                QuizChoice(pk=choice_pk, text=choice_text, is_correct=is_correct)
            )
    return questions


def quiz_presentation(*, quiz: Quiz, questions: Iterable[QuizQuestion], token: str) -> list[QuizQuestion]:
    """``questions`` (with ``choice_list``) in the order the page shows them.

    A shuffling quiz is shuffled with a generator seeded by the attempt's token: the same page
    shows the same order when it is shown again (a form error, a reload).
    """
    questions = list(questions)
    if not quiz.shuffle:
        return questions
    generator = random.Random(token)  # noqa: S311 - an order for the eye, not a secret
    generator.shuffle(questions)
    for question in questions:
        generator.shuffle(question.choice_list)
    return questions


def answers_revealed(*, quiz: Quiz, passed: bool, attempts_left: int | None) -> bool:
    """Whether the learner's result pages may show the right choices and the explanations,
    by the quiz's ``show_answers`` rule. ``passed``: some attempt of theirs passed;
    ``attempts_left``: None for unlimited attempts.

    The default shows them once the learner passed or has no attempt left, never while a
    failed learner may try again: with unlimited attempts, only after passing."""
    rule = Quiz.ShowAnswers
    if quiz.show_answers == rule.AFTER_PASSING:
        return passed
    if quiz.show_answers == rule.AFTER_LAST_ATTEMPT:
        return passed or attempts_left == 0
    return False


@dataclass(frozen=True)
class QuestionFeedback:
    """One question of an attempt as its result page shows it. Without the answers revealed,
    ``explanation`` is empty and no choice is marked right: the page can only say whether the
    question was answered right and what the learner chose."""

    text: str
    explanation: str
    # (choice text, chosen by the learner, right — False while the answers are not revealed)
    choices: list[tuple[str, bool, bool]]
    is_right: bool


def _is_right(question: QuizQuestion, chosen: set[int]) -> bool:
    return chosen == {choice.pk for choice in question.choice_list if choice.is_correct}


def quiz_feedback(
    *, questions: Iterable[QuizQuestion], answers: Mapping[str, Iterable[int]], reveal: bool
) -> list[QuestionFeedback]:
    """Per question: what the learner chose and whether they got it exactly right (a partly
    right multiple-choice answer is wrong); with ``reveal`` (see answers_revealed), also the
    right choices and the explanation. ``questions`` come from
    ``quiz_questions(with_answers=True)``; ``answers`` as stored on the attempt."""
    feedback = []
    for question in questions:
        chosen = {int(pk) for pk in answers.get(str(question.pk), [])}
        feedback.append(
            QuestionFeedback(
                text=question.text,
                explanation=question.explanation if reveal else "",
                choices=[
                    (choice.text, choice.pk in chosen, reveal and choice.is_correct)
                    for choice in question.choice_list
                ],
                is_right=_is_right(question, chosen),
            )
        )
    return feedback


def quiz_grade(
    *, questions: Iterable[QuizQuestion], answers: Mapping[int, Iterable[int]]
) -> tuple[int, dict]:
    """The score in percent (questions answered exactly right, rounded down) and the answers
    as stored: ``{"<question id>": [choice ids]}``, keeping only choices of that question."""
    questions = list(questions)
    stored: dict[str, list[int]] = {}
    right = 0
    for question in questions:
        valid = {choice.pk for choice in question.choice_list}
        chosen = {int(pk) for pk in answers.get(question.pk, [])} & valid
        stored[str(question.pk)] = sorted(chosen)
        right += _is_right(question, chosen)
    score = right * 100 // len(questions) if questions else 100
    return score, stored


@transaction.atomic
def quiz_submit(
    *, enrollment: Enrollment, quiz: Quiz, token: str, answers: Mapping[int, Iterable[int]]
) -> QuizAttempt:
    """Grade one submitted quiz page and record the attempt; update progress and complete the
    enrolment if this attempt passed its last step — all in one transaction.

    Locks the enrolment row, so two submissions of the same page (double click, back button,
    two tabs) are handled one after the other: the second finds the attempt its token already
    made and returns it, unchanged. Raises EnrollmentError when the enrolment is not open, the
    quiz belongs to another course, the token belongs to someone else, or no attempt is left.
    """
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    # The attempt this page's token made, if any, and the learner's attempts at this quiz.
    attempts = list(QuizAttempt.objects.filter(Q(token=token) | Q(enrollment=locked, quiz=quiz)).order_by())
    existing = next((attempt for attempt in attempts if attempt.token == token), None)
    if existing is not None:
        if existing.enrollment_id != locked.pk or existing.quiz_id != quiz.pk:
            raise EnrollmentError(
                _("This quiz page is not valid any more. Open the quiz again."), code="token"
            )
        return existing
    if not locked.is_open:
        raise EnrollmentError(_("You cannot study this course now."), code="not_open")
    if quiz.course_id != locked.course_id:
        raise EnrollmentError(_("This quiz belongs to another course."), code="wrong_course")
    made = len(attempts)
    if quiz.max_attempts is not None and made >= quiz.max_attempts:
        raise EnrollmentError(_("You have used all your attempts at this quiz."), code="no_attempts_left")

    score, stored = quiz_grade(questions=quiz_questions(quiz=quiz, with_answers=True), answers=answers)
    attempt = QuizAttempt.objects.create(
        enrollment=locked,
        quiz=quiz,
        token=token,
        number=made + 1,
        score=score,
        passed=score >= quiz.pass_mark,
        answers=stored,
    )
    progress = enrollment_progress_update(enrollment=locked)
    enrollment_complete_if_done(enrollment=locked, progress=progress)
    return attempt
