"""Reads of a learner's study: the course player's outline, lessons and quizzes, cohort places.

Each read is a fixed number of queries, whatever the number of lessons or enrolments.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import Attendance, ClassSession, Cohort
from courses.models import Lesson, LessonAttachment, Module, Quiz

from .models import Enrollment, QuizAttempt

Status = Enrollment.Status


# --- The course player ------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Step:
    """One thing to do in a course: a lesson, or a quiz (a module's, or the final one).

    A quiz is ``done`` once an attempt passed, and ``closed`` when it is not and no attempt is
    left. ``url`` is filled in by the view that shows the step; steps compare by identity."""

    pk: int
    title: str
    is_quiz: bool = False
    done: bool = False
    closed: bool = False
    url: str = ""

    @property
    def to_do(self) -> bool:
        return not (self.done or self.closed)


@dataclass
class Outline:
    """A course as the learner walks through it: modules (title, steps), then the final quiz."""

    modules: list[tuple[str, list[Step]]]
    final: Step | None
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.steps = [step for _title, steps in self.modules for step in steps]
        if self.final is not None:
            self.steps.append(self.final)

    def find(self, *, lesson_id: int | None = None, quiz_id: int | None = None) -> int | None:
        """The position of a lesson or quiz among the steps (None if not in this course)."""
        for index, step in enumerate(self.steps):
            if step.is_quiz:
                if step.pk == quiz_id:
                    return index
            elif step.pk == lesson_id:
                return index
        return None

    def neighbours(self, index: int) -> tuple[Step | None, Step | None]:
        previous = self.steps[index - 1] if index > 0 else None
        following = self.steps[index + 1] if index + 1 < len(self.steps) else None
        return previous, following

    def resume(self, *, last_lesson_id: int | None) -> Step | None:
        """Where the learner carries on: the first step still to do after the last lesson they
        completed, else the first step still to do; None when nothing is left to do (the
        course page then says what, if anything, the certificate still needs)."""
        start = self.find(lesson_id=last_lesson_id) if last_lesson_id else None
        if start is not None:
            for step in self.steps[start:]:
                if step.to_do:
                    return step
        for step in self.steps:
            if step.to_do:
                return step
        return None

    def following(self, index: int) -> Step | None:
        """The step "continue" leads to from the step at ``index``: the next one in order,
        passing over quizzes already passed or closed (a learner reading on is not sent to
        retake them)."""
        for step in self.steps[index + 1 :]:
            if not step.is_quiz or step.to_do:
                return step
        return None


def player_enrollments(user: User) -> QuerySet[Enrollment]:
    """The learner's own enrolments with their course and cohort (archived courses too: an
    enrolment keeps granting access to what the learner started): what the player's pages show
    of them. The services lock and read the enrolment row afresh."""
    return (
        Enrollment.objects.for_learner(user)
        .select_related("course", "cohort")
        .only(
            "learner_id",
            "status",
            "progress_percent",
            "last_lesson_id",
            "course__slug",
            "course__title",
            "course__requires_final_exam",
            "final_exam_passed_at",
            "cohort__name",
            "cohort__min_attendance_percent",
        )
    )


def course_outline(*, enrollment: Enrollment) -> Outline:
    """The outline of the enrolment's course, with what the learner has done (2 queries:
    modules with their lessons, quizzes with the learner's attempts counted). Only ids and
    titles are read."""
    lessons = (
        Module.objects.filter(course_id=enrollment.course_id)
        .alias(
            mine=FilteredRelation("lessons__progress", condition=Q(lessons__progress__enrollment=enrollment))
        )
        .order_by("order", "lessons__order")
        .values_list("pk", "title", "lessons__pk", "lessons__title", "mine__pk")
    )
    quizzes = (
        Quiz.objects.filter(course_id=enrollment.course_id)
        .alias(mine=FilteredRelation("attempts", condition=Q(attempts__enrollment=enrollment)))
        .values("module_id", "pk", "title", "max_attempts")
        .annotate(made=Count("mine__pk"), passed=Count("mine__pk", filter=Q(mine__passed=True)))
        .order_by()
        .values_list("module_id", "pk", "title", "max_attempts", "made", "passed")
    )
    module_quizzes: dict[int | None, Step] = {}
    for module_id, pk, title, max_attempts, made, passed in quizzes:
        closed = not passed and max_attempts is not None and made >= max_attempts
        module_quizzes[module_id] = Step(pk=pk, title=title, is_quiz=True, done=passed > 0, closed=closed)
    modules: list[tuple[str, list[Step]]] = []
    current = None
    for module_id, module_title, lesson_id, lesson_title, progress_id in lessons:
        if module_id != current:
            if current is not None and current in module_quizzes:
                modules[-1][1].append(module_quizzes[current])
            current = module_id
            modules.append((module_title, []))
        if lesson_id is not None:
            modules[-1][1].append(Step(pk=lesson_id, title=lesson_title, done=progress_id is not None))
    if current is not None and current in module_quizzes:
        modules[-1][1].append(module_quizzes[current])
    return Outline(modules=modules, final=module_quizzes.get(None))


def player_lesson(*, enrollment: Enrollment, lesson_id: int) -> Lesson | None:
    """One lesson of the enrolment's course with its body, its uploaded video's size (and
    ``video_is_heavy``) and, as ``attachment_list``, its attachments with their size and
    ``file_type`` (1 query: a row per attachment)."""
    rows = list(
        Lesson.objects.filter(pk=lesson_id, module__course_id=enrollment.course_id)
        .only(
            "title",
            "kind",
            "body_html",
            "video_file",
            "video_size",
            "video_url",
            "duration_minutes",
            "is_required",
        )
        .annotate(
            attachment_id=F("attachments__pk"),
            attachment_title=F("attachments__title"),
            attachment_file=F("attachments__file"),
            attachment_size=F("attachments__size"),
        )
        .order_by("attachments__pk")
    )
    if not rows:
        return None
    lesson = rows[0]
    lesson.video_is_heavy = bool(lesson.video_file) and lesson.video_size > HEAVY_VIDEO_BYTES
    lesson.attachment_list = []
    for row in rows:
        if row.attachment_id is None:
            continue
        attachment = LessonAttachment(
            pk=row.attachment_id,
            lesson_id=lesson.pk,
            title=row.attachment_title,
            file=row.attachment_file,
            size=row.attachment_size,
        )
        attachment.file_type = _file_type(row.attachment_file)
        lesson.attachment_list.append(attachment)
    return lesson


# An uploaded video above 300 KB is heavy for a 2G/3G link: the lesson page says "download on
# Wi-Fi" beside its size, as the studio does for the same video (studio.selectors.HEAVY_BYTES).
HEAVY_VIDEO_BYTES = 300 * 1024


def _file_type(name: str) -> str:
    """What a learner's phone opens the file with, by its extension: "PDF", "DOCX" ("" if none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].upper()[:8] if "." in base else ""


