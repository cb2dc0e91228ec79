"""Question banks and exams as documents (dicts that serialise to JSON), so that they travel
with their course.

- ``bank_export``/``bank_import``: one question bank.
- ``course_exams_export``/``course_exams_import``: the part of a course document (see
  ``courses.portability``) that holds the course's question banks (``question_banks``: bank
  documents) and its exams with their blueprint rules (``exams``). A rule names its bank by its
  index in ``question_banks`` and its knowledge point by name. The project's
  ``export_course``/``import_course`` commands join both halves; ``exams.demo`` reads the same
  format. A course document without these keys is simply a course without exams.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q

from accounts.models import User
from courses.models import Course, Track
from courses.portability import document_position

from .models import BankQuestion, BlueprintRule, Exam, KnowledgePoint, QuestionBank
from .services import (
    QUESTION_ERRORS,
    QuestionError,
    bank_question_create,
    exam_next_position,
    question_problems,
)

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


# --- the banks and exams of a course -------------------------------------------------------------

BANKS, EXAMS = "question_banks", "exams"
TITLE_MAX_LENGTH = 200
SMALL_MAX = 32767  # PositiveSmallIntegerField


class ExamsDocumentError(ValueError):
    """The banks or exams of a course document are not valid: ``problems`` lists each one with
    its JSON path (``question_banks[0].questions[3].kind: …``)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _rule_document(rule: BlueprintRule, banks: dict[int, int]) -> dict:
    return {
        "bank": banks[rule.bank_id],
        "kind": rule.kind,
        "difficulty_min": rule.difficulty_min,
        "difficulty_max": rule.difficulty_max,
        "knowledge_point": rule.knowledge_point.name if rule.knowledge_point_id else None,
        "count": rule.count,
        "points": rule.points,
    }


def exam_document(exam: Exam, banks: dict[int, int]) -> dict:
    """One exam of the document (its rules prefetched with their knowledge points); ``banks``
    maps a bank id to its index in the document. Dates do not travel: an imported exam is a
    draft, its window set where it is used."""
    return {
        "title": exam.title,
        "pass_mark_percent": exam.pass_mark_percent,
        "time_limit_minutes": exam.time_limit_minutes,
        "max_attempts": exam.max_attempts,
        "cool_off_minutes": exam.cool_off_minutes,
        "score_policy": exam.score_policy,
        "release": exam.release,
        "is_final": exam.is_final,
        "rules": [_rule_document(rule, banks) for rule in exam.rules.all()],
    }


def course_exams_export(*, course: Course) -> dict:
    """``{"question_banks": […], "exams": […]}`` of ``course``: its banks, and the track's banks
    its exams draw from (they travel as banks of the course), by title; its exams in outline
    order (as the studio's outline shows them: by position, the final exam first on a tie, then
    by title) with their places 1, 2, … and their rules in order. Three queries per bank plus three."""
    banks = list(
        QuestionBank.objects.filter(
            Q(course=course) | Q(pk__in=BlueprintRule.objects.filter(exam__course=course).values("bank_id"))
        ).order_by("title", "pk")
    )
    index = {bank.pk: number for number, bank in enumerate(banks)}
    exams = Exam.objects.filter(course=course).prefetch_related(
        Prefetch(
            "rules", queryset=BlueprintRule.objects.select_related("knowledge_point").order_by("order", "pk")
        )
    )
    return {
        BANKS: [bank_export(bank) for bank in banks],
        EXAMS: [
            {**exam_document(exam, index), "position": place}
            for place, exam in enumerate(exams.order_by("position", "-is_final", "title", "pk"), start=1)
        ],
    }


