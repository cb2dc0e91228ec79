"""Exam papers drawn by blueprint: the right questions for every rule, none twice, unseen ones
first on a retake, options shuffled and stored, a bank too small refused, and the admin's check
and publish action."""

from __future__ import annotations

import random

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exams.models import (
    AttemptQuestion,
    BankChoice,
    BankQuestion,
    BlueprintRule,
    Exam,
    ExamAttempt,
    KnowledgePoint,
)
from exams.papers import PaperError, attempt_paper, blueprint_problems, exam_publish, paper_draw
from tests import factories

Kind = BankQuestion.Kind


def add_questions(bank, number, *, kind=Kind.SINGLE, difficulty=1, point=None, options=4):
    """``number`` questions of ``kind`` in ``bank``, each with ``options`` options (choice kinds)."""
    questions = BankQuestion.objects.bulk_create(
        BankQuestion(bank=bank, kind=kind, text=f"{kind} {difficulty} {n}", difficulty=difficulty)
        for n in range(number)
    )
    if kind in BankQuestion.CHOICE_KINDS:
        BankChoice.objects.bulk_create(
            BankChoice(question=question, text=f"选项{n}", is_correct=n == 0, order=n)
            for question in questions
            for n in range(2 if kind == Kind.TRUE_FALSE else options)
        )
    if point is not None:
        point.questions.add(*questions)
    return questions


def add_rule(exam, bank, *, kind=Kind.SINGLE, low=1, high=3, point=None, count=1, points=1):
    return BlueprintRule.objects.create(
        exam=exam,
        order=exam.rules.count(),
        bank=bank,
        kind=kind,
        difficulty_min=low,
        difficulty_max=high,
        knowledge_point=point,
        count=count,
        points=points,
    )


@pytest.fixture
def exam(course_bank):
    return Exam.objects.create(title="结业考试", course=course_bank.course)


@pytest.fixture
def enrollment(exam):
    return factories.EnrollmentFactory(course=exam.course)


def publish(exam):
    exam_publish(exam=exam)
    exam.refresh_from_db()
    return exam


def drawn(attempt):
    return list(attempt.paper.order_by("position").values_list("question_id", flat=True))


def test_a_paper_holds_each_rules_count_of_matching_questions(course_bank, exam, enrollment):
    listing = KnowledgePoint.objects.create(bank=course_bank, name="商品上架")
    service = KnowledgePoint.objects.create(bank=course_bank, name="客服")
    wanted_single = add_questions(course_bank, 4, difficulty=1, point=listing)
    wanted_single += add_questions(course_bank, 4, difficulty=2, point=listing)
    add_questions(course_bank, 6, difficulty=3, point=listing)  # too hard
    add_questions(course_bank, 6, difficulty=1, point=service)  # another knowledge point
    add_questions(course_bank, 6, kind=Kind.MULTIPLE, difficulty=2)  # too easy
    wanted_multiple = add_questions(course_bank, 5, kind=Kind.MULTIPLE, difficulty=3)
    add_rule(exam, course_bank, low=1, high=2, point=listing, count=5, points=2)
    add_rule(exam, course_bank, kind=Kind.MULTIPLE, low=3, high=3, count=3, points=4)
    publish(exam)

    attempt = paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(1))

    paper = list(attempt.paper.select_related("question"))
    assert [row.position for row in sorted(paper, key=lambda row: row.position)] == list(range(1, 9))
    singles = [row for row in paper if row.question.kind == Kind.SINGLE]
    multiples = [row for row in paper if row.question.kind == Kind.MULTIPLE]
    assert len(singles) == 5 and len(multiples) == 3
    assert {row.question_id for row in singles} <= {question.pk for question in wanted_single}
    assert {row.question_id for row in multiples} <= {question.pk for question in wanted_multiple}
    assert {row.points for row in singles} == {2} and {row.points for row in multiples} == {4}


def test_overlapping_rules_never_draw_the_same_question_twice(course_bank, exam):
    broad = add_questions(course_bank, 4, difficulty=1) + add_questions(course_bank, 2, difficulty=2)
    add_rule(exam, course_bank, low=1, high=2, count=4)
    add_rule(exam, course_bank, low=2, high=2, count=2)  # only two questions, also wanted above
    publish(exam)
    assert blueprint_problems(exam) == []

    for seed in range(15):
        attempt = paper_draw(
            exam=exam, enrollment=factories.EnrollmentFactory(course=exam.course), rng=random.Random(seed)
        )
        questions = drawn(attempt)
        assert len(questions) == 6
        assert set(questions) == {question.pk for question in broad}


