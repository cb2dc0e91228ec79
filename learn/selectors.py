"""Reads for the learner's dashboard: enrolments with their certificates and next steps,
upcoming classes, announcements and suggestions. Each is a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from counties.models import Announcement, Attendance, ClassSession, Cohort, LearnerProfile
from courses.models import Course, Lesson, Quiz
from enrollment.models import Enrollment

Status = Enrollment.Status

UPCOMING_CLASS_DAYS = 14
MAX_UPCOMING_CLASSES = 10
MAX_ANNOUNCEMENTS = 5
MAX_CERTIFICATES = 20
MAX_SUGGESTIONS = 3
SUGGESTIONS_CACHE_SECONDS = 60


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
    # For a studying enrolment in a cohort with a minimum attendance (see dashboard_attendance).
    classes_present: int | None = None
    classes_counted: int | None = None
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
    def attendance_percent(self) -> int | None:
        if not self.classes_counted:
            return None
        return self.classes_present * 100 // self.classes_counted

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


def dashboard_attendance(*, learner: User, items: list[DashboardItem]) -> None:
    """Fill in the attendance of each studying enrolment among ``items`` whose cohort sets a
    minimum: classes attended and classes counted so far, counted like the completion rule
    (counties.selectors.attendance_percent: the days before today, and today's class once its
    roll call is taken). 1 query; none if no such enrolment."""
    by_cohort = {
        item.cohort_id: item
        for item in items
        if item.status == Status.ACTIVE and item.cohort_id is not None and item.min_attendance_percent
    }
    if not by_cohort:
        return
    for item in by_cohort.values():
        item.classes_present, item.classes_counted = 0, 0
    today = timezone.localdate()
    roll_call_taken = Exists(Attendance.objects.filter(session=OuterRef("pk")))
    counts = (
        ClassSession.objects.filter(cohort_id__in=list(by_cohort))
        .filter(Q(date__lt=today) | Q(roll_call_taken, date=today))
        .alias(mine=FilteredRelation("attendances", condition=Q(attendances__learner=learner)))
        .values("cohort_id")
        .annotate(
            held=Count("pk"),
            present=Count("pk", filter=Q(mine__status=Attendance.Status.PRESENT)),
            excused=Count("pk", filter=Q(mine__status=Attendance.Status.EXCUSED)),
        )
        .order_by()
        .values_list("cohort_id", "held", "present", "excused")
    )
    for cohort_id, held, present, excused in counts:
        item = by_cohort[cohort_id]
        item.classes_present, item.classes_counted = present, held - excused


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
