"""Reads for the learner's pages: the course player's outline and the dashboard.

Each read is a fixed number of queries, whatever the number of lessons or enrolments.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from counties.models import Announcement, ClassSession, Cohort
from courses.models import Course, Lesson, Module, Quiz

from .models import Certificate, Enrollment, LessonProgress, QuizAttempt

Status = Enrollment.Status

UPCOMING_CLASS_DAYS = 14
MAX_UPCOMING_CLASSES = 10
MAX_ANNOUNCEMENTS = 5
MAX_CERTIFICATES = 20
MAX_SUGGESTIONS = 3


# --- The course player ------------------------------------------------------------------


@dataclass
class Step:
    """One thing to do in a course: a lesson, or a quiz (a module's, or the final one)."""

    lesson: Lesson | None = None
    quiz: Quiz | None = None
    done: bool = False

    @property
    def is_quiz(self) -> bool:
        return self.quiz is not None

    @property
    def pk(self) -> int:
        return self.quiz.pk if self.quiz is not None else self.lesson.pk

    @property
    def title(self) -> str:
        return self.quiz.title if self.quiz is not None else self.lesson.title


@dataclass
class Outline:
    """A course as the learner walks through it: modules with their steps, then the final quiz."""

    modules: list[tuple[Module, list[Step]]]
    final: Step | None
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.steps = [step for _module, steps in self.modules for step in steps]
        if self.final is not None:
            self.steps.append(self.final)

    def find(self, *, lesson_id: int | None = None, quiz_id: int | None = None) -> int | None:
        """The position of a lesson or quiz among the steps (None if not in this course)."""
        for index, step in enumerate(self.steps):
            if lesson_id is not None and step.lesson is not None and step.lesson.pk == lesson_id:
                return index
            if quiz_id is not None and step.quiz is not None and step.quiz.pk == quiz_id:
                return index
        return None

    def neighbours(self, index: int) -> tuple[Step | None, Step | None]:
        previous = self.steps[index - 1] if index > 0 else None
        following = self.steps[index + 1] if index + 1 < len(self.steps) else None
        return previous, following

    def resume(self, *, last_lesson_id: int | None) -> Step | None:
        """Where the learner carries on: the first unfinished step after the last lesson they
        completed, else the first unfinished step, else the last lesson they completed."""
        start = self.find(lesson_id=last_lesson_id) if last_lesson_id else None
        if start is not None:
            for step in self.steps[start:]:
                if not step.done:
                    return step
        for step in self.steps:
            if not step.done:
                return step
        if start is not None:
            return self.steps[start]
        return self.steps[0] if self.steps else None

    @property
    def lesson_count(self) -> int:
        return sum(1 for step in self.steps if not step.is_quiz)


def player_enrollments(user: User) -> QuerySet[Enrollment]:
    """The learner's own enrolments with their course (archived courses too: an enrolment
    keeps granting access to what the learner started)."""
    return Enrollment.objects.for_learner(user).select_related("course", "cohort")


def course_outline(*, enrollment: Enrollment) -> Outline:
    """The outline of the enrolment's course, with what the learner has done (3 queries:
    modules, lessons, quizzes). Lesson bodies are not loaded."""
    lesson_done = LessonProgress.objects.filter(enrollment=enrollment, lesson=OuterRef("pk"))
    lessons = Lesson.objects.defer("body", "body_html").annotate(done=Exists(lesson_done)).order_by("order")
    modules = Module.objects.filter(course_id=enrollment.course_id).order_by("order")
    modules = modules.prefetch_related(Prefetch("lessons", queryset=lessons))
    attempts = QuizAttempt.objects.filter(enrollment=enrollment, quiz=OuterRef("pk"))
    quizzes = Quiz.objects.filter(course_id=enrollment.course_id).annotate(
        passed=Exists(attempts.filter(passed=True)),
        best_score=Subquery(attempts.order_by("-score").values("score")[:1]),
    )
    module_quizzes = {}
    final = None
    for quiz in quizzes:
        if quiz.module_id is None:
            final = Step(quiz=quiz, done=quiz.passed)
        else:
            module_quizzes[quiz.module_id] = Step(quiz=quiz, done=quiz.passed)
    outline = []
    for module in modules:
        steps = [Step(lesson=lesson, done=lesson.done) for lesson in module.lessons.all()]
        if module.pk in module_quizzes:
            steps.append(module_quizzes[module.pk])
        outline.append((module, steps))
    return Outline(modules=outline, final=final)


def player_lesson(*, enrollment: Enrollment, lesson_id: int) -> Lesson | None:
    """One lesson of the enrolment's course with its body and attachments (2 queries)."""
    return (
        Lesson.objects.filter(pk=lesson_id, module__course_id=enrollment.course_id)
        .prefetch_related("attachments")
        .first()
    )


def quiz_attempt_summary(*, enrollment: Enrollment, quiz: Quiz) -> tuple[int, QuizAttempt | None]:
    """How many attempts the learner made at ``quiz`` and their best one (2 queries)."""
    attempts = QuizAttempt.objects.filter(enrollment=enrollment, quiz=quiz)
    return attempts.count(), attempts.order_by("-score", "number").first()


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


# --- The dashboard ----------------------------------------------------------------------


def dashboard_enrollments(*, learner: User) -> QuerySet[Enrollment]:
    """The learner's enrolments, current ones first, each with its course, cohort, certificate
    and next step: the first unfinished lesson (id and title), else the final quiz if not
    passed yet. One query per page, whatever the number of courses and lessons."""
    lesson_done = LessonProgress.objects.filter(enrollment=OuterRef(OuterRef("pk")), lesson=OuterRef("pk"))
    next_lesson = (
        Lesson.objects.filter(module__course=OuterRef("course"))
        .exclude(Exists(lesson_done))
        .order_by("module__order", "order")
    )
    final_quiz = Quiz.objects.filter(course=OuterRef("course"), module__isnull=True)
    final_attempts = QuizAttempt.objects.filter(enrollment=OuterRef("pk"), quiz__module__isnull=True)
    return (
        Enrollment.objects.for_learner(learner)
        .select_related("course", "cohort", "certificate")
        .annotate(
            next_lesson_id=Subquery(next_lesson.values("pk")[:1]),
            next_lesson_title=Subquery(next_lesson.values("title")[:1]),
            final_quiz_id=Subquery(final_quiz.values("pk")[:1]),
            final_quiz_passed=Exists(final_attempts.filter(passed=True)),
            final_best_score=Subquery(final_attempts.order_by("-score").values("score")[:1]),
            rank=Case(
                When(status=Status.ACTIVE, then=Value(0)),
                When(status=Status.APPLIED, then=Value(1)),
                When(status=Status.COMPLETED, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            ),
        )
        .order_by("rank", F("last_activity_at").desc(nulls_last=True), "-enrolled_at", "pk")
    )


def upcoming_class_sessions(*, learner: User, today: datetime.date | None = None) -> QuerySet[ClassSession]:
    """Offline classes of the learner's cohorts in the next two weeks."""
    today = today or timezone.localdate()
    return (
        ClassSession.objects.filter(
            cohort__enrollments__learner=learner,
            cohort__enrollments__status__in=[Status.APPLIED, Status.ACTIVE],
            date__gte=today,
            date__lte=today + datetime.timedelta(days=UPCOMING_CLASS_DAYS),
        )
        .select_related("cohort")
        .order_by("date", "start_time")[:MAX_UPCOMING_CLASSES]
    )


def learner_announcements(*, learner: User) -> QuerySet[Announcement]:
    """The latest announcements of the coordinators of the learner's cohorts."""
    return (
        Announcement.objects.filter(
            cohort__enrollments__learner=learner, cohort__enrollments__status__in=Enrollment.HOLDING_A_PLACE
        )
        .select_related("cohort")
        .order_by("-created_at")[:MAX_ANNOUNCEMENTS]
    )


def learner_certificates(*, learner: User) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(enrollment__learner=learner)
        .select_related("enrollment__course")
        .order_by("-created_at")[:MAX_CERTIFICATES]
    )


def course_suggestions(*, learner: User) -> QuerySet[Course]:
    """Published courses with a class open for joining in the learner's county that they are
    not enrolled in (none for a user without a county)."""
    cohorts_nearby = Cohort.objects.upcoming().filter(
        course=OuterRef("pk"), county__learner_profiles__user=learner
    )
    enrolled = Enrollment.objects.filter(learner=learner, course=OuterRef("pk"))
    return (
        Course.objects.published()
        .filter(Exists(cohorts_nearby))
        .exclude(Exists(enrolled))
        .select_related("track")
        .defer("description", "prerequisites")
        .order_by("-published_at", "title")[:MAX_SUGGESTIONS]
    )
