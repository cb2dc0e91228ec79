"""Writing question banks: a question (``bank_question_create``), a spreadsheet of questions
(``bank_import_check`` then ``bank_import_commit``) and the spreadsheet of a bank
(``bank_rows``, with the template's headers ``TEMPLATE_HEADERS``).

Guarantees:

- A question is written only when it is usable (``question_problems``): a single choice has
  exactly one right option, a multiple choice at least one, a true/false exactly its two options
  with one right, a fill-in-the-blank at least one accepted answer; a choice question has 2 to
  ``MAX_CHOICES`` options. Its options and knowledge points are written with it, in one
  transaction.
- The spreadsheet import works like the student import: the dry run (``bank_import_check``)
  reads the file (XLSX, or CSV in UTF-8, UTF-8 with BOM, GBK or GB18030; bounded: see
  ``read_rows``) and records every row's outcome and the questions it would add, writing nothing
  else. The commit imports exactly those questions in one transaction, and only when the dry run
  found no error: a bank is not left with half a file (correct the file and upload it again).
  A question already in the bank (same kind and text) is skipped, so importing the same file
  twice adds nothing the second time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from talentportal.spreadsheets import (
    XLSX_MAGIC,
    SpreadsheetError,
    cell_text,
    csv_rows,
    header_key,
    upload_check,
    xlsx_rows,
)

from .models import (
    BankChoice,
    BankImport,
    BankQuestion,
    Exam,
    KnowledgePoint,
    QuestionBank,
    normalize_answer,
)

Kind = BankQuestion.Kind

MAX_CHOICES = 6
OPTION_LETTERS = "ABCDEF"
CHOICE_MAX_LENGTH = BankChoice._meta.get_field("text").max_length
KNOWLEDGE_POINT_MAX_LENGTH = KnowledgePoint._meta.get_field("name").max_length

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2_000
MAX_SHEET_ROWS = 2 * MAX_ROWS
MAX_COLUMNS = 30
MAX_XLSX_UNZIPPED_BYTES = 32 * 1024 * 1024

# The template's columns, in order (the Chinese convention; the file is data, not interface).
TEMPLATE_HEADERS = [
    "题型",
    "题干",
    *(f"选项{letter}" for letter in OPTION_LETTERS),
    "答案",
    "难度",
    "知识点",
    "解析",
]
HEADERS = {
    "题型": "kind",
    "题目类型": "kind",
    "kind": "kind",
    "题干": "text",
    "题目": "text",
    "question": "text",
    **{f"选项{letter.lower()}": f"option_{letter}" for letter in OPTION_LETTERS},
    **{f"option{letter.lower()}": f"option_{letter}" for letter in OPTION_LETTERS},
    "答案": "answer",
    "正确答案": "answer",
    "参考答案": "answer",
    "answer": "answer",
    "难度": "difficulty",
    "difficulty": "difficulty",
    "知识点": "knowledge_points",
    "knowledgepoints": "knowledge_points",
    "解析": "explanation",
    "答案解析": "explanation",
    "explanation": "explanation",
}
KIND_LABELS = {
    Kind.SINGLE: "单选题",
    Kind.MULTIPLE: "多选题",
    Kind.TRUE_FALSE: "判断题",
    Kind.FILL_IN: "填空题",
    Kind.SHORT_ANSWER: "简答题",
}
KINDS = {
    **{label: kind for kind, label in KIND_LABELS.items()},
    **{label[:2]: kind for kind, label in KIND_LABELS.items()},
    **{kind.value: kind for kind in Kind},
    "single": Kind.SINGLE,
    "multiple": Kind.MULTIPLE,
    "truefalse": Kind.TRUE_FALSE,
    "fillin": Kind.FILL_IN,
    "shortanswer": Kind.SHORT_ANSWER,
}
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "t", "true", "y", "yes"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "x", "f", "false", "n", "no"}
DIFFICULTIES = {"1": 1, "2": 2, "3": 3, "易": 1, "容易": 1, "中": 2, "中等": 2, "难": 3, "困难": 3}
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")

# Why a question cannot be written (a row of a spreadsheet cannot be imported).
QUESTION_ERRORS = {
    "missing_kind": gettext_lazy("The kind is missing or not one of 单选题, 多选题, 判断题, 填空题, 简答题."),
    "missing_text": gettext_lazy("The question text is missing."),
    "bad_difficulty": gettext_lazy("The difficulty is not 1, 2 or 3."),
    "few_choices": gettext_lazy("A choice question needs at least two options."),
    "many_choices": gettext_lazy("A question has at most six options (A to F)."),
    "choice_too_long": gettext_lazy("An option is longer than 500 characters."),
    "single_one_right": gettext_lazy("A single-choice question needs exactly one right option."),
    "multiple_some_right": gettext_lazy("A multiple-choice question needs at least one right option."),
    "true_false_two": gettext_lazy("A true-or-false question has exactly two options, one of them right."),
    "no_accepted_answer": gettext_lazy("A fill-in-the-blank question needs at least one accepted answer."),
    "bad_answer": gettext_lazy("The answer does not name the options: write letters such as A or ACD."),
    "bad_true_false": gettext_lazy("The answer of a true-or-false question is 对 or 错."),
    "knowledge_point_too_long": gettext_lazy("A knowledge point is longer than 60 characters."),
    "duplicate": gettext_lazy("The same question is on an earlier row."),
}

# Row outcomes: before the commit NEW, ALREADY or ERROR; after it ADDED instead of NEW.
NEW, ALREADY, ERROR, ADDED = "new", "already", "error", "added"
OUTCOME_LABELS = {
    NEW: gettext_lazy("New question"),
    ALREADY: gettext_lazy("Already in the bank: skipped"),
    ERROR: gettext_lazy("Error"),
    ADDED: gettext_lazy("Added"),
}


class QuestionError(Exception):
    """A question that cannot be written; ``codes`` say why (keys of QUESTION_ERRORS)."""

    def __init__(self, codes: Sequence[str]):
        self.codes = list(codes)
        super().__init__(self.messages)

    @property
    def messages(self) -> list[str]:
        return [str(QUESTION_ERRORS[code]) for code in self.codes]


class ImportFileError(SpreadsheetError):
    """The file as a whole cannot be imported; ``message`` says why, for the editor."""


# --- one question --------------------------------------------------------------------------------


def question_problems(
    *,
    kind: str,
    text: str,
    difficulty: int | None,
    choices: Sequence[tuple[str, bool]] = (),
    accepted_answers: Sequence[str] = (),
    knowledge_points: Sequence[str] = (),
) -> list[str]:
    """The codes (keys of QUESTION_ERRORS) of what makes this question unusable; [] if none."""
    codes = []
    if kind not in Kind.values:
        codes.append("missing_kind")
    if not (text or "").strip():
        codes.append("missing_text")
    if difficulty not in (1, 2, 3):
        codes.append("bad_difficulty")
    if any(len(name) > KNOWLEDGE_POINT_MAX_LENGTH for name in knowledge_points):
        codes.append("knowledge_point_too_long")
    right = sum(1 for _text, is_correct in choices if is_correct)
    if kind in BankQuestion.CHOICE_KINDS:
        if any(len(choice_text) > CHOICE_MAX_LENGTH for choice_text, _right in choices):
            codes.append("choice_too_long")
        if kind == Kind.TRUE_FALSE:
            if len(choices) != 2 or right != 1:
                codes.append("true_false_two")
        elif len(choices) < 2:
            codes.append("few_choices")
        elif len(choices) > MAX_CHOICES:
            codes.append("many_choices")
        if kind == Kind.SINGLE and right != 1:
            codes.append("single_one_right")
        if kind == Kind.MULTIPLE and right < 1:
            codes.append("multiple_some_right")
    if kind == Kind.FILL_IN and not any(answer.strip() for answer in accepted_answers):
        codes.append("no_accepted_answer")
    return codes


def true_false_choices(answer: bool) -> list[tuple[str, bool]]:
    """The two options of a true-or-false question, in the language of the request."""
    return [(_("True"), answer), (_("False"), not answer)]


def _knowledge_points(bank: QuestionBank, names: Iterable[str], cache: dict[str, KnowledgePoint]):
    points = []
    for name in dict.fromkeys(name.strip() for name in names if name.strip()):
        if name not in cache:
            cache[name] = KnowledgePoint.objects.get_or_create(bank=bank, name=name)[0]
        points.append(cache[name])
    return points


def _question_write(bank: QuestionBank, spec: dict, *, order: int, cache: dict) -> BankQuestion:
    kind = spec["kind"]
    question = BankQuestion.objects.create(
        bank=bank,
        kind=kind,
        text=spec["text"].strip(),
        difficulty=spec["difficulty"],
        explanation=spec.get("explanation", "").strip(),
        accepted_answers="\n".join(a.strip() for a in spec.get("accepted_answers", ()) if a.strip())
        if kind == Kind.FILL_IN
        else "",
        rubric=spec.get("rubric", "").strip() if kind == Kind.SHORT_ANSWER else "",
        order=order,
    )
    if kind in BankQuestion.CHOICE_KINDS:
        BankChoice.objects.bulk_create(
            BankChoice(question=question, text=text.strip(), is_correct=is_correct, order=number)
            for number, (text, is_correct) in enumerate(spec["choices"], start=1)
        )
    points = _knowledge_points(bank, spec.get("knowledge_points", ()), cache)
    if points:
        question.knowledge_points.set(points)
    return question


def _next_order(bank: QuestionBank) -> int:
    last = bank.questions.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def bank_question_create(
    *,
    bank: QuestionBank,
    kind: str,
    text: str,
    difficulty: int = 2,
    knowledge_points: Sequence[str] = (),
    explanation: str = "",
    choices: Sequence[tuple[str, bool]] = (),
    accepted_answers: Sequence[str] = (),
    rubric: str = "",
) -> BankQuestion:
    """Add a question at the end of ``bank``, with its options (choice kinds) and knowledge points
    (created in the bank when new), in one transaction. Raises QuestionError, writing nothing,
    when ``question_problems`` finds anything. Options are ignored for the kinds without them;
    accepted answers only count for a fill-in-the-blank, the rubric only for a short answer."""
    choices = [(str(choice_text).strip(), bool(right)) for choice_text, right in choices]
    codes = question_problems(
        kind=kind,
        text=text,
        difficulty=difficulty,
        choices=choices,
        accepted_answers=accepted_answers,
        knowledge_points=knowledge_points,
    )
    if codes:
        raise QuestionError(codes)
    spec = {
        "kind": kind,
        "text": text,
        "difficulty": difficulty,
        "knowledge_points": list(knowledge_points),
        "explanation": explanation,
        "choices": choices,
        "accepted_answers": list(accepted_answers),
        "rubric": rubric,
    }
    with transaction.atomic():
        return _question_write(bank, spec, order=_next_order(bank), cache={})


# --- reading a spreadsheet -----------------------------------------------------------------------


def _table(data: bytes) -> Iterator[Sequence]:
    if data[:4] != XLSX_MAGIC:
        return csv_rows(data)
    return xlsx_rows(
        data,
        max_rows=MAX_SHEET_ROWS,
        max_columns=MAX_COLUMNS,
        max_unzipped=MAX_XLSX_UNZIPPED_BYTES,
        too_many_rows=_(
            "The spreadsheet has more than %(rows)d rows, counting empty ones: delete the "
            "empty rows below the questions and upload it again."
        )
        % {"rows": MAX_SHEET_ROWS},
    )


def read_rows(data: bytes, filename: str = "") -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV or XLSX file as (line number, {field: text}), blank rows skipped.

    Raises ImportFileError for a file larger than MAX_FILE_BYTES, an old .xls, an unreadable
    file, one without the 题型 and 题干 columns or with more than MAX_ROWS questions. Reading is
    bounded whatever the file holds: an XLSX by MAX_XLSX_UNZIPPED_BYTES unpacked, MAX_SHEET_ROWS
    rows (empty ones included) and MAX_COLUMNS columns, read in openpyxl's read-only mode.
    """
    try:
        upload_check(data, filename, max_bytes=MAX_FILE_BYTES)
        return _read_rows(_table(data))
    except ImportFileError:
        raise
    except SpreadsheetError as error:
        raise ImportFileError(error.message) from error


