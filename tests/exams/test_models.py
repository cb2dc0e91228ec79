"""What a bank and its questions may hold: the database constraints and the rules of
``bank_question_create``."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from exams.models import BankChoice, BankQuestion, KnowledgePoint, QuestionBank
from exams.services import QuestionError, bank_question_create
from tests import factories

Kind = BankQuestion.Kind


def test_a_bank_belongs_to_a_track_or_a_course_never_both_or_neither(db):
    course = factories.CourseFactory()
    QuestionBank.objects.create(title="课程题库", course=course)
    QuestionBank.objects.create(title="方向题库", track=course.track)
    for fields in ({}, {"course": course, "track": course.track}):
        with pytest.raises(IntegrityError), transaction.atomic():
            QuestionBank.objects.create(title="坏题库", **fields)


@pytest.mark.parametrize("difficulty", [0, 4])
def test_the_database_refuses_a_difficulty_outside_1_to_3(course_bank, difficulty):
    with pytest.raises(IntegrityError), transaction.atomic():
        BankQuestion.objects.create(
            bank=course_bank, kind=Kind.SHORT_ANSWER, text="题", difficulty=difficulty
        )


def test_a_question_is_written_with_its_options_and_knowledge_points(course_bank):
    question = bank_question_create(
        bank=course_bank,
        kind=Kind.MULTIPLE,
        text="哪些属于客服礼貌用语？",
        difficulty=3,
        knowledge_points=["客服", "沟通", "客服"],
        choices=[("您好", True), ("不知道", False), ("请稍等", True)],
        explanation="礼貌用语",
    )
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("您好", True),
        ("不知道", False),
        ("请稍等", True),
    ]
    assert sorted(question.knowledge_points.values_list("name", flat=True)) == ["客服", "沟通"]
    # A second question reuses the bank's knowledge point.
    bank_question_create(bank=course_bank, kind=Kind.SHORT_ANSWER, text="简述", knowledge_points=["客服"])
    assert KnowledgePoint.objects.filter(bank=course_bank).count() == 2
    assert list(course_bank.questions.values_list("order", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    ("kind", "choices", "answers", "code"),
    [
        (Kind.SINGLE, [("甲", False), ("乙", False)], [], "single_one_right"),
        (Kind.SINGLE, [("甲", True), ("乙", True)], [], "single_one_right"),
        (Kind.SINGLE, [("甲", True)], [], "few_choices"),
        (Kind.MULTIPLE, [("甲", False), ("乙", False)], [], "multiple_some_right"),
        (Kind.MULTIPLE, [(str(n), True) for n in range(7)], [], "many_choices"),
        (Kind.TRUE_FALSE, [("对", True), ("错", False), ("不知道", False)], [], "true_false_two"),
        (Kind.TRUE_FALSE, [("对", True), ("错", True)], [], "true_false_two"),
        (Kind.FILL_IN, [], ["  "], "no_accepted_answer"),
    ],
)
def test_an_unusable_question_is_refused_and_nothing_is_written(course_bank, kind, choices, answers, code):
    with pytest.raises(QuestionError) as refused:
        bank_question_create(
            bank=course_bank,
            kind=kind,
            text="题目",
            choices=choices,
            accepted_answers=answers,
            knowledge_points=["新"],
        )
    assert code in refused.value.codes
    assert refused.value.messages
    assert not BankQuestion.objects.exists()
    assert not BankChoice.objects.exists()
    assert not KnowledgePoint.objects.exists()


def test_a_difficulty_outside_1_to_3_is_refused_by_the_service(course_bank):
    with pytest.raises(QuestionError) as refused:
        bank_question_create(bank=course_bank, kind=Kind.SHORT_ANSWER, text="题", difficulty=5)
    assert refused.value.codes == ["bad_difficulty"]


def test_a_fill_in_accepts_its_variants_without_case_and_full_width_as_half_width(course_bank):
    question = bank_question_create(
        bank=course_bank, kind=Kind.FILL_IN, text="电商的英文缩写", accepted_answers=["E-commerce", "EC"]
    )
    assert question.accepts("ｅｃ")
    assert question.accepts(" e-COMMERCE ")
    assert question.accepts("ＥＣ")
    assert not question.accepts("B2C")
    assert not question.accepts("")
