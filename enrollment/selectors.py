"""Reads for the learner's pages: the course player's outline and the dashboard.

Each read is a fixed number of queries, whatever the number of lessons or enrolments.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from counties.models import Announcement, ClassSession, Cohort, LearnerProfile
from courses.models import Course, Lesson, LessonAttachment, Module, Quiz

from .models import Certificate, Enrollment, QuizAttempt

Status = Enrollment.Status

UPCOMING_CLASS_DAYS = 14
MAX_UPCOMING_CLASSES = 10
MAX_ANNOUNCEMENTS = 5
MAX_CERTIFICATES = 20
MAX_SUGGESTIONS = 3
SUGGESTIONS_CACHE_SECONDS = 60


# --- The course player ------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Step:
    """One thing to do in a course: a lesson, or a quiz (a module's, or the final one).

    ``url`` is filled in by the view that shows the step; steps compare by identity."""

    pk: int
    title: str
    is_quiz: bool = False
    done: bool = False
    url: str = ""


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


def player_enrollments(user: User) -> QuerySet[Enrollment]:
    """The learner's own enrolments with their course (archived courses too: an enrolment
    keeps granting access to what the learner started): what the player's pages show of them.
    The services lock and read the enrolment row afresh."""
    return (
        Enrollment.objects.for_learner(user)
        .select_related("course")
        .only("status", "progress_percent", "last_lesson_id", "course__slug", "course__title")
    )


def course_outline(*, enrollment: Enrollment) -> Outline:
    """The outline of the enrolment's course, with what the learner has done (2 queries:
    modules with their lessons, quizzes). Only ids and titles are read."""
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
        .alias(
            mine=FilteredRelation(
                "attempts", condition=Q(attempts__enrollment=enrollment, attempts__passed=True)
            )
        )
        .order_by()
        .values_list("module_id", "pk", "title", "mine__pk")
    )
    module_quizzes: dict[int | None, Step] = {}
    for module_id, pk, title, passed_attempt in quizzes:
        # One row per passed attempt (or one without): a quiz is done once any attempt passed.
        step = module_quizzes.setdefault(module_id, Step(pk=pk, title=title, is_quiz=True))
        step.done = step.done or passed_attempt is not None
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
    """One lesson of the enrolment's course with its body and, as ``attachment_list``, its
    attachments (1 query: a row per attachment)."""
    rows = list(
        Lesson.objects.filter(pk=lesson_id, module__course_id=enrollment.course_id)
        .only("title", "kind", "body_html", "video_file", "video_url", "duration_minutes", "is_required")
        .annotate(
            attachment_id=F("attachments__pk"),
            attachment_title=F("attachments__title"),
            attachment_file=F("attachments__file"),
        )
        .order_by("attachments__pk")
    )
    if not rows:
        return None
    lesson = rows[0]
    lesson.attachment_list = [
        LessonAttachment(
            pk=row.attachment_id, lesson_id=lesson.pk, title=row.attachment_title, file=row.attachment_file
        )
        for row in rows
        if row.attachment_id is not None
    ]
    return lesson


def lesson_to_complete(*, enrollment: Enrollment, lesson_id: int) -> Lesson | None:
    """A lesson of the enrolment's course with its module, as lesson_complete needs it."""
    return (
        Lesson.objects.filter(pk=lesson_id, module__course_id=enrollment.course_id)
        .select_related("module")
        .only("module__course")
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
    and, when asked for, each attempt by number."""

    made: int = 0
    best: AttemptScore | None = None
    by_number: dict[int, QuizAttempt] = field(default_factory=dict)


def player_quiz(
    *, enrollment: Enrollment, quiz_id: int, with_answers: bool = False
) -> tuple[Quiz, QuizAttempts] | tuple[None, None]:
    """A quiz of the enrolment's course and the learner's attempts at it (1 query: a row per
    attempt). ``with_answers`` also reads each attempt's answers, for the result page."""
    fields = {"attempt_number": F("mine__number"), "attempt_score": F("mine__score")}
    if with_answers:
        fields |= {"attempt_passed": F("mine__passed"), "attempt_answers": F("mine__answers")}
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

# Current enrolments first: studying, then waiting for approval, then completed; then the rest.
_STATUS_RANK = {Status.ACTIVE: 0, Status.APPLIED: 1, Status.COMPLETED: 2}


@dataclass(eq=False, slots=True)
class DashboardItem:
    """One of the learner's enrolments as the dashboard shows it, with its course, cohort,
    certificate and (for a studying one, see dashboard_next_steps) next step. The links are
    filled in by the view."""

    pk: int
    course_id: int
    status: str
    progress_percent: int
    completed_at: datetime.datetime | None
    last_activity_at: datetime.datetime | None
    enrolled_at: datetime.datetime
    course_slug: str
    course_title: str
    course_status: str
    cohort_id: int | None
    cohort_name: str | None
    min_attendance_percent: int | None
    certificate_status: str | None
    certificate_code: str | None
    certificate_created_at: datetime.datetime | None
    next_lesson_id: int | None = None
    next_lesson_title: str = ""
    final_quiz_id: int | None = None
    final_quiz_passed: bool = False
    final_best_score: int | None = None
    url: str = ""
    next_url: str = ""
    enrol_url: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in (Status.ACTIVE, Status.COMPLETED)

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def course_is_open_for_enrolment(self) -> bool:
        return self.course_status == Course.Status.PUBLISHED

    @property
    def certificate_status_label(self) -> str:
        return Certificate.Status(self.certificate_status).label


_ITEM_COLUMNS = (
    "pk",
    "course_id",
    "status",
    "progress_percent",
    "completed_at",
    "last_activity_at",
    "enrolled_at",
    "course__slug",
    "course__title",
    "course__status",
    "cohort_id",
    "cohort__name",
    "cohort__min_attendance_percent",
    "certificate__status",
    "certificate__verification_code",
    "certificate__created_at",
)


def _dashboard_order(item: DashboardItem) -> tuple:
    activity = item.last_activity_at
    return (
        _STATUS_RANK.get(item.status, len(_STATUS_RANK)),
        activity is None,
        -activity.timestamp() if activity is not None else 0.0,
        -item.enrolled_at.timestamp(),
        item.pk,
    )


def learner_enrollments(*, learner: User) -> list[DashboardItem]:
    """All the learner's enrolments with their course, cohort and certificate, current ones
    first, then by last activity (1 query).

    A learner has a handful of enrolments (one per course at most): they are read whole and
    paged by the view, which also gives the dashboard the learner's cohorts and certificates
    without queries of their own."""
    rows = Enrollment.objects.for_learner(learner).order_by().values_list(*_ITEM_COLUMNS)
    return sorted((DashboardItem(*row) for row in rows), key=_dashboard_order)


def dashboard_next_steps(*, items: list[DashboardItem]) -> None:
    """Fill in the next step of each studying enrolment among ``items``: its first unfinished
    lesson in course order, and its course's final quiz with whether the learner passed it
    and their best score (2 queries; none if no enrolment in ``items`` is active)."""
    active = {item.pk: item for item in items if item.status == Status.ACTIVE}
    if not active:
        return
    by_course = {item.course_id: item for item in active.values()}
    # A learner has one enrolment per course: their progress in a lesson, and their attempts
    # at a course's final quiz, are those of their enrolment in its course.
    unfinished = (
        Lesson.objects.filter(module__course_id__in=list(by_course))
        .alias(mine=FilteredRelation("progress", condition=Q(progress__enrollment__in=list(active))))
        .filter(mine__isnull=True)
        .order_by("module__course_id", "module__order", "order")
        .values_list("module__course_id", "pk", "title")
    )
    for course_id, lesson_id, title in unfinished:
        item = by_course[course_id]
        if item.next_lesson_id is None:
            item.next_lesson_id, item.next_lesson_title = lesson_id, title
    final_quizzes = (
        Quiz.objects.filter(course_id__in=list(by_course), module__isnull=True)
        .alias(mine=FilteredRelation("attempts", condition=Q(attempts__enrollment__in=list(active))))
        .order_by()
        .values_list("course_id", "pk", "mine__score", "mine__passed")
    )
    for course_id, quiz_id, score, passed in final_quizzes:
        item = by_course[course_id]
        item.final_quiz_id = quiz_id
        if score is not None:
            item.final_best_score = max(score, item.final_best_score or 0)
            item.final_quiz_passed = item.final_quiz_passed or passed


def learner_certificates(*, items: list[DashboardItem]) -> list[DashboardItem]:
    """The enrolments among ``items`` that have a certificate, newest certificate first."""
    with_certificate = [item for item in items if item.certificate_status is not None]
    with_certificate.sort(key=lambda item: item.certificate_created_at, reverse=True)
    return with_certificate[:MAX_CERTIFICATES]


def learner_cohort_ids(*, items: list[DashboardItem], statuses: tuple[str, ...]) -> list[int]:
    """The cohorts of the enrolments among ``items`` in one of ``statuses``."""
    return [item.cohort_id for item in items if item.cohort_id is not None and item.status in statuses]


def upcoming_class_sessions(*, cohort_ids: list[int], today: datetime.date | None = None) -> list[dict]:
    """Offline classes of these cohorts in the next two weeks (no query without a cohort)."""
    if not cohort_ids:
        return []
    today = today or timezone.localdate()
    return list(
        ClassSession.objects.filter(
            cohort_id__in=cohort_ids,
            date__gte=today,
            date__lte=today + datetime.timedelta(days=UPCOMING_CLASS_DAYS),
        )
        .order_by("date", "start_time")
        .values("date", "start_time", "end_time", "topic", "place", "cohort__name")[:MAX_UPCOMING_CLASSES]
    )


def learner_announcements(*, cohort_ids: list[int]) -> list[dict]:
    """The latest announcements to these cohorts (no query without a cohort)."""
    if not cohort_ids:
        return []
    return list(
        Announcement.objects.filter(cohort_id__in=cohort_ids)
        .order_by("-created_at")
        .values("title", "body", "created_at", "cohort__name")[:MAX_ANNOUNCEMENTS]
    )


def course_suggestions(*, learner: User, enrolled_course_ids: list[int]) -> list[dict]:
    """Published courses with a class open for joining in the learner's county that they are
    not enrolled in (none for a user without a county).

    What a county offers is the same for all its learners: it is read once a minute per county
    (SUGGESTIONS_CACHE_SECONDS) and the learner's own courses are left out here."""
    county_id = LearnerProfile.objects.filter(user=learner).values_list("county_id", flat=True).first()
    if county_id is None:
        return []
    today = timezone.localdate()
    key = f"course-suggestions:{county_id}:{today.isoformat()}"
    offered = cache.get(key)
    if offered is None:
        cohorts_nearby = Cohort.objects.upcoming(today).filter(course=OuterRef("pk"), county_id=county_id)
        offered = list(
            Course.objects.published()
            .filter(Exists(cohorts_nearby))
            .order_by("-published_at", "title")
            .values("pk", "slug", "title", "summary", "track__name")
        )
        cache.set(key, offered, SUGGESTIONS_CACHE_SECONDS)
    enrolled = set(enrolled_course_ids)
    return [course for course in offered if course["pk"] not in enrolled][:MAX_SUGGESTIONS]