def test_overlapping_rules_needing_more_questions_than_the_bank_has_are_listed(course_bank, exam):
    add_questions(course_bank, 5, difficulty=2)
    add_rule(exam, course_bank, low=1, high=3, count=3)
    add_rule(exam, course_bank, low=2, high=2, count=3)  # each rule alone has enough

    problems = blueprint_problems(exam)

    assert len(problems) == 1
    assert "6" in problems[0] and "5" in problems[0]
    with pytest.raises(PaperError):
        exam_publish(exam=exam)


def test_a_retake_draws_unseen_questions_first_then_the_least_recently_seen(course_bank, exam, enrollment):
    questions = add_questions(course_bank, 10, difficulty=2)
    add_rule(exam, course_bank, count=5)
    publish(exam)

    first = set(drawn(paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(1))))
    second = set(drawn(paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(1))))
    third = set(drawn(paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(1))))

    assert len(first) == len(second) == 5
    assert not first & second
    assert first | second == {question.pk for question in questions}
    assert third == first  # everything seen: the first attempt's questions are the least recent


def test_options_are_shuffled_and_stored_and_read_back_in_that_order(
    course_bank, exam, enrollment, django_assert_num_queries
):
    add_questions(course_bank, 6, difficulty=2, options=6)
    add_questions(course_bank, 1, kind=Kind.TRUE_FALSE, difficulty=2)
    add_rule(exam, course_bank, count=6)
    add_rule(exam, course_bank, kind=Kind.TRUE_FALSE, count=1)
    publish(exam)

    attempt = paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(7))

    stored = {row.question_id: row.choice_order for row in AttemptQuestion.objects.filter(attempt=attempt)}
    natural = {
        question.pk: list(question.choices.order_by("order", "pk").values_list("pk", flat=True))
        for question in BankQuestion.objects.filter(pk__in=stored)
    }
    for question_id, order in stored.items():
        assert sorted(order) == sorted(natural[question_id])
    shuffled = [
        pk for pk, question in BankQuestion.objects.in_bulk(stored).items() if question.kind == Kind.SINGLE
    ]
    assert any(stored[pk] != natural[pk] for pk in shuffled)
    true_false = next(pk for pk in stored if pk not in shuffled)
    assert stored[true_false] == natural[true_false]  # 对 stays before 错

    again = ExamAttempt.objects.get(pk=attempt.pk)
    with django_assert_num_queries(2):
        paper = attempt_paper(again)
    assert [item.position for item in paper] == list(range(1, 8))
    assert {item.question.pk: [choice.pk for choice in item.choices] for item in paper} == stored
    assert [item.question.pk for item in attempt_paper(again)] == drawn(attempt)


def test_a_bank_too_small_is_listed_and_refuses_to_draw_writing_nothing(course_bank, exam, enrollment):
    questions = add_questions(course_bank, 5, difficulty=2)
    add_rule(exam, course_bank, count=5)
    publish(exam)
    BankQuestion.objects.filter(pk__in=[question.pk for question in questions[:2]]).delete()

    problems = blueprint_problems(exam)
    with pytest.raises(PaperError) as error:
        paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(1))

    assert len(problems) == 1 and problems[0].startswith("第 1 条规则") and "只有 3 道" in problems[0]
    assert problems[0] in error.value.messages
    assert not ExamAttempt.objects.exists() and not AttemptQuestion.objects.exists()


def test_drawing_costs_the_same_queries_for_a_bank_of_10_and_of_200(course_bank, exam):
    add_questions(course_bank, 10, difficulty=2)
    add_rule(exam, course_bank, count=5)
    add_rule(exam, course_bank, low=2, high=2, count=3)
    publish(exam)

    def queries():
        enrollment = factories.EnrollmentFactory(course=exam.course)
        paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(3))
        with CaptureQueriesContext(connection) as retake:
            attempt = paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(3))
        assert attempt.paper.count() == 8
        return len(retake.captured_queries)

    small = queries()
    add_questions(course_bank, 190, difficulty=2)
    assert queries() == small


def test_attempts_are_numbered_per_enrolment(course_bank, exam, enrollment):
    add_questions(course_bank, 3)
    add_rule(exam, course_bank, count=3)
    publish(exam)

    numbers = [paper_draw(exam=exam, enrollment=enrollment).number for _n in range(2)]
    other = paper_draw(exam=exam, enrollment=factories.EnrollmentFactory(course=exam.course))

    assert numbers == [1, 2]
    assert other.number == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ExamAttempt.objects.create(exam=exam, enrollment=enrollment, number=2)


def test_a_draft_exam_or_an_enrolment_in_another_course_draws_nothing(course_bank, exam, enrollment):
    add_questions(course_bank, 3)
    add_rule(exam, course_bank, count=3)
    with pytest.raises(PaperError):
        paper_draw(exam=exam, enrollment=enrollment)
    publish(exam)
    with pytest.raises(PaperError):
        paper_draw(exam=exam, enrollment=factories.EnrollmentFactory())
    assert not ExamAttempt.objects.exists()


