"""Marking short answers by hand, and changing a mark afterwards.

A cohort's short answers wait in a blind queue (``marking_queue``): one answer at a time, with
its question, rubric and points, never the learner's name. Marking one (``answer_mark``) sets its
points and recomputes the attempt's score and result (``exams.attempts.attempt_result_refresh``):
the last answer marked decides whether the attempt passed. A mark already given, automatic or by
hand, is changed only with a reason (``answer_mark_change``), which goes into the exam's audit log.

Guarantees: both writes lock the enrolment, then the paper question row (lock order everywhere:
enrolment, then attempt), in one transaction. Two markers on the same answer: the second is
refused and the first mark kept, so nothing is lost or silently overwritten.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import Cohort
from enrollment.models import Enrollment

from .attempts import attempt_result_refresh
from .models import AttemptQuestion, BankQuestion, Exam, ExamAuditEntry
from .papers import PaperError

MAX_COMMENT = 2_000


class MarkingError(PaperError):
    """An answer that cannot be marked (any more); ``messages`` say why, for the marker."""


def cohort_answers(*, exam: Exam, cohort: Cohort) -> QuerySet[AttemptQuestion]:
    """The paper questions of the cohort's submitted attempts at ``exam`` (not those sat on
    paper: they have no paper rows)."""
    return AttemptQuestion.objects.filter(
        attempt__exam=exam,
        attempt__enrollment__cohort=cohort,
        attempt__submitted_at__isnull=False,
        attempt__on_paper=False,
    )


def answers_to_mark(*, cohort: Cohort) -> QuerySet[AttemptQuestion]:
    """The short answers of the cohort's submitted attempts, at any exam, that wait for marking."""
    return AttemptQuestion.objects.filter(
        attempt__enrollment__cohort=cohort,
        attempt__submitted_at__isnull=False,
        question__kind=BankQuestion.Kind.SHORT_ANSWER,
        points_awarded__isnull=True,
    )


def marking_queue(*, exam: Exam, cohort: Cohort) -> QuerySet[AttemptQuestion]:
    """The cohort's short answers to ``exam`` that wait for marking, one question after the
    other (a marker marks a question for everyone, which keeps the marks consistent), oldest
    first within a question."""
    return answers_to_mark(cohort=cohort).filter(attempt__exam=exam).order_by("question_id", "pk")


def marking_next(*, exam: Exam, cohort: Cohort, after: int | None = None) -> AttemptQuestion | None:
    """The next answer to mark, with its question; after the answer ``after`` if given (the
    marker skipped it), coming back to the start of the queue at its end. One or two queries."""
    queue = marking_queue(exam=exam, cohort=cohort).select_related("question")
    if after is not None:
        skipped = AttemptQuestion.objects.filter(pk=after).values_list("question_id", flat=True).first()
        if skipped is not None:
            later = queue.filter(Q(question_id__gt=skipped) | Q(question_id=skipped, pk__gt=after)).first()
            if later is not None:
                return later
    return queue.first()


def _lock(answer_id: int) -> AttemptQuestion:
    """The paper question row, locked after its enrolment (call inside a transaction)."""
    enrollment_id = (
        AttemptQuestion.objects.filter(pk=answer_id).values_list("attempt__enrollment_id", flat=True).get()
    )
    Enrollment.objects.select_for_update().filter(pk=enrollment_id).values_list("pk").get()
    return (
        AttemptQuestion.objects.select_for_update(of=("self",))
        .select_related("question", "attempt")
        .get(pk=answer_id)
    )


def _check_points(row: AttemptQuestion, points: int) -> None:
    if not 0 <= points <= row.points:
        raise ValidationError({"points": _("Give from 0 to %(max)d points.") % {"max": row.points}})


def answer_mark(
    *, answer_id: int, points: int, by: User | None, comment: str = "", now: datetime | None = None
) -> AttemptQuestion:
    """Mark the short answer ``answer_id`` of a submitted attempt with ``points`` (0 to the
    question's points) and an optional comment, then recompute the attempt's score and result
    (the last mark decides whether it passed; a passed final exam is recorded on the enrolment).

    Raises MarkingError, changing nothing, when the answer has been marked meanwhile (by someone
    else: their mark is kept), is not a short answer or its attempt is not submitted;
    ValidationError (key ``points``) when the points are out of range. One transaction: the
    enrolment, then the answer's row locked."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _lock(answer_id)
        if row.question.kind != BankQuestion.Kind.SHORT_ANSWER:
            raise MarkingError([_("Only short answers are marked by hand.")])
        if row.attempt.submitted_at is None:
            raise MarkingError([_("This attempt has not been submitted yet.")])
        if row.points_awarded is not None:
            raise MarkingError(
                [_("Someone else marked this answer a moment ago; their mark is kept. Here is the next one.")]
            )
        _check_points(row, points)
        row.points_awarded = points
        row.marked_by = by
        row.marked_at = now
        row.marker_comment = (comment or "").strip()[:MAX_COMMENT]
        row.save(update_fields=["points_awarded", "marked_by", "marked_at", "marker_comment"])
        attempt_result_refresh(attempt_id=row.attempt_id)
    return row


def answer_mark_change(
    *, answer_id: int, points: int, reason: str, by: User | None, now: datetime | None = None
) -> AttemptQuestion:
    """Change the points of a question of a submitted attempt (any kind: an automatic mark too),
    with a reason kept in the exam's audit log ("mark_changed", the old and new points and when
    the old were given), then
    recompute the attempt's score and result.

    Raises ValidationError, changing nothing, without a reason (key ``reason``), with points out
    of range or unchanged (key ``points``); MarkingError when the attempt is not submitted. One
    transaction: the enrolment, then the answer's row locked."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the mark changes: it is kept in the exam's audit log.")})
    now = now or timezone.now()
    with transaction.atomic():
        row = _lock(answer_id)
        if row.attempt.submitted_at is None:
            raise MarkingError([_("This attempt has not been submitted yet.")])
        _check_points(row, points)
        old, old_marked_at = row.points_awarded, row.marked_at
        if old == points:
            raise ValidationError({"points": _("The question has these points already.")})
        row.points_awarded = points
        row.marked_by = by
        row.marked_at = now
        row.save(update_fields=["points_awarded", "marked_by", "marked_at"])
        ExamAuditEntry.objects.record(
            exam_id=row.attempt.exam_id,
            attempt_id=row.attempt_id,
            enrollment_id=row.attempt.enrollment_id,
            actor=by,
            action="mark_changed",
            reason=reason,
            at=now,
            position=row.position,
            old=old,
            new=points,
            # When the old points were given (None: by the automatic marking at the hand-in, or
            # never): a board frozen before then shows the answer as awaiting marking.
            old_marked_at=old_marked_at,
        )
        attempt_result_refresh(attempt_id=row.attempt_id)
    return row
