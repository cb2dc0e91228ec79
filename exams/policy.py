"""What a learner may do with an exam, and when: the window that applies to them, the time an
attempt gets, the attempts they have, the cool-off, whether results are released, and which
attempt counts. Pure reads (``sitting_rules``, ``results_released``, ``counted_attempt``) and
the staff writes that change them, each with an audit entry (``exam_window_set``,
``exception_grant``, ``results_release``).

Precedence of windows: a learner's own exception window, else their cohort's window (set by its
coordinator), else the exam's. Extra time is added to the time limit; the attempt still ends when
the window closes. Extra attempts are added to the exam's allowance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import Cohort
from enrollment.models import Enrollment

from .models import Exam, ExamAttempt, ExamAuditEntry, ExamException, ExamWindow

MAX_EXTRA_MINUTES = 24 * 60
MAX_EXTRA_ATTEMPTS = 20


@dataclass(frozen=True)
class SittingRules:
    """The rules of ``exam`` for one enrolment, exceptions and cohort window applied."""

    opens_at: datetime | None
    closes_at: datetime | None
    time_limit_minutes: int | None
    max_attempts: int | None
    cool_off: timedelta
    window_source: str  # "exam", "cohort" or "exception"
    extra_minutes: int = 0
    extra_attempts: int = 0

    def deadline_for(self, started_at: datetime) -> datetime | None:
        """When an attempt started at ``started_at`` ends: at the time limit (with any extra
        time) or when the window closes, whichever comes first; None if neither is set."""
        ends = [self.closes_at] if self.closes_at else []
        if self.time_limit_minutes:
            ends.append(started_at + timedelta(minutes=self.time_limit_minutes))
        return min(ends) if ends else None


def sitting_rules(
    *, exam: Exam, enrollment: Enrollment, exception: ExamException | bool | None = False
) -> SittingRules:
    """The rules for ``enrollment`` (two queries at most: its exception and its cohort's
    window). Pass ``exception`` (an ExamException or None) when it has been read already."""
    if exception is False:
        exception = ExamException.objects.filter(exam=exam, enrollment_id=enrollment.pk).first()
    opens_at, closes_at, source = exam.opens_at, exam.closes_at, "exam"
    window = None
    if enrollment.cohort_id:
        window = ExamWindow.objects.filter(exam=exam, cohort_id=enrollment.cohort_id).first()
    if window is not None:
        opens_at, closes_at, source = window.opens_at, window.closes_at, "cohort"
    if exception is not None and (exception.opens_at or exception.closes_at):
        opens_at, closes_at, source = exception.opens_at, exception.closes_at, "exception"
    extra_minutes = exception.extra_minutes if exception else 0
    extra_attempts = exception.extra_attempts if exception else 0
    time_limit = exam.time_limit_minutes + extra_minutes if exam.time_limit_minutes else None
    max_attempts = exam.max_attempts + extra_attempts if exam.max_attempts is not None else None
    return SittingRules(
        opens_at=opens_at,
        closes_at=closes_at,
        time_limit_minutes=time_limit,
        max_attempts=max_attempts,
        cool_off=timedelta(minutes=exam.cool_off_minutes),
        window_source=source,
        extra_minutes=extra_minutes,
        extra_attempts=extra_attempts,
    )


def results_released(
    *, attempt: ExamAttempt, now: datetime | None = None, closes_at: datetime | None = None
) -> bool:
    """Whether the learner may see the attempt's result and the corrections: never before it is
    submitted and fully marked; then immediately, once the window that applied to them has
    closed (``closes_at``, from ``sitting_rules``; an exam that never closes releases at once),
    or once staff released the exam's results by hand."""
    if attempt.submitted_at is None or attempt.passed is None:
        return False
    exam = attempt.exam
    if exam.release == Exam.Release.IMMEDIATELY:
        return True
    if exam.release == Exam.Release.AFTER_CLOSE:
        now = now or timezone.now()
        return closes_at is None or now >= closes_at
    return exam.results_released_at is not None


def counted_attempt(*, exam: Exam, attempts: list[ExamAttempt]) -> ExamAttempt | None:
    """The attempt whose result counts by the exam's score policy (best or last), among the
    submitted and fully marked ``attempts``; None if there is none."""
    done = [
        attempt for attempt in attempts if attempt.submitted_at is not None and attempt.passed is not None
    ]
    if not done:
        return None
    if exam.score_policy == Exam.ScorePolicy.LAST:
        return max(done, key=lambda attempt: (attempt.submitted_at, attempt.number))
    return max(done, key=lambda attempt: (_percent(attempt), -attempt.number))


def _percent(attempt: ExamAttempt) -> float:
    if not attempt.max_score:
        return 0.0
    return (attempt.score or 0) * 100 / attempt.max_score


def attempt_percent(attempt: ExamAttempt) -> int | None:
    """The attempt's score as a whole percentage of its paper's points (None before grading)."""
    if attempt.score is None or not attempt.max_score:
        return None
    return attempt.score * 100 // attempt.max_score


# --- staff writes ------------------------------------------------------------------------------


