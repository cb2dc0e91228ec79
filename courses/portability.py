"""Courses as JSON documents, to move curricula between staging and production.

The document holds one course with its track, modules, lessons and quizzes; order is the
order of the lists. Files (uploaded videos, attachments) live in storage and are not part of
the document: only their absence is reported.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Choice, Course, DeliveryMode, Lesson, LessonAttachment, Module, Question, Quiz, Track
from .rendering import render_markdown
from .services import course_lessons_changed

FORMAT_VERSION = 1


class CourseFileError(ValueError):
    """The document is not a valid course: ``problems`` lists each one with its JSON path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# --- Export -----------------------------------------------------------------------------


def document_position(value: Any) -> int | None:
    """An exam's or a practice item's outline place as a course document carries it (1, 2, …;
    files written before places travelled have none): None unless a whole number 1–1,000,000."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1_000_000:
        return value
    return None


def _quiz_document(quiz: Quiz, *, ids: bool) -> dict[str, Any]:
    return {
        **({"id": quiz.pk, "key": f"q{quiz.pk}"} if ids else {}),
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "shuffle": quiz.shuffle,
        "show_answers": quiz.show_answers,
        "questions": [
            {
                **({"id": question.pk, "key": f"k{question.pk}"} if ids else {}),
                "text": question.text,
                "kind": question.kind,
                "explanation": question.explanation,
                "choices": [
                    {
                        **({"id": choice.pk} if ids else {}),
                        "text": choice.text,
                        "is_correct": choice.is_correct,
                    }
                    for choice in question.choices.all()
                ],
            }
            for question in quiz.questions.all()
        ],
    }


def _lesson_document(lesson: Lesson, *, ids: bool) -> dict[str, Any]:
    document = {
        "title": lesson.title,
        "kind": lesson.kind,
        "body": lesson.body,
        "video_url": lesson.video_url,
        "duration_minutes": lesson.duration_minutes,
        "is_required": lesson.is_required,
    }
    if ids:
        # A revision names the lesson's files in storage: publishing keeps or replaces them.
        document = {
            "id": lesson.pk,
            "key": f"l{lesson.pk}",
            **document,
            "video_file": lesson.video_file.name or "",
            "video_size": lesson.video_size,
            "attachments": [
                {
                    "id": attachment.pk,
                    "key": f"a{attachment.pk}",
                    "title": attachment.title,
                    "file": attachment.file.name,
                    "size": attachment.size,
                }
                for attachment in lesson.attachments.all()
            ],
        }
    return document


def course_export(*, course: Course, ids: bool = False) -> dict[str, Any]:
    """The document for ``course`` (a fixed number of queries).

    With ``ids`` every module, lesson, quiz, question and choice also carries ``id`` (the pk of
    its row) and ``key`` (its name in a revision, see courses.revisions), and lessons name their
    uploaded video and attachments: the document a revision starts from.
    """
    course = (
        Course.objects.select_related("track")
        .prefetch_related(
            # Only a revision names the lessons' attachments.
            "modules__lessons__attachments" if ids else "modules__lessons",
            "quizzes__questions__choices",
        )
        .get(pk=course.pk)
    )
    quizzes = {quiz.module_id: quiz for quiz in course.quizzes.all()}
    final_quiz = quizzes.get(None)
    return {
        "format_version": FORMAT_VERSION,
        "course": {
            "slug": course.slug,
            "title": course.title,
            "track": {"slug": course.track.slug, "name": course.track.name},
            "summary": course.summary,
            "description": course.description,
            "level": course.level,
            "language": course.language,
            "estimated_hours": course.estimated_hours,
            "delivery_modes": [str(mode) for mode in course.delivery_modes],
            "prerequisites": course.prerequisites,
            "modules": [
                {
                    **({"id": module.pk, "key": f"m{module.pk}"} if ids else {}),
                    "title": module.title,
                    "summary": module.summary,
                    "lessons": [_lesson_document(lesson, ids=ids) for lesson in module.lessons.all()],
                    "quiz": _quiz_document(quizzes[module.pk], ids=ids) if module.pk in quizzes else None,
                }
                for module in course.modules.all()
            ],
            "final_quiz": _quiz_document(final_quiz, ids=ids) if final_quiz else None,
        },
    }


def course_files_left_out(*, course: Course) -> int:
    """How many uploaded files (videos, attachments) an export of ``course`` leaves out."""
    videos = Lesson.objects.filter(module__course=course).exclude(video_file="").count()
    return videos + LessonAttachment.objects.filter(lesson__module__course=course).count()


# --- Validation -------------------------------------------------------------------------


class _Checker:
    """Collects every problem of a document, each named by its path (``modules[2].title``)."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def object(self, value: Any, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, _("must be an object"))
            return None
        return value

    def list(self, parent: dict, key: str, path: str, *, min_length: int = 0) -> list:
        value = parent.get(key, [])
        if not isinstance(value, list):
            self.problem(f"{path}.{key}", _("must be a list"))
            return []
        if len(value) < min_length:
            self.problem(
                f"{path}.{key}",
                ngettext("needs at least %(count)d item", "needs at least %(count)d items", min_length)
                % {"count": min_length},
            )
        return value

    def text(
        self, parent: dict, key: str, path: str, *, max_length: int | None = None, required=True
    ) -> None:
        where = f"{path}.{key}"
        if key not in parent:
            if required:
                self.problem(where, _("missing"))
            return
        value = parent[key]
        if not isinstance(value, str):
            self.problem(where, _("must be a string"))
        elif required and not value.strip():
            self.problem(where, _("must not be empty"))
        elif max_length is not None and len(value) > max_length:
            self.problem(where, _("longer than %(max)d characters") % {"max": max_length})

    def integer(
        self, parent: dict, key: str, path: str, *, low: int, high: int, required=True, null=False
    ) -> None:
        where = f"{path}.{key}"
        if key not in parent:
            if required:
                self.problem(where, _("missing"))
            return
        value = parent[key]
        if value is None and null:
            return
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(where, _("must be a whole number"))
        elif not low <= value <= high:
            self.problem(where, _("must be between %(low)d and %(high)d") % {"low": low, "high": high})

    def boolean(self, parent: dict, key: str, path: str) -> None:
        if key in parent and not isinstance(parent[key], bool):
            self.problem(f"{path}.{key}", _("must be true or false"))

    def choice(self, parent: dict, key: str, path: str, allowed, *, required=True) -> None:
        where = f"{path}.{key}"
        if key not in parent:
            if required:
                self.problem(where, _("missing"))
            return
        if parent[key] not in allowed:
            self.problem(where, _("must be one of %(values)s") % {"values": ", ".join(sorted(allowed))})


