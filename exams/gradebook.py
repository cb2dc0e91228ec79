"""Reads for the coordinator's exam pages: a cohort's exams with their figures
(``cohort_exam_summaries``), the gradebook of one cohort and exam (``gradebook_rows``) and its
export columns (``GRADEBOOK_COLUMNS``, one line per attempt).

Every read is scoped by the cohort it is given (the caller has checked that the user manages it)
and takes a fixed number of queries, whatever the number of learners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from counties.models import Cohort
from enrollment.models import Enrollment

from .marking import answers_to_mark
from .models import Exam, ExamAttempt, ExamException, ExamRoom, ExamWindow
from .policy import attempt_percent, counted_attempt

# The learners an exam page counts: those studying in the class or having completed it.
CLASS_LEARNER_STATUSES = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)


# --- a cohort's exams ----------------------------------------------------------------------------


@dataclass
class ExamSummary:
    """One published exam of the cohort's course, for the cohort: its window (None: the exam's
    own applies), how many learners have not started, have an attempt in progress, have
    submitted one, have one awaiting marking and have passed one, the short answers waiting for
    marking and the exam rooms open in the cohort's sessions."""

    exam: Exam
    window: ExamWindow | None = None
    learners: int = 0
    not_started: int = 0
    in_progress: int = 0
    submitted: int = 0
    awaiting_marking: int = 0
    passed: int = 0
    answers_to_mark: int = 0
    rooms: list[ExamRoom] = field(default_factory=list)


def cohort_exams(cohort: Cohort):
    """The published exams of the cohort's course in the outline's order (the final exam first
    among those the studio never ordered)."""
    return Exam.objects.filter(course_id=cohort.course_id, status=Exam.Status.PUBLISHED).order_by(
        "position", "-is_final", "title", "pk"
    )


def cohort_exam_summaries(*, cohort: Cohort) -> list[ExamSummary]:
    """Every published exam of the cohort's course with its figures for the cohort (see
    ExamSummary). Six queries, whatever the number of exams and learners."""
    summaries = {exam.pk: ExamSummary(exam=exam) for exam in cohort_exams(cohort)}
    if not summaries:
        return []
    learners = Enrollment.objects.filter(cohort=cohort, status__in=CLASS_LEARNER_STATUSES).count()
    learner = "enrollment_id"
    counts = (
        ExamAttempt.objects.filter(
            exam_id__in=list(summaries),
            enrollment__cohort=cohort,
            enrollment__status__in=CLASS_LEARNER_STATUSES,
        )
        .values("exam_id")
        .annotate(
            started=Count(learner, distinct=True),
            in_progress=Count(learner, distinct=True, filter=Q(submitted_at__isnull=True)),
            submitted=Count(learner, distinct=True, filter=Q(submitted_at__isnull=False)),
            awaiting_marking=Count(
                learner, distinct=True, filter=Q(submitted_at__isnull=False, passed__isnull=True)
            ),
            passed=Count(learner, distinct=True, filter=Q(passed=True)),
        )
    )
    for summary in summaries.values():
        summary.learners = summary.not_started = learners
    for row in counts:
        summary = summaries[row["exam_id"]]
        summary.not_started = learners - row["started"]
        for name in ("in_progress", "submitted", "awaiting_marking", "passed"):
            setattr(summary, name, row[name])
    waiting = (
        answers_to_mark(cohort=cohort)
        .filter(attempt__exam_id__in=list(summaries))
        .order_by()
        .values("attempt__exam_id")
        .annotate(count=Count("pk"))
    )
    for row in waiting:
        summaries[row["attempt__exam_id"]].answers_to_mark = row["count"]
    for window in ExamWindow.objects.filter(cohort=cohort, exam_id__in=list(summaries)):
        summaries[window.exam_id].window = window
    for room in (
        ExamRoom.objects.filter(session__cohort=cohort, exam_id__in=list(summaries), closed_at__isnull=True)
        .select_related("session")
        .order_by("opened_at", "pk")
    ):
        summaries[room.exam_id].rooms.append(room)
    return list(summaries.values())


# --- the gradebook -------------------------------------------------------------------------------


class AttemptState:
    IN_PROGRESS = "in_progress"
    AWAITING_MARKING = "awaiting_marking"
    PASSED = "passed"
    FAILED = "failed"


STATE_LABELS = {
    AttemptState.IN_PROGRESS: gettext_lazy("In progress"),
    AttemptState.AWAITING_MARKING: gettext_lazy("Awaiting marking"),
    AttemptState.PASSED: gettext_lazy("Passed"),
    AttemptState.FAILED: gettext_lazy("Not passed"),
}


def attempt_state(attempt: ExamAttempt) -> str:
    """In progress, awaiting marking, passed or not passed (see AttemptState)."""
    if attempt.submitted_at is None:
        return AttemptState.IN_PROGRESS
    if attempt.passed is None:
        return AttemptState.AWAITING_MARKING
    return AttemptState.PASSED if attempt.passed else AttemptState.FAILED


def attempt_time_used(attempt: ExamAttempt) -> timedelta | None:
    """From start to submission, for an attempt sat online and submitted; None otherwise."""
    if attempt.on_paper or attempt.submitted_at is None:
        return None
    return max(attempt.submitted_at - attempt.started_at, timedelta(0))


@dataclass
class GradebookRow:
    """A learner of the gradebook: their attempts by number (each with ``state``, ``percent``,
    ``time_used`` and ``minutes_used`` set), the attempt that counts by the exam's score policy
    (None until one is submitted and fully marked) and their exception, if any."""

    enrollment_id: int
    name: str
    mobile: str
    status: str
    attempts: list[ExamAttempt] = field(default_factory=list)
    counted: ExamAttempt | None = None
    exception: ExamException | None = None