class _Check:
    """Collects the problems of a document, each with its path."""

    def __init__(self):
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def object(self, value: Any, path: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.add(path, "must be an object")
        return None

    def list(self, parent: dict, key: str, path: str) -> list:
        value = parent.get(key, [])
        if isinstance(value, list):
            return value
        self.add(f"{path}.{key}" if path else key, "must be a list")
        return []

    def text(self, parent: dict, key: str, path: str, *, required: bool = True, max_length: int = 0) -> bool:
        value = parent.get(key, None if required else "")
        if not isinstance(value, str):
            self.add(f"{path}.{key}", "missing" if key not in parent else "must be a string")
            return False
        if required and not value.strip():
            self.add(f"{path}.{key}", "must not be empty")
            return False
        if max_length and len(value) > max_length:
            self.add(f"{path}.{key}", f"longer than {max_length} characters")
            return False
        return True

    def integer(
        self, parent: dict, key: str, path: str, *, low: int, high: int, null: bool = False, default=None
    ) -> bool:
        value = parent.get(key, default)
        if value is None and null:
            return True
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(f"{path}.{key}", "missing" if key not in parent else "must be a whole number")
            return False
        if not low <= value <= high:
            self.add(f"{path}.{key}", f"must be between {low} and {high}")
            return False
        return True

    def strings(self, parent: dict, key: str, path: str) -> bool:
        value = parent.get(key, [])
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return True
        self.add(f"{path}.{key}", "must be a list of strings")
        return False

    def choice(self, parent: dict, key: str, path: str, allowed, *, default: str) -> None:
        if parent.get(key, default) not in allowed:
            self.add(f"{path}.{key}", f"must be one of {', '.join(sorted(allowed))}")


def _check_question(check: _Check, question: Any, path: str) -> set[str]:
    """The question's problems; returns its knowledge points' names."""
    question = check.object(question, path)
    if question is None:
        return set()
    fine = question.get("kind") in BankQuestion.Kind.values
    if not fine:
        check.add(f"{path}.kind", f"must be one of {', '.join(sorted(BankQuestion.Kind.values))}")
    fine &= check.text(question, "text", path)
    fine &= check.integer(question, "difficulty", path, low=1, high=3)
    points_fine = check.strings(question, "knowledge_points", path)
    fine &= points_fine
    fine &= check.text(question, "explanation", path, required=False)
    fine &= check.text(question, "rubric", path, required=False)
    fine &= check.strings(question, "accepted_answers", path)
    choices = question.get("choices", [])
    if not isinstance(choices, list) or not all(
        isinstance(choice, list)
        and len(choice) == 2
        and isinstance(choice[0], str)
        and isinstance(choice[1], bool)
        for choice in choices
    ):
        check.add(f"{path}.choices", 'must be a list of ["option", true or false] pairs')
        fine = False
    if fine:
        for code in question_problems(
            kind=question["kind"],
            text=question["text"],
            difficulty=question["difficulty"],
            choices=[(text.strip(), right) for text, right in choices],
            accepted_answers=question.get("accepted_answers", []),
            knowledge_points=question.get("knowledge_points", []),
        ):
            check.add(path, str(QUESTION_ERRORS[code]))
    if not points_fine:
        return set()
    return {name.strip() for name in question.get("knowledge_points", []) if name.strip()}


def _check_bank(check: _Check, bank: Any, path: str) -> set[str] | None:
    """The bank's problems; returns its knowledge points' names (None: not a bank)."""
    bank = check.object(bank, path)
    if bank is None:
        return None
    if bank.get("format") != FORMAT or bank.get("version") != VERSION:
        check.add(path, f"must be a question bank document ({FORMAT}, version {VERSION})")
        return None
    check.text(bank, "title", path, max_length=TITLE_MAX_LENGTH)
    names: set[str] = set()
    for number, question in enumerate(check.list(bank, "questions", path)):
        names |= _check_question(check, question, f"{path}.questions[{number}]")
    return names


def _check_rule(check: _Check, rule: Any, path: str, banks: list[set[str] | None]) -> None:
    rule = check.object(rule, path)
    if rule is None:
        return
    bank = rule.get("bank")
    if not isinstance(bank, int) or isinstance(bank, bool) or not 0 <= bank < len(banks):
        check.add(f"{path}.bank", f"must be the index of a bank in {BANKS} (0 to {len(banks) - 1})")
        bank = None
    check.choice(rule, "kind", path, set(BankQuestion.Kind.values), default="")
    low = check.integer(rule, "difficulty_min", path, low=1, high=3, default=1)
    high = check.integer(rule, "difficulty_max", path, low=1, high=3, default=3)
    if low and high and rule.get("difficulty_min", 1) > rule.get("difficulty_max", 3):
        check.add(f"{path}.difficulty_min", "must not be above difficulty_max")
    check.integer(rule, "count", path, low=1, high=SMALL_MAX)
    check.integer(rule, "points", path, low=1, high=SMALL_MAX)
    point = rule.get("knowledge_point")
    if point is not None:
        if not isinstance(point, str) or not point.strip():
            check.add(f"{path}.knowledge_point", "must be a name or null")
        elif bank is not None and banks[bank] is not None and point.strip() not in banks[bank]:
            check.add(
                f"{path}.knowledge_point", f"no question of bank {bank} has the knowledge point {point!r}"
            )


def _check_exam(check: _Check, exam: Any, path: str, banks: list[set[str] | None]) -> bool:
    """The exam's problems; returns whether it is the final exam."""
    exam = check.object(exam, path)
    if exam is None:
        return False
    check.text(exam, "title", path, max_length=TITLE_MAX_LENGTH)
    check.integer(exam, "pass_mark_percent", path, low=0, high=100)
    check.integer(exam, "time_limit_minutes", path, low=1, high=100_000, null=True)
    check.integer(exam, "max_attempts", path, low=1, high=SMALL_MAX, null=True)
    check.integer(exam, "cool_off_minutes", path, low=0, high=100_000, default=0)
    check.choice(exam, "score_policy", path, set(Exam.ScorePolicy.values), default=Exam.ScorePolicy.BEST)
    check.choice(exam, "release", path, set(Exam.Release.values), default=Exam.Release.IMMEDIATELY)
    if not isinstance(exam.get("is_final", False), bool):
        check.add(f"{path}.is_final", "must be true or false")
    for number, rule in enumerate(check.list(exam, "rules", path)):
        _check_rule(check, rule, f"{path}.rules[{number}]", banks)
    return exam.get("is_final") is True


def exams_document_problems(document: Any) -> list[str]:
    """Every problem of the banks and exams of a course document (empty when they can be
    imported, or when the document has none)."""
    check = _Check()
    if not isinstance(document, dict):
        return ["$: must be an object"]
    banks = [
        _check_bank(check, bank, f"{BANKS}[{number}]")
        for number, bank in enumerate(check.list(document, BANKS, ""))
    ]
    finals = [
        number
        for number, exam in enumerate(check.list(document, EXAMS, ""))
        if _check_exam(check, exam, f"{EXAMS}[{number}]", banks)
    ]
    if len(finals) > 1:
        check.add(EXAMS, f"only one exam can be the final exam (exams {', '.join(map(str, finals))} are)")
    return check.problems


def course_exams_import(
    *, document: dict, course: Course, by: User | None = None
) -> tuple[list[QuestionBank], list[Exam]]:
    """The banks and exams of a course document, created for ``course``: every bank a bank of
    the course, every exam a draft (publish it with ``exams.papers.exam_publish``), its rules
    pointing to the new banks and their knowledge points.

    The document is checked first (``exams_document_problems``): on any problem
    ExamsDocumentError lists them all and nothing is written. Then everything is written in
    one transaction: called inside the transaction that created the course, a failure leaves
    no course half-imported either. A fixed number of queries per question, rule and exam."""
    problems = exams_document_problems(document)
    if problems:
        raise ExamsDocumentError(problems)
    with transaction.atomic():
        banks = [bank_import(bank, course=course, by=by) for bank in document.get(BANKS, [])]
        points = {
            (point.bank_id, point.name): point for point in KnowledgePoint.objects.filter(bank__in=banks)
        }
        exams = []
        base = exam_next_position(course_id=course.pk) - 1  # the document's places come after
        for data in document.get(EXAMS, []):
            position = document_position(data.get("position"))
            exam = Exam.objects.create(
                course=course,
                title=data["title"].strip(),
                status=Exam.Status.DRAFT,
                pass_mark_percent=data["pass_mark_percent"],
                time_limit_minutes=data.get("time_limit_minutes"),
                max_attempts=data.get("max_attempts"),
                cool_off_minutes=data.get("cool_off_minutes", 0),
                score_policy=data.get("score_policy", Exam.ScorePolicy.BEST),
                release=data.get("release", Exam.Release.IMMEDIATELY),
                is_final=data.get("is_final", False),
                created_by=by,
                position=base + position if position else exam_next_position(course_id=course.pk),
            )
            BlueprintRule.objects.bulk_create(
                BlueprintRule(
                    exam=exam,
                    order=order,
                    bank=banks[rule["bank"]],
                    kind=rule["kind"],
                    difficulty_min=rule.get("difficulty_min", 1),
                    difficulty_max=rule.get("difficulty_max", 3),
                    knowledge_point=points[(banks[rule["bank"]].pk, rule["knowledge_point"].strip())]
                    if rule.get("knowledge_point")
                    else None,
                    count=rule["count"],
                    points=rule["points"],
                )
                for order, rule in enumerate(data.get("rules", []))
            )
            exams.append(exam)
    return banks, exams
