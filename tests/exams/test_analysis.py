"""Item analysis: difficulty index, upper–lower discrimination, the most-chosen wrong option, the
blank rate and the flags, over the submitted attempts of an exam or the uses of a bank, in a
fixed number of queries."""

from __future__ import annotations

import pytest

from exams.analysis import MIN_ATTEMPTS, bank_item_analysis, exam_item_analysis
from exams.attempts import attempt_answers_save, attempt_start, attempt_submit
from exams.models import BankChoice, BankQuestion, Exam, KnowledgePoint, QuestionBank
from tests import factories
from tests.exams.test_papers import add_questions, add_rule, publish

Kind = BankQuestion.Kind
LEARNERS = 10


def make_exam(bank: QuestionBank, title: str = "结业考试") -> Exam:
    """A published exam drawing the bank's only question of every kind, one point each."""
    exam = Exam.objects.create(title=title, course=bank.course)
    for kind in Kind.values:
        add_rule(exam, bank, kind=kind)
    return publish(exam)


def bank_of_every_kind(bank: QuestionBank) -> dict[str, BankQuestion]:
    """One question of every kind; the first option of a choice question is the right one."""
    questions = {kind: add_questions(bank, 1, kind=kind, difficulty=2)[0] for kind in Kind.values}
    questions[Kind.FILL_IN].accepted_answers = "EC"
    questions[Kind.FILL_IN].save()
    point = KnowledgePoint.objects.create(bank=bank, name="商品上架")
    point.questions.add(questions[Kind.SINGLE], questions[Kind.MULTIPLE])
    return questions


def option(question: BankQuestion, number: int) -> int:
    return BankChoice.objects.get(question=question, order=number).pk


def sit(exam: Exam, answers: dict[int, object]) -> None:
    """A new learner sits ``exam``, answers ``{question id: answer}`` and submits."""
    attempt = attempt_start(exam=exam, enrollment=factories.EnrollmentFactory(course=exam.course))
    positions = dict(attempt.paper.values_list("question_id", "position"))
    attempt_answers_save(
        attempt_id=attempt.pk,
        answers={positions[pk]: answer for pk, answer in answers.items() if pk in positions},
    )
    attempt_submit(attempt_id=attempt.pk)


def answers_of(questions: dict[str, BankQuestion], learner: int) -> dict[int, object]:
    """Learner ``learner`` of 0–9: everyone gets the single choice right; the multiple choice
    only the three strongest (7–9; the others all pick the same wrong option); the true/false
    only 1–3, who are among the weakest; the fill-in 4–9 (0–3 leave it blank); every short
    answer but 9's is written and awaits marking. Totals over the four marked points: 0 has
    25 %, 1–6 50 %, 7–9 75 %."""
    single, multiple, true_false = (
        questions[Kind.SINGLE],
        questions[Kind.MULTIPLE],
        questions[Kind.TRUE_FALSE],
    )
    return {
        single.pk: [option(single, 0)],
        multiple.pk: [option(multiple, 0)] if learner >= 7 else [option(multiple, 1)],
        true_false.pk: [option(true_false, 0 if learner in (1, 2, 3) else 1)],
        questions[Kind.FILL_IN].pk: "EC" if learner >= 4 else "",
        questions[Kind.SHORT_ANSWER].pk: "" if learner == 9 else "讲清卖点、互动、促单",
    }


@pytest.fixture
def sat_exam(course_bank):
    """The exam sat by ten learners (see ``answers_of``), and its questions by kind."""
    questions = bank_of_every_kind(course_bank)
    exam = make_exam(course_bank)
    for learner in range(LEARNERS):
        sit(exam, answers_of(questions, learner))
    return exam, questions


def test_the_measures_of_every_question(sat_exam):
    exam, questions = sat_exam
    analysis = exam_item_analysis(exam)
    items = {item.kind: item for item in analysis.items}

    assert analysis.attempts == LEARNERS
    assert analysis.mean_percent == 55  # (25 + 6 × 50 + 3 × 75) / 10
    assert {item.drawn for item in analysis.items} == {LEARNERS}

    single = items[Kind.SINGLE]
    assert single.difficulty == 1.0 and single.discrimination == 0.0
    assert single.knowledge_points == ["商品上架"] and single.level == 2
    assert single.top_wrong == "" and single.top_wrong_share is None

    multiple = items[Kind.MULTIPLE]
    assert multiple.difficulty == pytest.approx(0.3)
    assert multiple.discrimination == pytest.approx(1.0)  # the top three got it, the bottom three not
    assert multiple.top_wrong == BankChoice.objects.get(pk=option(questions[Kind.MULTIPLE], 1)).text
    assert multiple.top_wrong_percent == 70

    true_false = items[Kind.TRUE_FALSE]
    assert true_false.discrimination == pytest.approx(0 - 2 / 3)  # bottom: learners 0, 1, 2

    fill_in = items[Kind.FILL_IN]
    assert fill_in.difficulty == pytest.approx(0.6) and fill_in.discrimination == pytest.approx(1.0)
    assert fill_in.blank_percent == 40

    short = items[Kind.SHORT_ANSWER]
    assert short.marked == 0 and short.difficulty is None and short.discrimination is None
    assert short.blank_percent == 10 and short.flags == []


