"""A question bank as a document (a dict that serialises to JSON), so that banks travel with
their course: ``bank_export`` writes it, ``bank_import`` reads it into a new bank.

Not wired into ``courses``' export_course/import_course yet: courses lies below exams in the
layers and may not import it; the course export commands will call these from a layer above.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from courses.models import Course, Track

from .models import BankQuestion, QuestionBank
from .services import QuestionError, bank_question_create

FORMAT = "talentportal.question_bank"
VERSION = 1


class BankDocumentError(Exception):
    """The document is not a question bank this version reads."""


def question_document(question: BankQuestion) -> dict:
    """One question of the document (its options and knowledge points prefetched)."""
    return {
        "kind": question.kind,
        "text": question.text,
        "difficulty": question.difficulty,
        "knowledge_points": [point.name for point in question.knowledge_points.all()],
        "explanation": question.explanation,
        "choices": [[choice.text, choice.is_correct] for choice in question.choices.all()],
        "accepted_answers": question.answer_list(),
        "rubric": question.rubric,
    }


def bank_export(bank: QuestionBank) -> dict:
    """The bank as a document: its title and its questions in order (three queries)."""
    questions = bank.questions.prefetch_related("choices", "knowledge_points").order_by("order", "pk")
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": bank.title,
        "questions": [question_document(question) for question in questions],
    }


def bank_import(
    document: dict, *, course: Course | None = None, track: Track | None = None, by: User | None = None
) -> QuestionBank:
    """A new bank of ``course`` (or ``track``) from a document of ``bank_export``, in one
    transaction: every question passes ``bank_question_create``'s rules or nothing is written
    (QuestionError, its ``line`` the question's number from 1). Raises BankDocumentError for a
    document of another format or version."""
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or document.get("version") != VERSION
    ):
        raise BankDocumentError(f"not a question bank document of version {VERSION}")
    with transaction.atomic():
        bank = QuestionBank.objects.create(
            title=document.get("title", ""), course=course, track=track, created_by=by
        )
        for number, question in enumerate(document.get("questions", []), start=1):
            try:
                bank_question_create(
                    bank=bank,
                    kind=question.get("kind", ""),
                    text=question.get("text", ""),
                    difficulty=question.get("difficulty"),
                    knowledge_points=question.get("knowledge_points", []),
                    explanation=question.get("explanation", ""),
                    choices=[tuple(choice) for choice in question.get("choices", [])],
                    accepted_answers=question.get("accepted_answers", []),
                    rubric=question.get("rubric", ""),
                )
            except QuestionError as error:
                error.line = number
                raise
    return bank