def lesson_to_complete(*, enrollment: Enrollment, lesson_id: int) -> Lesson | None:
    """A lesson of the enrolment's course with its module, as lesson_complete needs it."""
    return (
        Lesson.objects.filter(pk=lesson_id, module__course_id=enrollment.course_id)
        .select_related("module")
        .only("kind", "module__course")
        .order_by("pk")
        .first()
    )


@dataclass(frozen=True, slots=True)
class AttemptScore:
    number: int
    score: int


@dataclass
class QuizAttempts:
    """The learner's attempts at a quiz: how many, the best (highest score, then earliest),
    whether any passed, and, when asked for, each attempt by number."""

    made: int = 0
    best: AttemptScore | None = None
    passed: bool = False
    by_number: dict[int, QuizAttempt] = field(default_factory=dict)


def player_quiz(
    *, enrollment: Enrollment, quiz_id: int, with_answers: bool = False
) -> tuple[Quiz, QuizAttempts] | tuple[None, None]:
    """A quiz of the enrolment's course and the learner's attempts at it (1 query: a row per
    attempt). ``with_answers`` also reads each attempt's answers, for the result page."""
    fields = {
        "attempt_number": F("mine__number"),
        "attempt_score": F("mine__score"),
        "attempt_passed": F("mine__passed"),
    }
    if with_answers:
        fields["attempt_answers"] = F("mine__answers")
    rows = list(
        Quiz.objects.filter(pk=quiz_id, course_id=enrollment.course_id)
        .alias(mine=FilteredRelation("attempts", condition=Q(attempts__enrollment=enrollment)))
        .annotate(**fields)
        .order_by(F("mine__score").desc(nulls_last=True), "mine__number")
    )
    if not rows:
        return None, None
    quiz = rows[0]
    attempts = QuizAttempts()
    for row in rows:
        if row.attempt_number is None:
            continue
        attempts.made += 1
        attempts.passed = attempts.passed or row.attempt_passed
        if attempts.best is None:
            attempts.best = AttemptScore(number=row.attempt_number, score=row.attempt_score)
        if with_answers:
            attempts.by_number[row.attempt_number] = QuizAttempt(
                enrollment_id=enrollment.pk,
                quiz_id=quiz.pk,
                number=row.attempt_number,
                score=row.attempt_score,
                passed=row.attempt_passed,
                answers=row.attempt_answers,
            )
    return quiz, attempts