def test_bad_questions_are_flagged_with_their_reasons_and_come_first(sat_exam):
    exam, _questions = sat_exam
    analysis = exam_item_analysis(exam)
    items = {item.kind: item for item in analysis.items}

    assert len(items[Kind.SINGLE].flags) == 2  # very easy; separates nobody
    assert "95" in items[Kind.SINGLE].flags[0]
    assert len(items[Kind.MULTIPLE].flags) == 1  # a wrong option beats the right one
    assert items[Kind.MULTIPLE].top_wrong in items[Kind.MULTIPLE].flags[0]
    assert len(items[Kind.TRUE_FALSE].flags) == 2  # the weaker learners do better; and chose "wrong"
    assert items[Kind.FILL_IN].flags == []
    assert analysis.flagged == 3
    assert [item.kind for item in analysis.items][:3] == sorted(
        [Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE],
        key=lambda kind: (items[kind].difficulty, items[kind].question_id),
    )
    assert [item.kind for item in analysis.items][3:] == [Kind.FILL_IN, Kind.SHORT_ANSWER]


def test_a_very_hard_question_is_flagged(course_bank):
    questions = bank_of_every_kind(course_bank)
    exam = make_exam(course_bank)
    for learner in range(MIN_ATTEMPTS):
        answers = answers_of(questions, learner)
        answers[questions[Kind.FILL_IN].pk] = "电子商务"  # not an accepted answer
        sit(exam, answers)

    fill_in = next(item for item in exam_item_analysis(exam).items if item.kind == Kind.FILL_IN)

    assert fill_in.difficulty == 0.0 and fill_in.blank_percent == 0
    assert fill_in.flags and "20" in fill_in.flags[0]


def test_a_handful_of_attempts_gives_no_discrimination_and_no_flags(course_bank):
    questions = bank_of_every_kind(course_bank)
    exam = make_exam(course_bank)
    for learner in range(MIN_ATTEMPTS - 1):
        sit(exam, answers_of(questions, learner))

    analysis = exam_item_analysis(exam)

    assert analysis.attempts == MIN_ATTEMPTS - 1
    assert all(item.discrimination is None and item.flags == [] for item in analysis.items)
    assert next(item for item in analysis.items if item.kind == Kind.SINGLE).difficulty == 1.0


def test_attempts_in_progress_and_other_exams_are_left_out(sat_exam, course_bank):
    exam, questions = sat_exam
    attempt_start(exam=exam, enrollment=factories.EnrollmentFactory(course=exam.course))  # not submitted
    other = make_exam(course_bank, title="模拟考试")
    sit(other, answers_of(questions, 0))

    analysis = exam_item_analysis(exam)

    assert analysis.attempts == LEARNERS
    assert {item.drawn for item in analysis.items} == {LEARNERS}


def test_a_bank_is_analysed_over_every_exam_that_drew_from_it(sat_exam, course_bank):
    exam, questions = sat_exam
    other = make_exam(course_bank, title="模拟考试")
    sit(other, answers_of(questions, 8))
    foreign_bank = QuestionBank.objects.create(title="另一题库", course=exam.course)
    foreign = add_questions(foreign_bank, 1, kind=Kind.SINGLE)[0]
    mixed = Exam.objects.create(title="综合考试", course=exam.course)
    add_rule(mixed, course_bank, kind=Kind.SINGLE)
    add_rule(mixed, foreign_bank, kind=Kind.SINGLE)
    publish(mixed)
    sit(
        mixed,
        {questions[Kind.SINGLE].pk: [option(questions[Kind.SINGLE], 1)], foreign.pk: [option(foreign, 0)]},
    )

    analysis = bank_item_analysis(course_bank)

    assert analysis.attempts == LEARNERS + 2
    assert {item.question_id for item in analysis.items} == {question.pk for question in questions.values()}
    single = next(item for item in analysis.items if item.kind == Kind.SINGLE)
    assert single.drawn == LEARNERS + 2
    assert single.difficulty == pytest.approx((LEARNERS + 1) / (LEARNERS + 2))
    assert bank_item_analysis(foreign_bank).items[0].drawn == 1


@pytest.mark.parametrize("learners", [3, 12])
def test_the_analysis_takes_four_queries_whatever_the_attempts(
    course_bank, django_assert_num_queries, learners
):
    questions = bank_of_every_kind(course_bank)
    exam = make_exam(course_bank)
    for learner in range(learners):
        sit(exam, answers_of(questions, learner % LEARNERS))

    with django_assert_num_queries(4):
        analysis = exam_item_analysis(exam)
    with django_assert_num_queries(4):
        bank_item_analysis(course_bank)

    assert analysis.attempts == learners and len(analysis.items) == len(Kind.values)
