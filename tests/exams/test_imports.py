"""The spreadsheet import of a bank (dry run, then commit) and the export to the template."""

from __future__ import annotations

import pytest

from exams import services
from exams.models import BankImport, BankQuestion, QuestionBank
from exams.portability import BankDocumentError, bank_export, bank_import
from exams.services import ImportFileError, bank_import_check, bank_import_commit, bank_rows, read_rows
from talentportal.spreadsheets import xlsx_bytes

from .conftest import GOOD_CSV, HEADER

Kind = BankQuestion.Kind


def _import(bank, data: bytes, filename: str = "questions.csv") -> BankImport:
    job = bank_import_check(bank=bank, data=data, filename=filename, by=None)
    return bank_import_commit(import_id=job.pk)


def _questions(bank) -> list[dict]:
    return bank_export(bank)["questions"]


@pytest.mark.parametrize(
    "data",
    [
        GOOD_CSV.encode("utf-8"),
        GOOD_CSV.encode("utf-8-sig"),
        GOOD_CSV.replace("800×800", "800x800").replace("\nＥＣ", "\nEC").encode("gbk"),
        GOOD_CSV.encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030"],
)
def test_a_csv_of_every_kind_is_imported_in_every_chinese_encoding(course_bank, data):
    job = _import(course_bank, data)
    assert job.status == BankImport.Status.DONE
    assert job.imported_count == 5
    questions = {q["kind"]: q for q in _questions(course_bank)}
    assert set(questions) == set(Kind.values)
    assert [c[1] for c in questions[Kind.SINGLE]["choices"]] == [True, False, False]
    assert [c[1] for c in questions[Kind.MULTIPLE]["choices"]] == [True, True, False, True]
    assert sorted(questions[Kind.MULTIPLE]["knowledge_points"]) == sorted(["客服", "沟通"])
    assert questions[Kind.MULTIPLE]["difficulty"] == 3
    assert [c[1] for c in questions[Kind.TRUE_FALSE]["choices"]] == [False, True]
    assert len(questions[Kind.FILL_IN]["accepted_answers"]) == 2
    assert questions[Kind.SHORT_ANSWER]["rubric"] == "讲清卖点、互动、促单各得2分"
    fill_in = course_bank.questions.get(kind=Kind.FILL_IN)
    assert fill_in.accepts("ec") and fill_in.accepts("e-commerce")


def test_an_xlsx_made_from_the_template_is_imported(course_bank):
    rows = [
        ["单选题", "主图尺寸？", "800×800", "100×100", "", "", "", "", "Ａ", 1, "商品上架", ""],
        ["判断题", "包邮商品不能设置运费模板。", "", "", "", "", "", "", "对", 2, "", ""],
    ]
    job = _import(course_bank, xlsx_bytes(services.TEMPLATE_HEADERS, rows), "questions.xlsx")
    assert job.imported_count == 2
    single = course_bank.questions.get(kind=Kind.SINGLE)
    assert single.choices.get(is_correct=True).text == "800×800"


def test_a_file_with_a_bad_row_reports_its_line_and_writes_nothing(course_bank):
    bad = GOOD_CSV + "单选题,两个答案？,甲,乙,,,AB,2,,\n" + "判断题,没有答案,,,,,,2,,\n"
    job = bank_import_check(bank=course_bank, data=bad.encode(), filename="questions.csv", by=None)
    errors = {r["line"]: r["codes"] for r in job.results if r["outcome"] == services.ERROR}
    # The header is line 1, the five good rows 2 to 6.
    assert errors == {7: ["single_one_right"], 8: ["bad_true_false"]}
    assert job.error_count == 2 and not job.can_commit
    job = bank_import_commit(import_id=job.pk)
    assert job.status == BankImport.Status.CHECKED
    assert not course_bank.questions.exists()


def test_importing_the_same_file_twice_adds_nothing_the_second_time(course_bank):
    _import(course_bank, GOOD_CSV.encode())
    job = bank_import_check(bank=course_bank, data=GOOD_CSV.encode(), filename="questions.csv", by=None)
    assert {r["outcome"] for r in job.results} == {services.ALREADY}
    assert not job.can_commit
    assert course_bank.questions.count() == 5


def test_a_question_twice_in_the_file_is_an_error_on_its_second_line(course_bank):
    data = (HEADER + "简答题,同一题,,,,,,2,,\n简答题,同一题,,,,,,2,,\n").encode()
    job = bank_import_check(bank=course_bank, data=data, filename="questions.csv", by=None)
    assert [(r["line"], r["codes"]) for r in job.results] == [(2, []), (3, ["duplicate"])]


def test_a_second_commit_imports_nothing_more(course_bank):
    job = bank_import_check(bank=course_bank, data=GOOD_CSV.encode(), filename="questions.csv", by=None)
    bank_import_commit(import_id=job.pk)
    bank_import_commit(import_id=job.pk)
    assert course_bank.questions.count() == 5


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\xd0\xcf\x11\xe0old excel", "questions.xls"),
        ("姓名,手机\n张三,13800138000\n".encode(), "students.csv"),
        (b"PK\x03\x04 not a zip", "questions.xlsx"),
        ("题型,题干\n".encode() + bytes([0x81, 0x20]) * 3, "questions.csv"),
    ],
    ids=["xls", "wrong-columns", "broken-xlsx", "not-chinese-text"],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(course_bank, data, filename):
    with pytest.raises(ImportFileError) as refused:
        bank_import_check(bank=course_bank, data=data, filename=filename, by=None)
    assert refused.value.message
    assert not BankImport.objects.exists()


def test_reading_is_bounded_by_the_number_of_rows(monkeypatch):
    monkeypatch.setattr(services, "MAX_ROWS", 3)
    monkeypatch.setattr(services, "MAX_SHEET_ROWS", 6)
    rows = [["简答题", f"题{n}"] for n in range(3)]
    assert len(read_rows(xlsx_bytes(["题型", "题干"], rows))) == 3
    with pytest.raises(ImportFileError):
        read_rows(xlsx_bytes(["题型", "题干"], [*rows, ["简答题", "题3"]]))
    # Empty rows count against the sheet's bound: a sheet that declares many is not read to its end.
    with pytest.raises(ImportFileError):
        read_rows(xlsx_bytes(["题型", "题干"], [*rows, *[[""]] * 10]))


def test_an_exported_bank_imports_as_the_same_questions(course_bank):
    _import(course_bank, GOOD_CSV.encode())
    exported = xlsx_bytes(services.TEMPLATE_HEADERS, bank_rows(course_bank))
    copy = QuestionBank.objects.create(title="副本", course=course_bank.course)
    job = _import(copy, exported, "bank.xlsx")
    assert job.imported_count == 5
    assert _questions(copy) == _questions(course_bank)


def test_a_bank_document_imports_as_the_same_bank_of_another_course(course_bank):
    _import(course_bank, GOOD_CSV.encode())
    document = bank_export(course_bank)
    copy = bank_import(document, track=course_bank.course.track)
    assert copy.title == course_bank.title and copy.track == course_bank.course.track
    assert _questions(copy) == _questions(course_bank)


def test_a_bank_document_with_a_bad_question_writes_nothing(course_bank):
    document = {
        "format": "talentportal.question_bank",
        "version": 1,
        "title": "坏",
        "questions": [{"kind": "fill_in", "text": "题", "difficulty": 1, "accepted_answers": []}],
    }
    with pytest.raises(services.QuestionError):
        bank_import(document, course=course_bank.course)
    with pytest.raises(BankDocumentError):
        bank_import({"format": "other"}, course=course_bank.course)
    assert QuestionBank.objects.count() == 1
