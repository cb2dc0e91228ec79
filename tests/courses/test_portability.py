from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from courses.demo import demo_documents
from courses.models import Course, Lesson, Module, Question, Quiz
from courses.portability import course_export, course_import
from exams import portability
from exams.models import BankQuestion, BlueprintRule, Exam, KnowledgePoint, QuestionBank
from exams.papers import blueprint_problems
from exams.portability import course_exams_export
from exams.services import bank_question_create
from tests import factories


def _without_slug(document: dict) -> dict:
    document = copy.deepcopy(document)
    del document["course"]["slug"]
    return document


def _export(course: Course) -> dict:
    """The document export_course writes: the course, its question banks and its exams."""
    return {**course_export(course=course), **course_exams_export(course=course)}


@pytest.fixture
def course(db):
    """A course with two modules, lessons of each kind, a module quiz and a final quiz."""
    course = factories.make_ready_course(
        title="农村电商运营",
        prerequisites="会用智能手机",
        offered_offline=True,
        estimated_hours=24,
    )
    second = factories.ModuleFactory(course=course, order=2, title="发货与售后", summary="包装和物流")
    factories.LessonFactory(
        module=second, order=1, kind=Lesson.Kind.VIDEO, video_url="https://media.example.cn/a.mp4"
    )
    factories.LessonFactory(
        module=second, order=2, kind=Lesson.Kind.PRACTICE, is_required=False, body="| a |\n|---|"
    )
    quiz = factories.QuizFactory(course=course, module=second, pass_mark=80, max_attempts=2, shuffle=True)
    question = factories.QuestionFactory(quiz=quiz, order=1, kind="multiple", explanation="两项都对")
    factories.ChoiceFactory(question=question, order=1, is_correct=True)
    factories.ChoiceFactory(question=question, order=2, is_correct=True)
    factories.ChoiceFactory(question=question, order=3)
    return course


def test_export_then_import_gives_an_identical_draft(course, tmp_path):
    path = tmp_path / "course.json"
    call_command("export_course", course.slug, output=str(path))
    exported = json.loads(path.read_text(encoding="utf-8"))

    call_command("import_course", str(path))

    imported = Course.objects.exclude(pk=course.pk).get()
    assert imported.status == Course.Status.DRAFT
    assert imported.slug == f"{course.slug}-2"
    assert _without_slug(_export(imported)) == _without_slug(exported)
    assert exported["question_banks"] == [] and exported["exams"] == []
    assert imported.modules.count() == 2
    assert Quiz.objects.filter(course=imported, module__isnull=True).count() == 1
    assert all(lesson.body_html for lesson in Lesson.objects.filter(module__course=imported) if lesson.body)


def _with_default_show_answers(document: dict) -> dict:
    """``document`` as exported today: the demo files predate the quizzes' ``show_answers``,
    which a document without it imports as the default."""
    document = copy.deepcopy(document)
    course = document["course"]
    quizzes = [module.get("quiz") for module in course["modules"]] + [course.get("final_quiz")]
    for quiz in quizzes:
        if quiz is not None:
            quiz.setdefault("show_answers", Quiz.ShowAnswers.AFTER_LAST_ATTEMPT)
    return document


@pytest.mark.parametrize("document", demo_documents(), ids=lambda document: document["course"]["slug"])
def test_demo_documents_round_trip_exactly(db, document):
    assert course_export(course=course_import(document=document)) == _with_default_show_answers(document)


def test_slug_conflicts_get_a_numbered_slug(course):
    document = course_export(course=course)
    assert [course_import(document=document).slug for _ in range(2)] == [
        f"{course.slug}-2",
        f"{course.slug}-3",
    ]


def _broken(course: Course, change) -> dict:
    document = course_export(course=course)
    change(document)
    return document


BAD_DOCUMENTS = {
    "missing lesson title": (
        lambda d: d["course"]["modules"][1]["lessons"][0].pop("title"),
        "course.modules[1].lessons[0].title: missing",
    ),
    "pass mark above 100": (
        lambda d: d["course"]["final_quiz"].update(pass_mark=150),
        "course.final_quiz.pass_mark: must be between 0 and 100",
    ),
    "no correct choice": (
        lambda d: [
            c.update(is_correct=False) for c in d["course"]["modules"][1]["quiz"]["questions"][0]["choices"]
        ],
        "course.modules[1].quiz.questions[0].choices: no correct choice",
    ),
    "wrong type": (
        lambda d: d["course"].update(estimated_hours="24"),
        "course.estimated_hours: must be a whole number",
    ),
    "unknown kind": (
        lambda d: d["course"]["modules"][0]["lessons"][0].update(kind="game"),
        "course.modules[0].lessons[0].kind: must be one of",
    ),
    "javascript video": (
        lambda d: d["course"]["modules"][1]["lessons"][0].update(video_url="javascript:alert(1)"),
        "course.modules[1].lessons[0].video_url: must start with http:// or https://",
    ),
    "future format": (lambda d: d.update(format_version=99), "format_version: must be 1"),
    "modules not a list": (lambda d: d["course"].update(modules={"a": 1}), "course.modules: must be a list"),
}