def _check_quiz(check: _Checker, quiz: Any, path: str) -> None:
    quiz = check.object(quiz, path)
    if quiz is None:
        return
    check.text(quiz, "title", path, max_length=200)
    check.integer(quiz, "pass_mark", path, low=0, high=100)
    check.integer(quiz, "max_attempts", path, low=1, high=1000, required=False, null=True)
    check.boolean(quiz, "shuffle", path)
    # Added after format 1 was first written: a document without it means the default.
    check.choice(quiz, "show_answers", path, set(Quiz.ShowAnswers.values), required=False)
    for q_index, question in enumerate(check.list(quiz, "questions", path, min_length=1)):
        q_path = f"{path}.questions[{q_index}]"
        question = check.object(question, q_path)
        if question is None:
            continue
        check.text(question, "text", q_path)
        check.choice(question, "kind", q_path, set(Question.Kind.values))
        check.text(question, "explanation", q_path, required=False)
        choices = check.list(question, "choices", q_path, min_length=2)
        correct = 0
        for c_index, choice in enumerate(choices):
            c_path = f"{q_path}.choices[{c_index}]"
            choice = check.object(choice, c_path)
            if choice is None:
                continue
            check.text(choice, "text", c_path, max_length=300)
            check.boolean(choice, "is_correct", c_path)
            correct += choice.get("is_correct") is True
        if choices and correct == 0:
            check.problem(f"{q_path}.choices", _("no correct choice"))
        if question.get("kind") == Question.Kind.SINGLE and correct > 1:
            check.problem(f"{q_path}.choices", _("a single-choice question has exactly one correct choice"))