def gradebook_rows(*, exam: Exam, cohort: Cohort) -> list[GradebookRow]:
    """The gradebook of ``exam`` for ``cohort``: its learners (studying, completed, or withdrawn
    after an attempt) by name. Three queries, whatever the number of learners and attempts."""
    has_attempt = Exists(ExamAttempt.objects.filter(exam=exam, enrollment=OuterRef("pk")))
    rows = {
        pk: GradebookRow(
            enrollment_id=pk,
            name=name or email or mobile or str(learner_id),
            mobile=mobile or "",
            status=status,
        )
        for pk, learner_id, name, email, mobile, status in Enrollment.objects.filter(cohort=cohort)
        .filter(Q(status__in=CLASS_LEARNER_STATUSES) | Q(has_attempt))
        .order_by("learner__name", "pk")
        .values_list("pk", "learner_id", "learner__name", "learner__email", "learner__mobile", "status")
    }
    for attempt in (
        ExamAttempt.objects.filter(exam=exam, enrollment__cohort=cohort)
        .defer("device_token")
        .order_by("enrollment_id", "number")
    ):
        row = rows.get(attempt.enrollment_id)
        if row is None:
            continue
        attempt.state = attempt_state(attempt)
        attempt.percent = attempt_percent(attempt)
        attempt.time_used = attempt_time_used(attempt)
        attempt.minutes_used = (
            None if attempt.time_used is None else round(attempt.time_used.total_seconds() / 60)
        )
        row.attempts.append(attempt)
    for exception in ExamException.objects.filter(exam=exam, enrollment__cohort=cohort).select_related(
        "granted_by"
    ):
        if exception.enrollment_id in rows:
            rows[exception.enrollment_id].exception = exception
    for row in rows.values():
        row.counted = counted_attempt(exam=exam, attempts=row.attempts)
    return list(rows.values())


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def exception_summary(exception: ExamException | None) -> str:
    """What an exception grants, in words: "30 extra minutes; 1 extra attempt; own window …"."""
    if exception is None:
        return ""
    parts = []
    if exception.extra_minutes:
        parts.append(
            ngettext("%(count)d extra minute", "%(count)d extra minutes", exception.extra_minutes)
            % {"count": exception.extra_minutes}
        )
    if exception.extra_attempts:
        parts.append(
            ngettext("%(count)d extra attempt", "%(count)d extra attempts", exception.extra_attempts)
            % {"count": exception.extra_attempts}
        )
    if exception.opens_at or exception.closes_at:
        parts.append(
            _("own window %(opens)s – %(closes)s")
            % {"opens": _when(exception.opens_at) or "…", "closes": _when(exception.closes_at) or "…"}
        )
    return "; ".join(parts)


# --- the export ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradebookLine:
    """A line of the export: a learner's attempt, or the learner alone when they have none."""

    row: GradebookRow
    attempt: ExamAttempt | None


def _minutes(line: GradebookLine) -> Any:
    used = line.attempt.time_used if line.attempt else None
    return "" if used is None else round(used.total_seconds() / 60, 1)


def _result(line: GradebookLine) -> str:
    if line.attempt is None:
        return str(_("Not started"))
    return str(STATE_LABELS[line.attempt.state])


def _value(line: GradebookLine, name: str) -> Any:
    value = getattr(line.attempt, name, None) if line.attempt else None
    return "" if value is None else value


def _yes(condition: bool) -> str:
    return _("Yes") if condition else ""


Columns = list[tuple[Promise, Callable[[GradebookLine], Any]]]

GRADEBOOK_COLUMNS: Columns = [
    (gettext_lazy("Name"), lambda line: line.row.name),
    (gettext_lazy("Mobile"), lambda line: line.row.mobile),
    (gettext_lazy("Attempt"), lambda line: _value(line, "number")),
    (gettext_lazy("Started"), lambda line: _when(line.attempt.started_at) if line.attempt else ""),
    (gettext_lazy("Submitted"), lambda line: _when(line.attempt.submitted_at) if line.attempt else ""),
    (gettext_lazy("Time used (minutes)"), _minutes),
    (gettext_lazy("Score"), lambda line: _value(line, "score")),
    (gettext_lazy("Points possible"), lambda line: _value(line, "max_score")),
    (gettext_lazy("Percent"), lambda line: _value(line, "percent")),
    (gettext_lazy("Result"), _result),
    (gettext_lazy("On paper"), lambda line: _yes(bool(line.attempt and line.attempt.on_paper))),
    (
        gettext_lazy("Counts"),
        lambda line: _yes(line.attempt is not None and line.attempt is line.row.counted),
    ),
    (gettext_lazy("Exception"), lambda line: exception_summary(line.row.exception)),
    (
        gettext_lazy("Reason for the exception"),
        lambda line: line.row.exception.reason if line.row.exception else "",
    ),
]


def gradebook_headers() -> list[str]:
    """The export's headers in the active language."""
    return [str(header) for header, _value in GRADEBOOK_COLUMNS]


def gradebook_lines(rows: list[GradebookRow]) -> Iterator[list[Any]]:
    """The export's rows: one per attempt, or one per learner without an attempt."""
    for row in rows:
        for attempt in row.attempts or [None]:
            line = GradebookLine(row=row, attempt=attempt)
            yield [value(line) for _header, value in GRADEBOOK_COLUMNS]


def gradebook_filename(*, cohort: Cohort, exam: Exam) -> str:
    return f"{cohort.name}-{exam.title}-{timezone.localdate():%Y%m%d}"