def _audit(*, exam: Exam, actor: User | None, action: str, reason: str = "", **detail) -> ExamAuditEntry:
    enrollment, attempt = detail.pop("enrollment", None), detail.pop("attempt", None)
    if enrollment is not None:
        detail["enrollment_id"] = enrollment.pk
    if attempt is not None:
        detail["attempt_id"] = attempt.pk
    return ExamAuditEntry.objects.record(exam_id=exam.pk, actor=actor, action=action, reason=reason, **detail)


def exam_window_set(
    *, exam: Exam, cohort: Cohort, opens_at: datetime, closes_at: datetime, by: User | None
) -> ExamWindow:
    """Set (or move) the cohort's window for the exam, with an audit entry. Raises
    ValidationError when it closes before it opens. Attempts in progress keep their deadline."""
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("An exam closes after it opens.")})
    with transaction.atomic():
        window, _created = ExamWindow.objects.update_or_create(
            exam=exam, cohort=cohort, defaults={"opens_at": opens_at, "closes_at": closes_at, "set_by": by}
        )
        _audit(
            exam=exam, actor=by, action="window_set", cohort=cohort.pk, opens_at=opens_at, closes_at=closes_at
        )
    return window


def exam_window_clear(*, exam: Exam, cohort: Cohort, by: User | None) -> bool:
    """Remove the cohort's window (the exam's own applies again); returns whether there was one."""
    with transaction.atomic():
        deleted, _rows = ExamWindow.objects.filter(exam=exam, cohort=cohort).delete()
        if deleted:
            _audit(exam=exam, actor=by, action="window_cleared", cohort=cohort.pk)
    return bool(deleted)


def exception_grant(
    *,
    exam: Exam,
    enrollment: Enrollment,
    reason: str,
    by: User | None,
    extra_minutes: int = 0,
    extra_attempts: int = 0,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> ExamException:
    """Grant (or replace) the learner's exception, with an audit entry saying who, why and what.

    Raises ValidationError, writing nothing, without a reason, with nothing granted, with more
    than ``MAX_EXTRA_MINUTES`` or ``MAX_EXTRA_ATTEMPTS``, or with a window that closes before it
    opens. Extra time applies to attempts started from now on; an attempt in progress gets it
    added to its deadline too (capped by the window)."""
    reason = " ".join((reason or "").split())
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the exception is granted: it is kept in the exam's audit log.")
    if not (0 <= extra_minutes <= MAX_EXTRA_MINUTES):
        errors["extra_minutes"] = _("Extra time is from 0 to %(max)d minutes.") % {"max": MAX_EXTRA_MINUTES}
    if not (0 <= extra_attempts <= MAX_EXTRA_ATTEMPTS):
        errors["extra_attempts"] = _("Extra attempts are from 0 to %(max)d.") % {"max": MAX_EXTRA_ATTEMPTS}
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = _("An exam closes after it opens.")
    if not errors and not (extra_minutes or extra_attempts or opens_at or closes_at):
        errors["__all__"] = _("Grant extra time, extra attempts or a window of the learner's own.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk").get()
        previous = ExamException.objects.filter(exam=exam, enrollment=enrollment).first()
        added = extra_minutes - (previous.extra_minutes if previous else 0)
        exception, _created = ExamException.objects.update_or_create(
            exam=exam,
            enrollment=enrollment,
            defaults={
                "extra_minutes": extra_minutes,
                "extra_attempts": extra_attempts,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "reason": reason[:300],
                "granted_by": by,
                "granted_at": timezone.now(),
            },
        )
        if added and exam.time_limit_minutes:
            rules = sitting_rules(exam=exam, enrollment=enrollment, exception=exception)
            for attempt in ExamAttempt.objects.select_for_update().filter(
                exam=exam, enrollment=enrollment, submitted_at__isnull=True, deadline__isnull=False
            ):
                deadline = attempt.deadline + timedelta(minutes=added)
                if rules.closes_at:
                    deadline = min(deadline, max(rules.closes_at, attempt.deadline))
                attempt.deadline = deadline
                attempt.save(update_fields=["deadline"])
        _audit(
            exam=exam,
            actor=by,
            action="exception_granted",
            reason=reason,
            enrollment=enrollment,
            extra_minutes=extra_minutes,
            extra_attempts=extra_attempts,
            opens_at=opens_at,
            closes_at=closes_at,
        )
    return exception


def results_release(*, exam: Exam, by: User | None) -> Exam:
    """Release the exam's results by hand (exams released by hand only); idempotent."""
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        if locked.release == Exam.Release.MANUAL and locked.results_released_at is None:
            locked.results_released_at = timezone.now()
            locked.save(update_fields=["results_released_at"])
            _audit(exam=locked, actor=by, action="results_released")
    return locked


def exception_revoke(*, exception: ExamException, by: User | None) -> None:
    """Remove the learner's exception (the exam's or the cohort's rules apply again to attempts
    started from now on), with an audit entry of what it granted."""
    with transaction.atomic():
        _audit(
            exam=exception.exam,
            actor=by,
            action="exception_revoked",
            enrollment=exception.enrollment,
            extra_minutes=exception.extra_minutes,
            extra_attempts=exception.extra_attempts,
        )
        exception.delete()
