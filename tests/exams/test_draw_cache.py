"""The draw material of an exam (rules, candidates, options and keys) is read once and cached,
keyed by the exam's draw version: whatever an editor changes in the admin (a right option, a
question's difficulty, a new question, a rule) reaches the very next paper drawn."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from exams.models import AttemptQuestion, BankChoice, BankQuestion, BlueprintRule, Exam, ExamAttempt
from tests.exams.conftest import GOOD_CSV
from tests.exams.test_papers import add_questions, add_rule, publish
from tests.exams.test_views import _upload
from tests.learn.test_exam_sitting import browser, make_exam, sitter, start

pytestmark = pytest.mark.django_db

Kind = BankQuestion.Kind


def _single(exam: Exam) -> BankQuestion:
    return BankQuestion.objects.get(bank__course=exam.course, kind=Kind.SINGLE)


def _change_question(
    client: Client, question: BankQuestion, *, right: int, difficulty: int | None = None, delete: int = -1
):
    """The admin's change form of ``question``, with option number ``right`` (0-based) made the
    only right one, and option number ``delete`` deleted."""
    choices = list(question.choices.order_by("order", "pk"))
    data = {
        "bank": question.bank_id,
        "kind": question.kind,
        "text": question.text,
        "difficulty": difficulty or question.difficulty,
        "explanation": question.explanation,
        "accepted_answers": question.accepted_answers,
        "rubric": question.rubric,
        "order": question.order,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": len(choices),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for number, choice in enumerate(choices):
        data |= {
            f"choices-{number}-id": choice.pk,
            f"choices-{number}-question": question.pk,
            f"choices-{number}-text": choice.text,
            f"choices-{number}-order": choice.order,
        }
        if number == right:
            data[f"choices-{number}-is_correct"] = "on"
        if number == delete:
            data[f"choices-{number}-DELETE"] = "on"
    response = client.post(reverse("admin:exams_bankquestion_change", args=[question.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def _key(attempt: ExamAttempt, question: BankQuestion) -> list:
    return AttemptQuestion.objects.get(attempt=attempt, question=question).key


def test_a_right_option_fixed_in_the_admin_is_the_key_of_the_next_paper(admin_client):
    exam = make_exam()
    question = _single(exam)
    first_right = list(question.choices.filter(is_correct=True).values_list("pk", flat=True))
    before = start(browser(sitter(exam)[0]), exam)
    assert _key(before, question) == first_right
    start(browser(sitter(exam)[0]), exam)  # drawn from the cache

    _change_question(admin_client, question, right=1)

    second = question.choices.order_by("order", "pk")[1]
    after = start(browser(sitter(exam)[0]), exam)
    assert _key(after, question) == [second.pk]
    assert _key(before, question) == first_right  # a paper keeps the key it was drawn with


def test_a_question_moved_out_of_a_rules_difficulty_is_no_longer_drawn(admin_client):
    exam = make_exam(extra_single=1)
    rule = BlueprintRule.objects.get(exam=exam, kind=Kind.SINGLE)
    rule.count, rule.difficulty_max = 1, 1
    rule.save()
    singles = list(BankQuestion.objects.filter(bank__course=exam.course, kind=Kind.SINGLE).order_by("pk"))
    papers = [start(browser(sitter(exam)[0]), exam) for _n in range(3)]
    assert all(
        paper.paper.filter(question__kind=Kind.SINGLE).count() == 1 for paper in papers
    )  # one of the two, from the cache after the first

    _change_question(admin_client, singles[0], right=0, difficulty=3)

    for _n in range(6):
        drawn = start(browser(sitter(exam)[0]), exam).paper.get(question__kind=Kind.SINGLE).question_id
        assert drawn == singles[1].pk


def test_an_option_deleted_in_the_admin_is_not_shown_on_the_next_paper(admin_client):
    exam = make_exam()
    question = _single(exam)
    start(browser(sitter(exam)[0]), exam)
    wrong = question.choices.order_by("order", "pk")[2]
    assert not wrong.is_correct

    _change_question(admin_client, question, right=0, delete=2)

    assert not BankChoice.objects.filter(pk=wrong.pk).exists()
    after = start(browser(sitter(exam)[0]), exam)
    assert sorted(AttemptQuestion.objects.get(attempt=after, question=question).choice_order) == sorted(
        question.choices.values_list("pk", flat=True)
    )


def test_a_cached_draw_reads_neither_rules_nor_banks(django_assert_num_queries):
    exam = make_exam()
    start(browser(sitter(exam)[0]), exam)  # reads and caches the material
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    client.get(reverse("learn:dashboard"))
    # The user, the exam, the enrolment; a transaction: the enrolment locked, its attempts, its
    # exception (no cohort: no cohort window), the attempt, its paper, the start event, committed.
    with django_assert_num_queries(11):
        response = client.post(reverse("learn:exam_start", args=[exam.pk]))
    assert response.status_code == 302
    assert ExamAttempt.objects.get(enrollment__learner=learner).paper.count() == 4


def test_a_question_imported_into_the_bank_is_drawn_on_the_next_retake(editor_client, course_bank):
    """Unseen questions come first on a retake: the learner who saw the bank's only single
    choice question gets the one the editor has just imported (its options inserted in bulk)."""
    exam = Exam.objects.create(title="结业考试", course=course_bank.course)
    add_questions(course_bank, 1, difficulty=1)
    add_rule(exam, course_bank, count=1)
    publish(exam)
    learner, _enrollment = sitter(exam)
    client = browser(learner)
    first = start(client, exam)
    assert client.post(reverse("learn:attempt_submit", args=[first.pk])).status_code == 302

    response = _upload(editor_client, course_bank, GOOD_CSV.replace("ＥＣ", "EC"))
    editor_client.post(response["Location"] + "commit/")
    imported = course_bank.questions.get(kind=Kind.SINGLE, text="商品主图的推荐尺寸是？")

    retake = start(client, exam)
    assert retake.number == 2
    assert list(retake.paper.values_list("question_id", flat=True)) == [imported.pk]
    assert sorted(AttemptQuestion.objects.get(attempt=retake).choice_order) == sorted(
        imported.choices.values_list("pk", flat=True)
    )