@pytest.mark.parametrize("name", BAD_DOCUMENTS)
def test_malformed_course_file_is_refused_with_its_path_and_writes_nothing(course, tmp_path, name):
    change, message = BAD_DOCUMENTS[name]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(course, change), ensure_ascii=False), encoding="utf-8")
    counts = (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        Question.objects.count(),
    )

    with pytest.raises(CommandError, match="nothing was imported") as error:
        call_command("import_course", str(path))

    assert message in str(error.value)
    assert counts == (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        Question.objects.count(),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON (line 1"), ("[1, 2]", "$: must be an object"), (b"\xff\xfe", "not UTF-8")],
)
def test_unreadable_course_file_gives_a_clear_error(db, tmp_path, content, message):
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("$", r"\$")):
        call_command("import_course", str(path))
    assert not Course.objects.exists()


def test_import_of_a_missing_file_or_export_of_an_unknown_slug_fails_clearly(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_course", str(tmp_path / "nope.json"))
    with pytest.raises(CommandError, match="No course with slug"):
        call_command("export_course", "nope")


# --- question banks and exams travel with the course -----------------------------------------------

Kind = BankQuestion.Kind


def _bank_of_every_kind(bank: QuestionBank) -> QuestionBank:
    """Two questions of every kind, with knowledge points, explanations and a rubric."""
    for number in range(2):
        bank_question_create(
            bank=bank,
            kind=Kind.SINGLE,
            text=f"商品主图的推荐尺寸是？{number}",
            difficulty=1,
            knowledge_points=["商品上架"],
            explanation="平台推荐800×800",
            choices=[("800×800", True), ("100×100", False), ("300×200", False)],
        )
        bank_question_create(
            bank=bank,
            kind=Kind.MULTIPLE,
            text=f"哪些属于客服礼貌用语？{number}",
            difficulty=3,
            knowledge_points=["客服", "沟通"],
            choices=[("您好", True), ("请稍等", True), ("不知道", False)],
        )
        bank_question_create(
            bank=bank,
            kind=Kind.TRUE_FALSE,
            text=f"包邮商品不能设置运费模板。{number}",
            difficulty=2,
            knowledge_points=["商品上架"],
            choices=[("对", False), ("错", True)],
        )
        bank_question_create(
            bank=bank,
            kind=Kind.FILL_IN,
            text=f"电商的英文缩写是____。{number}",
            difficulty=1,
            accepted_answers=["EC", "E-commerce"],
        )
        bank_question_create(
            bank=bank,
            kind=Kind.SHORT_ANSWER,
            text=f"简述直播带货的三个要点。{number}",
            difficulty=3,
            knowledge_points=["直播"],
            rubric="讲清卖点、互动、促单各得2分",
        )
    return bank


@pytest.fixture
def course_with_exams(course):
    """``course`` with a bank of its own, an exam drawing from it (one rule by knowledge point)
    and from a bank of its track, and a second exam without rules."""
    own = _bank_of_every_kind(QuestionBank.objects.create(title="农村电商 题库", course=course))
    shared = _bank_of_every_kind(QuestionBank.objects.create(title="电商方向 公共题库", track=course.track))
    QuestionBank.objects.create(title="别的方向的题库", track=factories.TrackFactory())  # not exported
    final = Exam.objects.create(
        title="结业考试",
        course=course,
        pass_mark_percent=70,
        time_limit_minutes=25,
        max_attempts=3,
        cool_off_minutes=10,
        score_policy=Exam.ScorePolicy.LAST,
        release=Exam.Release.MANUAL,
        is_final=True,
        status=Exam.Status.PUBLISHED,
    )
    rules = [
        (own, Kind.SINGLE, 1, 2, KnowledgePoint.objects.get(bank=own, name="商品上架"), 2, 2),
        (own, Kind.SHORT_ANSWER, 1, 3, None, 1, 6),
        (shared, Kind.MULTIPLE, 3, 3, KnowledgePoint.objects.get(bank=shared, name="客服"), 1, 4),
    ]
    for order, (bank, kind, low, high, point, count, points) in enumerate(rules):
        BlueprintRule.objects.create(
            exam=final,
            order=order,
            bank=bank,
            kind=kind,
            difficulty_min=low,
            difficulty_max=high,
            knowledge_point=point,
            count=count,
            points=points,
        )
    Exam.objects.create(title="模拟考试", course=course)
    return course


def test_banks_and_exams_round_trip_through_the_commands(course_with_exams, tmp_path):
    course = course_with_exams
    path = tmp_path / "course.json"
    out = io.StringIO()
    call_command("export_course", course.slug, output=str(path), stdout=out)
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert "2 question banks (20 questions), 2 exams" in out.getvalue()
    assert [bank["title"] for bank in exported["question_banks"]] == ["农村电商 题库", "电商方向 公共题库"]
    # In outline order, with their places: never ordered, the final exam comes first.
    assert [(exam["title"], exam["position"]) for exam in exported["exams"]] == [
        ("结业考试", 1),
        ("模拟考试", 2),
    ]
    final = exported["exams"][0]
    assert final["rules"][0] == {
        "bank": 0,
        "kind": "single",
        "difficulty_min": 1,
        "difficulty_max": 2,
        "knowledge_point": "商品上架",
        "count": 2,
        "points": 2,
    }
    assert final["rules"][2]["bank"] == 1 and final["rules"][2]["knowledge_point"] == "客服"

    call_command("import_course", str(path), stdout=io.StringIO())

    imported = Course.objects.exclude(pk=course.pk).get()
    assert _without_slug(_export(imported)) == _without_slug(exported)
    # Every bank is now the imported course's own; the exams are drafts that can be published.
    assert set(QuestionBank.objects.filter(course=imported).values_list("title", flat=True)) == {
        "农村电商 题库",
        "电商方向 公共题库",
    }
    copy_of_final = Exam.objects.get(course=imported, title="结业考试")
    assert copy_of_final.status == Exam.Status.DRAFT and copy_of_final.is_final
    assert {rule.bank.course_id for rule in copy_of_final.rules.select_related("bank")} == {imported.pk}
    assert {
        rule.knowledge_point.bank_id for rule in copy_of_final.rules.exclude(knowledge_point=None)
    } == set(copy_of_final.rules.exclude(knowledge_point=None).values_list("bank_id", flat=True))
    assert blueprint_problems(copy_of_final) == []
    assert BankQuestion.objects.filter(bank__course=imported).count() == 20


def test_a_file_without_question_banks_still_imports(course, tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(course_export(course=course), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_course", str(path), stdout=out)
    imported = Course.objects.exclude(pk=course.pk).get()
    assert imported.modules.count() == 2
    assert "0 question banks, 0 exams" in out.getvalue()
    assert not QuestionBank.objects.exists() and not Exam.objects.exists()


BAD_EXAM_DOCUMENTS = {
    "single choice with two right options": (
        lambda d: d["question_banks"][0]["questions"][0]["choices"][1].__setitem__(1, True),
        "question_banks[0].questions[0]: ",
    ),
    "question of an unknown kind": (
        lambda d: d["question_banks"][1]["questions"][3].update(kind="essay"),
        "question_banks[1].questions[3].kind: must be one of",
    ),
    "not a bank": (
        lambda d: d["question_banks"][1].update(format="something.else"),
        "question_banks[1]: must be a question bank document",
    ),
    "rule of a missing bank": (
        lambda d: d["exams"][0]["rules"][0].update(bank=5),
        "exams[0].rules[0].bank: must be the index of a bank",
    ),
    "rule of an unknown knowledge point": (
        lambda d: d["exams"][0]["rules"][0].update(knowledge_point="直播运营"),
        "exams[0].rules[0].knowledge_point: no question of bank 0 has the knowledge point '直播运营'",
    ),
    "two final exams": (lambda d: d["exams"][1].update(is_final=True), "exams: only one exam"),
    "pass mark above 100": (
        lambda d: d["exams"][0].update(pass_mark_percent=150),
        "exams[0].pass_mark_percent: must be between 0 and 100",
    ),
}


@pytest.mark.parametrize("name", BAD_EXAM_DOCUMENTS)
def test_a_file_with_a_bad_bank_or_exam_imports_nothing_at_all(course_with_exams, tmp_path, name):
    change, message = BAD_EXAM_DOCUMENTS[name]
    document = _export(course_with_exams)
    change(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    counts = (
        Course.objects.count(),
        QuestionBank.objects.count(),
        BankQuestion.objects.count(),
        Exam.objects.count(),
    )

    with pytest.raises(CommandError, match="nothing was imported") as error:
        call_command("import_course", str(path))

    assert message in str(error.value)
    assert counts == (
        Course.objects.count(),
        QuestionBank.objects.count(),
        BankQuestion.objects.count(),
        Exam.objects.count(),
    )


def test_a_bank_failing_while_written_rolls_the_whole_course_back(course_with_exams, tmp_path, monkeypatch):
    # The check finds nothing, but the second bank fails while it is written (the bank changed
    # its rules under the file): the course and the first bank, written already, are undone.
    document = _export(course_with_exams)
    path = tmp_path / "course.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    real_import = portability.bank_import
    calls = []

    def failing_second(bank, **kwargs):
        calls.append(bank["title"])
        if len(calls) == 2:
            raise portability.QuestionError(["single_one_right"])
        return real_import(bank, **kwargs)

    monkeypatch.setattr(portability, "bank_import", failing_second)
    counts = (Course.objects.count(), QuestionBank.objects.count(), Exam.objects.count())

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_course", str(path))

    assert len(calls) == 2
    assert counts == (Course.objects.count(), QuestionBank.objects.count(), Exam.objects.count())