def course_document_problems(document: Any) -> list[str]:
    """Every problem of ``document`` (empty when it can be imported)."""
    check = _Checker()
    document = check.object(document, "$")
    if document is None:
        return check.problems
    if document.get("format_version") != FORMAT_VERSION:
        check.problem(
            "format_version",
            _("must be %(version)d (got %(got)s)")
            % {"version": FORMAT_VERSION, "got": repr(document.get("format_version"))},
        )
    course = check.object(document.get("course"), "course")
    if course is None:
        return check.problems
    check.text(course, "slug", "course", max_length=80)
    if isinstance(course.get("slug"), str) and slugify(course["slug"]) != course["slug"]:
        check.problem("course.slug", _("must be lowercase letters, digits and hyphens"))
    check.text(course, "title", "course", max_length=200)
    check.text(course, "summary", "course", max_length=300)
    check.text(course, "description", "course", required=False)
    check.text(course, "prerequisites", "course", required=False)
    check.choice(course, "level", "course", set(Course.Level.values))
    check.choice(course, "language", "course", set(Course.Language.values))
    check.integer(course, "estimated_hours", "course", low=0, high=10000)
    for index, mode in enumerate(check.list(course, "delivery_modes", "course", min_length=1)):
        if mode not in DeliveryMode.values:
            check.problem(
                f"course.delivery_modes[{index}]",
                _("must be one of %(values)s") % {"values": ", ".join(DeliveryMode.values)},
            )
    track = check.object(course.get("track"), "course.track")
    if track is not None:
        check.text(track, "slug", "course.track", max_length=60)
        check.text(track, "name", "course.track", max_length=100)
    for m_index, module in enumerate(check.list(course, "modules", "course", min_length=1)):
        m_path = f"course.modules[{m_index}]"
        module = check.object(module, m_path)
        if module is None:
            continue
        check.text(module, "title", m_path, max_length=200)
        check.text(module, "summary", m_path, required=False)
        for l_index, lesson in enumerate(check.list(module, "lessons", m_path)):
            l_path = f"{m_path}.lessons[{l_index}]"
            lesson = check.object(lesson, l_path)
            if lesson is None:
                continue
            check.text(lesson, "title", l_path, max_length=200)
            check.choice(lesson, "kind", l_path, set(Lesson.Kind.values))
            check.text(lesson, "body", l_path, required=False)
            check.text(lesson, "video_url", l_path, required=False, max_length=500)
            video_url = lesson.get("video_url") or ""
            if isinstance(video_url, str) and video_url and not video_url.startswith(("http://", "https://")):
                check.problem(f"{l_path}.video_url", _("must start with http:// or https://"))
            check.integer(lesson, "duration_minutes", l_path, low=0, high=32767)
            check.boolean(lesson, "is_required", l_path)
        if module.get("quiz") is not None:
            _check_quiz(check, module["quiz"], f"{m_path}.quiz")
    if course.get("final_quiz") is not None:
        _check_quiz(check, course["final_quiz"], "course.final_quiz")
    return check.problems


# --- Import -----------------------------------------------------------------------------


def _free_slug(slug: str) -> str:
    """``slug``, or ``slug-2``, ``slug-3``… when taken."""
    taken = set(Course.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug[: 80 - len(str(number)) - 1]}-{number}"
    return candidate


def _create_quiz(data: dict, *, course: Course, module: Module | None) -> None:
    quiz = Quiz.objects.create(
        course=course,
        module=module,
        title=data["title"],
        pass_mark=data["pass_mark"],
        max_attempts=data.get("max_attempts"),
        shuffle=data.get("shuffle", False),
        show_answers=data.get("show_answers", Quiz.ShowAnswers.AFTER_LAST_ATTEMPT),
    )
    questions = Question.objects.bulk_create(
        [
            Question(
                quiz=quiz, order=order, text=q["text"], kind=q["kind"], explanation=q.get("explanation", "")
            )
            for order, q in enumerate(data["questions"], start=1)
        ]
    )
    Choice.objects.bulk_create(
        [
            Choice(question=question, order=order, text=c["text"], is_correct=c.get("is_correct", False))
            for question, q in zip(questions, data["questions"], strict=True)
            for order, c in enumerate(q["choices"], start=1)
        ]
    )


@transaction.atomic
def course_import(*, document: Any) -> Course:
    """Create a draft course from ``document``; its slug gets a suffix if taken.

    The whole document is checked first: on any problem CourseFileError lists them all and
    nothing is written. The track is matched by slug and created if missing.
    """
    problems = course_document_problems(document)
    if problems:
        raise CourseFileError(problems)
    data = document["course"]
    track, _created = Track.objects.get_or_create(
        slug=data["track"]["slug"], defaults={"name": data["track"]["name"]}
    )
    modes = set(data["delivery_modes"])
    course = Course.objects.create(
        track=track,
        slug=_free_slug(data["slug"]),
        title=data["title"],
        summary=data["summary"],
        description=data.get("description", ""),
        level=data["level"],
        language=data["language"],
        estimated_hours=data["estimated_hours"],
        offered_online=DeliveryMode.ONLINE in modes,
        offered_offline=DeliveryMode.OFFLINE in modes,
        offered_blended=DeliveryMode.BLENDED in modes,
        prerequisites=data.get("prerequisites", ""),
        status=Course.Status.DRAFT,
    )
    for order, module_data in enumerate(data["modules"], start=1):
        module = Module.objects.create(
            course=course, order=order, title=module_data["title"], summary=module_data.get("summary", "")
        )
        Lesson.objects.bulk_create(
            [
                Lesson(
                    module=module,
                    order=lesson_order,
                    title=lesson["title"],
                    kind=lesson["kind"],
                    body=lesson.get("body", ""),
                    body_html=render_markdown(lesson.get("body", "")),
                    video_url=lesson.get("video_url") or "",
                    duration_minutes=lesson["duration_minutes"],
                    is_required=lesson.get("is_required", True),
                )
                for lesson_order, lesson in enumerate(module_data["lessons"], start=1)
            ]
        )
        if module_data.get("quiz") is not None:
            _create_quiz(module_data["quiz"], course=course, module=module)
    if data.get("final_quiz") is not None:
        _create_quiz(data["final_quiz"], course=course, module=None)
    course_lessons_changed(course_ids=[course.pk])
    return course
