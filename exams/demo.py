"""Demo exams for ``manage.py seed_demo``: a question bank and a published final exam for demo
courses, and a first attempt for the demo learner.

The content lives in ``exams/demo/<course slug>.json``: the banks and exams of a course document
(``exams.portability``: ``question_banks``, ``exams``), the course's final exam settings
(``requires_final_exam``, ``certificate_shows_exam_band``) and, optionally, ``sample_answers``:
what the demo learner writes for a short answer, by the question's text. Everything is written
through ``exams.portability.course_exams_import`` and ``exams.papers.exam_publish``; the demo
attempt through ``exams.attempts``.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction

from courses.models import Course
from courses.services import course_lessons_changed
from enrollment.models import Enrollment

from .attempts import attempt_answers_save, attempt_start, attempt_submit
from .models import BankQuestion, Exam, ExamAttempt
from .papers import exam_publish
from .portability import BANKS, EXAMS, course_exams_import, exams_document_problems

DEMO_DIR = Path(__file__).parent / "demo"
FLAGS = ("requires_final_exam", "certificate_shows_exam_band")


class DemoFileError(ValueError):
    """A demo file that cannot be loaded: ``problems`` lists each one with its file name."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _problems(name: str, document: Any) -> list[str]:
    if not isinstance(document, dict):
        return [f"{name}: must be an object"]
    problems = [f"{name}: {problem}" for problem in exams_document_problems(document)]
    if document.get("course") != Path(name).stem:
        problems.append(f"{name}: course: must be {Path(name).stem!r}, the file's name")
    problems += [
        f"{name}: {flag}: must be true or false" for flag in FLAGS if not isinstance(document.get(flag), bool)
    ]
    answers = document.get("sample_answers", {})
    if not isinstance(answers, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in answers.items()
    ):
        problems.append(f"{name}: sample_answers: must map a question's text to an answer")
    elif not problems:
        short_answers = {
            question["text"]
            for bank in document.get(BANKS, [])
            for question in bank["questions"]
            if question["kind"] == BankQuestion.Kind.SHORT_ANSWER
        }
        problems += [
            f"{name}: sample_answers: {text!r} is no short answer of the file's banks"
            for text in answers
            if text not in short_answers
        ]
    if not any(isinstance(exam, dict) and exam.get("is_final") is True for exam in document.get(EXAMS) or []):
        problems.append(f"{name}: {EXAMS}: needs the course's final exam")
    return problems


def demo_documents(directory: Path | None = None) -> list[dict[str, Any]]:
    """The demo files (``DEMO_DIR`` unless told) by name, every one checked before anything is
    written: DemoFileError lists all problems."""
    documents, problems = [], []
    for path in sorted((directory or DEMO_DIR).glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{path.name}: not UTF-8 JSON ({error})")
            continue
        found = _problems(path.name, document)
        problems += found
        if not found:
            documents.append(document)
    if problems:
        raise DemoFileError(problems)
    return documents


def _final(course: Course) -> Exam | None:
    return Exam.objects.filter(course=course, is_final=True).first()


@transaction.atomic
def seed_demo_exams(*, stdout: TextIO | None = None) -> dict[str, Exam]:
    """For every demo file whose course has no final exam yet: its banks and exams, the exams
    published, the course's final exam settings. Returns the final exam of every demo course
    (new or already there), by course slug. Idempotent: a course that has a final exam is left
    alone; so is a demo course that does not exist (nothing to attach the exams to)."""
    finals, created = {}, []
    for document in demo_documents():
        course = Course.objects.filter(slug=document["course"]).first()
        if course is None:
            continue
        final = _final(course)
        if final is None:
            _banks, exams = course_exams_import(document=document, course=course)
            for exam in exams:
                exam_publish(exam=exam)
            Course.objects.filter(pk=course.pk).update(**{flag: document[flag] for flag in FLAGS})
            # Requiring the final exam takes the final quiz out of the course's steps.
            course_lessons_changed(course_ids=[course.pk])
            final = _final(course)
            created.append(final.title)
        finals[course.slug] = final
    if stdout is not None:
        stdout.write(f"Exams published: {len(created)} new, {len(finals) - len(created)} already there")
    return finals


def sample_answers(course: Course) -> dict[str, str]:
    """The demo learner's answers to the short answers of ``course``'s demo file, by question
    text ({} without one)."""
    for document in demo_documents():
        if document["course"] == course.slug:
            return document.get("sample_answers", {})
    return {}


def demo_attempt_sit(*, exam: Exam, enrollment: Enrollment, started_at: datetime) -> ExamAttempt | None:
    """The learner's first attempt at ``exam``, started at ``started_at`` and submitted 18
    minutes later: every fourth choice question answered with a wrong option, the others and
    the fill-in-the-blanks right, the short answers from ``sample_answers`` (so they await
    marking). Nothing if the learner has an attempt at the exam already (idempotent). Raises
    AttemptError if the exam is not open to them at ``started_at``."""
    if ExamAttempt.objects.filter(exam=exam, enrollment=enrollment).exists():
        return None
    rng = random.Random(15)  # noqa: S311 - the same demo paper every time, not a secret
    attempt = attempt_start(exam=exam, enrollment=enrollment, now=started_at, rng=rng, device="seed_demo")
    written = sample_answers(exam.course)
    answers: dict[int, object] = {}
    for number, row in enumerate(attempt.paper.select_related("question").order_by("position")):
        kind = row.question.kind
        if kind in BankQuestion.CHOICE_KINDS:
            wrong = [option for option in row.choice_order if option not in row.key]
            answers[row.position] = [wrong[0]] if number % 4 == 3 and wrong else list(row.key)
        elif kind == BankQuestion.Kind.FILL_IN:
            answers[row.position] = row.key[0]
        else:
            answers[row.position] = written.get(row.question.text, "")
    attempt_answers_save(
        attempt_id=attempt.pk, answers=answers, now=started_at + timedelta(minutes=12), device="seed_demo"
    )
    return attempt_submit(attempt_id=attempt.pk, now=started_at + timedelta(minutes=18), device="seed_demo")