def _read_rows(table: Iterator[Sequence]) -> list[tuple[int, dict[str, str]]]:
    columns: dict[int, str] = {}
    rows = enumerate(table, start=1)
    for _number, header in rows:
        if any(cell_text(text) for text in header):
            columns = {
                i: HEADERS[header_key(text)] for i, text in enumerate(header) if header_key(text) in HEADERS
            }
            break
    if not {"kind", "text"} <= set(columns.values()):
        raise ImportFileError(
            _(
                "The first row must name the columns as the template does: 题型, 题干, 选项A to 选项F, "
                "答案, 难度, 知识点, 解析."
            )
        )
    found = []
    for number, row in rows:
        values = {name: cell_text(row[i]) for i, name in columns.items() if i < len(row)}
        if not any(values.values()):
            continue
        found.append((number, values))
        if len(found) > MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(rows)d questions: split it into several files.")
                % {"rows": MAX_ROWS}
            )
    return found


def _split(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def parse_row(values: dict[str, str]) -> tuple[dict, list[str]]:
    """A row of the template as a question (the shape ``bank_question_create`` takes) and the
    codes of its problems."""
    kind = KINDS.get(header_key(values.get("kind", "")), "")
    codes: list[str] = []
    difficulty_text = unicodedata.normalize("NFKC", values.get("difficulty", "")).strip()
    difficulty = DIFFICULTIES.get(difficulty_text) if difficulty_text else 2
    answer = values.get("answer", "")
    spec: dict[str, Any] = {
        "kind": kind,
        "text": values.get("text", ""),
        "difficulty": difficulty,
        "knowledge_points": _split(values.get("knowledge_points", "")),
        "explanation": values.get("explanation", ""),
        "choices": [],
        "accepted_answers": [],
        "rubric": "",
    }
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        options = [(letter, values.get(f"option_{letter}", "")) for letter in OPTION_LETTERS]
        while options and not options[-1][1]:
            options.pop()
        letters = set(re.sub(r"[\s,，、;；]", "", unicodedata.normalize("NFKC", answer)).upper())
        given = {letter for letter, text in options if text}
        if not letters or not letters <= given:
            codes.append("bad_answer")
        spec["choices"] = [(text, letter in letters) for letter, text in options if text]
    elif kind == Kind.TRUE_FALSE:
        word = normalize_answer(answer)
        if word in TRUE_WORDS or word in FALSE_WORDS:
            spec["choices"] = true_false_choices(word in TRUE_WORDS)
        else:
            codes.append("bad_true_false")
    elif kind == Kind.FILL_IN:
        spec["accepted_answers"] = [line.strip() for line in re.split(r"[\n|｜]", answer) if line.strip()]
    elif kind == Kind.SHORT_ANSWER:
        spec["rubric"] = answer
    codes += [
        code
        for code in question_problems(
            kind=kind,
            text=spec["text"],
            difficulty=difficulty,
            choices=spec["choices"],
            accepted_answers=spec["accepted_answers"],
            knowledge_points=spec["knowledge_points"],
        )
        # A true/false whose answer is not 对 or 错 is said once.
        if not (code == "true_false_two" and "bad_true_false" in codes)
    ]
    return spec, codes


def _question_key(kind: str, text: str) -> tuple[str, str]:
    return kind, " ".join(text.split())


def check_rows(
    *, bank: QuestionBank, table: list[tuple[int, dict[str, str]]]
) -> tuple[list[dict], list[dict]]:
    """The dry run of ``table`` for ``bank``: (row results, questions to add). Reads the bank's
    questions once."""
    existing = {_question_key(kind, text) for kind, text in bank.questions.values_list("kind", "text")}
    seen: set[tuple[str, str]] = set()
    results, questions = [], []
    for line, values in table:
        spec, codes = parse_row(values)
        key = _question_key(spec["kind"], spec["text"])
        if not codes and key in seen:
            codes.append("duplicate")
        if codes:
            outcome = ERROR
        elif key in existing:
            outcome = ALREADY
        else:
            outcome = NEW
            seen.add(key)
            questions.append({**spec, "line": line})
        results.append({"line": line, "text": spec["text"][:200], "outcome": outcome, "codes": codes})
    return results, questions


def bank_import_check(*, bank: QuestionBank, data: bytes, filename: str, by: User | None) -> BankImport:
    """The dry run: reads the file and records a BankImport with every row's outcome and the
    questions it would add. Writes nothing else. Raises ImportFileError for a file that cannot
    be read (nothing is recorded)."""
    results, questions = check_rows(bank=bank, table=read_rows(data, filename))
    return BankImport.objects.create(
        bank=bank,
        created_by=by,
        original_name=filename[:255],
        results=results,
        questions=questions,
        error_count=sum(1 for result in results if result["outcome"] == ERROR),
    )


def bank_import_commit(*, import_id: int) -> BankImport:
    """Add the questions of a checked import without errors to its bank, in one transaction
    (the import row locked: a double click imports once). A question added to the bank since the
    dry run (same kind and text) is skipped. Returns the import; one that cannot be committed
    (errors, nothing to add, already imported) is returned unchanged."""
    with transaction.atomic():
        job = BankImport.objects.select_for_update(of=("self",)).select_related("bank").get(pk=import_id)
        if not job.can_commit:
            return job
        bank = job.bank
        existing = {_question_key(kind, text) for kind, text in bank.questions.values_list("kind", "text")}
        added_lines, cache, order = set(), {}, _next_order(bank)
        for spec in job.questions:
            spec = {**spec, "choices": [tuple(choice) for choice in spec["choices"]]}
            key = _question_key(spec["kind"], spec["text"])
            if key in existing:
                continue
            existing.add(key)
            _question_write(bank, spec, order=order, cache=cache)
            order += 1
            added_lines.add(spec["line"])
        for result in job.results:
            if result["line"] in added_lines:
                result["outcome"] = ADDED
            elif result["outcome"] == NEW:
                result["outcome"] = ALREADY
        job.imported_count = len(added_lines)
        job.status = BankImport.Status.DONE
        job.save(update_fields=["results", "imported_count", "status"])
        QuestionBank.objects.filter(pk=bank.pk).update(updated_at=timezone.now())
    return job


def import_result_rows(job: BankImport) -> list[dict]:
    """The import's row results with their labels, for the report page."""
    return [
        {
            **result,
            "outcome_label": OUTCOME_LABELS[result["outcome"]],
            "details": [QUESTION_ERRORS[code] for code in result["codes"]],
        }
        for result in job.results
    ]


# --- writing the spreadsheet ---------------------------------------------------------------------


def question_row(question: BankQuestion) -> list[str | int]:
    """A question as a row of the template (its options and knowledge points prefetched)."""
    options = [""] * MAX_CHOICES
    answer = ""
    choices = list(question.choices.all())
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        for number, choice in enumerate(choices[:MAX_CHOICES]):
            options[number] = choice.text
        answer = "".join(
            OPTION_LETTERS[n] for n, choice in enumerate(choices[:MAX_CHOICES]) if choice.is_correct
        )
    elif question.kind == Kind.TRUE_FALSE:
        answer = "对" if choices and choices[0].is_correct else "错"
    elif question.kind == Kind.FILL_IN:
        answer = "\n".join(question.answer_list())
    else:
        answer = question.rubric
    return [
        KIND_LABELS[question.kind],
        question.text,
        *options,
        answer,
        question.difficulty,
        "、".join(point.name for point in question.knowledge_points.all()),
        question.explanation,
    ]


def bank_rows(bank: QuestionBank) -> Iterator[list[str | int]]:
    """The bank's questions as rows of the template, in their order (three queries)."""
    questions = bank.questions.prefetch_related("choices", "knowledge_points").order_by("order", "pk")
    for question in questions:
        yield question_row(question)


def exam_next_position(*, course_id: int) -> int:
    """The outline place after the course's last exam: a new exam comes last, whatever order an
    editor gave the others in the studio."""
    return (Exam.objects.filter(course_id=course_id).aggregate(last=Max("position"))["last"] or 0) + 1
