from __future__ import annotations

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from courses.demo import demo_documents
from courses.models import Course, Lesson, Module, Question, Quiz
from courses.portability import course_export, course_import
from tests import factories


def _without_slug(document: dict) -> dict:
    document = copy.deepcopy(document)
    del document["course"]["slug"]
    return document


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
    assert _without_slug(course_export(course=imported)) == _without_slug(exported)
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