def test_publish_refuses_a_blueprint_with_problems(course_bank, exam):
    add_questions(course_bank, 2)
    add_rule(exam, course_bank, count=3)

    with pytest.raises(PaperError) as error:
        exam_publish(exam=exam)
    exam.refresh_from_db()
    assert exam.status == Exam.Status.DRAFT
    assert "第 1 条规则" in str(error.value)

    add_questions(course_bank, 1)
    assert publish(exam).status == Exam.Status.PUBLISHED


def test_a_rule_from_a_bank_of_another_course_is_a_problem(exam):
    other_bank = factories.CourseFactory().question_banks.create(title="别的题库")
    add_questions(other_bank, 3)
    add_rule(exam, other_bank, count=1)

    assert any("既不属于本课程" in problem for problem in blueprint_problems(exam))


def test_the_database_refuses_a_rule_whose_lowest_difficulty_is_above_its_highest(course_bank, exam):
    with pytest.raises(IntegrityError), transaction.atomic():
        add_rule(exam, course_bank, low=3, high=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_rule(exam, course_bank, count=0)


def test_the_admin_shows_the_blueprint_check_and_publishes_only_a_sound_exam(admin_client, course_bank, exam):
    add_questions(course_bank, 2)
    add_rule(exam, course_bank, count=3)
    change = reverse("admin:exams_exam_change", args=[exam.pk])
    changelist = reverse("admin:exams_exam_changelist")

    page = admin_client.get(change).content.decode()
    assert "只有 2 道符合条件的题目" in page
    response = admin_client.post(
        changelist, {"action": "publish", "_selected_action": [exam.pk]}, follow=True
    )
    assert "未发布" in response.content.decode()
    exam.refresh_from_db()
    assert exam.status == Exam.Status.DRAFT

    add_questions(course_bank, 1)
    assert "题库中的题目足够满足每条规则" in admin_client.get(change).content.decode()
    response = admin_client.post(
        changelist, {"action": "publish", "_selected_action": [exam.pk]}, follow=True
    )
    assert "已发布 1 场考试" in response.content.decode()
    exam.refresh_from_db()
    assert exam.status == Exam.Status.PUBLISHED


def test_rules_crossing_each_other_are_all_filled_whatever_the_first_picks(course_bank, exam):
    # Three questions, three knowledge points each on two of them, a rule per point: only the
    # papers giving each rule a different question work, which picking greedily can miss.
    first, second, third = add_questions(course_bank, 3, difficulty=2)
    for name, pair in (("商品上架", (first, second)), ("客服", (second, third)), ("直播", (first, third))):
        point = KnowledgePoint.objects.create(bank=course_bank, name=name)
        point.questions.add(*pair)
        add_rule(exam, course_bank, point=point, count=1)
    publish(exam)

    for seed in range(20):
        attempt = paper_draw(
            exam=exam, enrollment=factories.EnrollmentFactory(course=exam.course), rng=random.Random(seed)
        )
        assert sorted(drawn(attempt)) == sorted([first.pk, second.pk, third.pk])


def test_a_question_of_two_knowledge_points_serves_a_rule_on_either_and_more_rules_cost_no_query(
    course_bank, exam
):
    listing = KnowledgePoint.objects.create(bank=course_bank, name="商品上架")
    service = KnowledgePoint.objects.create(bank=course_bank, name="客服")
    both = add_questions(course_bank, 2, difficulty=2, point=listing)
    service.questions.add(*both)  # tagged with both
    add_questions(course_bank, 3, difficulty=2)  # no knowledge point
    add_rule(exam, course_bank, point=listing, count=1)
    add_rule(exam, course_bank, point=service, count=1)
    publish(exam)

    def start():
        enrollment = factories.EnrollmentFactory(course=exam.course)
        with CaptureQueriesContext(connection) as draw:
            attempt = paper_draw(exam=exam, enrollment=enrollment, rng=random.Random(5))
        return attempt, len(draw.captured_queries)

    attempt, two_rules = start()
    drawn = set(attempt.paper.values_list("question_id", flat=True))
    assert drawn == {question.pk for question in both}  # one for each rule, never the same twice

    add_rule(exam, course_bank, count=3)  # the untagged ones too
    exam.refresh_from_db()  # as every request reads it: the new rule moved its draw version on
    again, three_rules = start()
    assert again.paper.count() == 5
    assert three_rules == two_rules
    # The next draws read the rules, candidates and options from the cache.
    assert start()[1] == three_rules - 3