# --- A learner's attendance -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassRecord:
    """One offline class of the learner's cohort held so far, and their attendance at it
    (``status`` None: nothing recorded for them)."""

    date: datetime.date
    start_time: datetime.time
    topic: str
    place: str
    status: str | None

    @property
    def status_label(self) -> str:
        return Attendance.Status(self.status).label if self.status else _("Not recorded")


@dataclass
class LearnerAttendance:
    """A learner's attendance in their cohort, counted like counties.selectors.attendance_percent
    (the completion rule; a test holds the two together): the classes held so far (those of the
    days before today, and today's once its roll call is taken), a class held without a record
    for the learner missed, excused absences counting neither for nor against."""

    required_percent: int
    held: list[ClassRecord]
    upcoming: int

    @property
    def matters(self) -> bool:
        """Whether there is anything to show: classes held or planned, or a minimum to meet."""
        return bool(self.held or self.upcoming or self.required_percent)

    @property
    def present(self) -> int:
        return sum(record.status == Attendance.Status.PRESENT for record in self.held)

    @property
    def excused(self) -> int:
        return sum(record.status == Attendance.Status.EXCUSED for record in self.held)

    @property
    def counted(self) -> int:
        return sum(record.status != Attendance.Status.EXCUSED for record in self.held)

    @property
    def percent(self) -> int | None:
        return self.present * 100 // self.counted if self.counted > 0 else None

    @property
    def is_met(self) -> bool:
        percent = self.percent
        return not self.required_percent or (percent is not None and percent >= self.required_percent)

    @property
    def classes_still_needed(self) -> int | None:
        """How many of the classes still planned the learner must attend to reach the minimum
        (0 when it is met; None when even all of them would not be enough)."""
        if self.is_met:
            return 0
        for needed in range(1, self.upcoming + 1):
            if (self.present + needed) * 100 // (self.counted + self.upcoming) >= self.required_percent:
                return needed
        return None


def learner_attendance(
    *, enrollment: Enrollment, today: datetime.date | None = None
) -> LearnerAttendance | None:
    """The learner's attendance in the enrolment's cohort (1 query; none for a self-paced
    enrolment, which has no attendance). ``enrollment`` needs ``cohort`` loaded."""
    if enrollment.cohort_id is None:
        return None
    today = today or timezone.localdate()
    rows = (
        ClassSession.objects.filter(cohort_id=enrollment.cohort_id)
        .alias(
            mine=FilteredRelation("attendances", condition=Q(attendances__learner_id=enrollment.learner_id))
        )
        .annotate(roll_call_taken=Exists(Attendance.objects.filter(session=OuterRef("pk"))))
        .order_by("date", "start_time", "pk")
        .values_list("date", "start_time", "topic", "place", "roll_call_taken", "mine__status")
    )
    held, upcoming = [], 0
    for date, start_time, topic, place, roll_call_taken, status in rows:
        if date < today or (date == today and roll_call_taken):
            held.append(
                ClassRecord(date=date, start_time=start_time, topic=topic, place=place, status=status)
            )
        else:
            upcoming += 1
    return LearnerAttendance(
        required_percent=enrollment.cohort.min_attendance_percent, held=held, upcoming=upcoming
    )


# --- Joining a cohort -------------------------------------------------------------------


def cohort_seats_left(*, cohort: Cohort) -> int:
    return max(0, cohort.capacity - cohort.enrollments.current().count())


def cohort_is_joinable(*, cohort: Cohort) -> bool:
    """Whether the cohort still takes learners (dates and status; seats are counted apart)."""
    return (
        cohort.status in (Cohort.Status.OPEN, Cohort.Status.RUNNING)
        and cohort.end_date >= timezone.localdate()
        and cohort.course.is_open_for_enrolment
    )
