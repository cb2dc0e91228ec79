"""Sitting an exam: starting an attempt (``attempt_start``), saving answers one by one
(``attempt_answer_save``), submitting and grading (``attempt_submit``) and closing the attempts
whose time is up (``attempts_close_overdue``, run every minute by the
``exams.tasks.close_overdue_attempts`` task).

Guarantees:

- One active attempt per learner and exam: starting while an attempt is open and in time
  returns that attempt (a second phone resumes it). Starts are serialised by the enrolment row
  lock, so two clicks never make two attempts, nor one more than the exam allows.
- The server keeps time: an attempt's deadline is fixed when it starts (the time limit or the
  exam's closing time, whichever comes first). Answers are accepted up to ``GRACE`` after it,
  for a request already in flight; after that, or once submitted, they are refused.
- An attempt always closes: a submit after the deadline grades what was saved, and the sweep
  submits every attempt whose deadline (plus the grace) has passed, even if the learner never
  comes back.
- A submitted attempt never changes by saving or submitting again: submitting is idempotent
  (the attempt row is locked, saves lock it too).
- Grading: single choice and true/false score all their points when the chosen option is the
  right one; multiple choice all points only when exactly the right options are chosen (no
  partial credit yet); fill-in-the-blank by ``BankQuestion.accepts``; short answers wait for
  marking (``points_awarded`` None), and so does ``passed``. The score counts the points
  marked so far.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enrollment.models import Enrollment

from .models import AttemptQuestion, BankQuestion, Exam, ExamAttempt, normalize_answer
from .papers import PaperError, paper_draw

Kind = BankQuestion.Kind

# How long after the deadline an answer is still accepted: a save sent in the last second
# arrives a little later over a rural mobile connection.
GRACE = timedelta(seconds=15)
MAX_TEXT_ANSWER = 5_000
CLOSE_BATCH = 100


class AttemptError(PaperError):
    """An attempt that cannot be started, or an answer that cannot be saved; ``messages`` say
    why, for the learner."""


# --- starting --------------------------------------------------------------------------------


def _is_open(attempt: ExamAttempt, now: datetime) -> bool:
    return attempt.submitted_at is None and (attempt.deadline is None or now <= attempt.deadline + GRACE)


def attempt_start(
    *,
    exam: Exam,
    enrollment: Enrollment,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> ExamAttempt:
    """The learner's attempt at ``exam``: the one in progress if there is one, else a new one
    with its own paper (``paper_draw``) and its deadline.

    In one transaction with the enrolment row locked. An unsubmitted attempt whose time is up
    is submitted first (it counts as an attempt). Raises AttemptError, writing nothing else,
    before the exam opens, after it closes or when the allowed attempts are used up;
    PaperError (of which AttemptError is one) when the paper cannot be drawn."""
    now = now or timezone.now()
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk").get()
        attempts = ExamAttempt.objects.filter(exam=exam, enrollment_id=enrollment.pk)
        for attempt in attempts.filter(submitted_at__isnull=True).order_by("number"):
            if _is_open(attempt, now):
                return attempt
            attempt_submit(attempt_id=attempt.pk, now=now)
        if exam.opens_at and now < exam.opens_at:
            raise AttemptError(
                [
                    _("This exam opens on %(time)s.")
                    % {"time": formats.date_format(timezone.localtime(exam.opens_at), "DATETIME_FORMAT")}
                ]
            )
        if exam.closes_at and now >= exam.closes_at:
            raise AttemptError([_("This exam has closed.")])
        if exam.max_attempts is not None and attempts.count() >= exam.max_attempts:
            raise AttemptError(
                [
                    ngettext(
                        "You have used the %(count)d attempt this exam allows.",
                        "You have used all %(count)d attempts this exam allows.",
                        exam.max_attempts,
                    )
                    % {"count": exam.max_attempts}
                ]
            )
        return paper_draw(exam=exam, enrollment=enrollment, rng=rng, now=now)


# --- answering -------------------------------------------------------------------------------


def _choice_answer(row: AttemptQuestion, answer: Any) -> list[int] | None:
    if answer in (None, "", []):
        return None
    values = answer if isinstance(answer, list | tuple) else [answer]
    ids = []
    for value in values:
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
        ):
            raise AttemptError([_("Choose among the options of the question.")])
        ids.append(int(value))
    if not set(ids) <= set(row.choice_order):
        raise AttemptError([_("Choose among the options of the question.")])
    if row.question.kind != Kind.MULTIPLE and len(set(ids)) > 1:
        raise AttemptError([_("Choose one option.")])
    return sorted(set(ids))


def _text_answer(answer: Any) -> str | None:
    if answer is None:
        return None
    if not isinstance(answer, str):
        raise AttemptError([_("Write the answer as text.")])
    answer = answer.strip()
    if len(answer) > MAX_TEXT_ANSWER:
        raise AttemptError([_("Write at most %(count)d characters.") % {"count": MAX_TEXT_ANSWER}])
    return answer or None


def attempt_answer_save(
    *, attempt: ExamAttempt, question_position: int, answer: Any, now: datetime | None = None
) -> AttemptQuestion:
    """Save the answer to the question at ``question_position`` of the attempt's paper (an
    autosave: a later save replaces it; None, "" or [] clears it).

    Choice questions take a list of option ids of that question (one for single choice and
    true/false, stored sorted); fill-in-the-blank and short answer take text (stripped, at most
    ``MAX_TEXT_ANSWER`` characters). The attempt row is locked, so a save never slips in after
    a submit has graded. Raises AttemptError, changing nothing, when the attempt is submitted,
    its deadline and ``GRACE`` have passed, the position is not on the paper or the answer does
    not fit the question. Three queries inside one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            ExamAttempt.objects.select_for_update().only("pk", "deadline", "submitted_at").get(pk=attempt.pk)
        )
        if locked.submitted_at is not None:
            raise AttemptError([_("This attempt has been submitted; its answers can no longer change.")])
        if not _is_open(locked, now):
            raise AttemptError([_("The time for this attempt is up; the answer was not saved.")])
        row = (
            AttemptQuestion.objects.select_related("question")
            .filter(attempt_id=locked.pk, position=question_position)
            .first()
        )
        if row is None:
            raise AttemptError([_("This question is not on your paper.")])
        if row.question.kind in BankQuestion.CHOICE_KINDS:
            row.answer = _choice_answer(row, answer)
        else:
            row.answer = _text_answer(answer)
        row.save(update_fields=["answer"])
    return row


# --- submitting and grading --------------------------------------------------------------------


def _auto_points(row: AttemptQuestion) -> int | None:
    """The points ``row`` earns by the answer key stored with the paper, None for a short answer
    (marked by a person)."""
    kind = row.question.kind
    if kind == Kind.SHORT_ANSWER:
        return None
    key = row.key or []
    if kind == Kind.FILL_IN:
        given = normalize_answer(row.answer) if isinstance(row.answer, str) else ""
        return row.points if given and any(normalize_answer(accepted) == given for accepted in key) else 0
    # Choice kinds: exactly the right options of those shown on the paper.
    right = set(key) & set(row.choice_order)
    chosen = set(row.answer) if isinstance(row.answer, list) else set()
    return row.points if right and chosen == right else 0


def attempt_submit(*, attempt_id: int, now: datetime | None = None) -> ExamAttempt:
    """Submit and grade the attempt from the answers saved, whenever it is called (after the
    deadline too: the attempt always closes).

    Locks the attempt row in one transaction; an attempt already submitted is returned
    unchanged. Sets every auto-marked question's ``points_awarded`` (see the module's grading
    rules), ``submitted_at``, ``score`` (the points awarded so far) and ``passed`` (score ≥
    the pass mark's share of all the paper's points), which stays None while a short answer
    awaits marking. A fixed number of queries, whatever the length of the paper."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            ExamAttempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt_id)
        )
        if attempt.submitted_at is not None:
            return attempt
        rows = list(attempt.paper.select_related("question").order_by("position"))
        full, nothing = [], []
        for row in rows:
            row.points_awarded = _auto_points(row)
            if row.points_awarded is not None:
                (full if row.points_awarded else nothing).append(row.pk)
        if full:
            AttemptQuestion.objects.filter(pk__in=full).update(points_awarded=F("points"))
        if nothing:
            AttemptQuestion.objects.filter(pk__in=nothing).update(points_awarded=0)
        attempt.submitted_at = now
        _settle(attempt, rows)
        attempt.save(update_fields=["submitted_at", "score", "passed"])
    return attempt


def _settle(attempt: ExamAttempt, rows: list[AttemptQuestion]) -> None:
    """Set the attempt's score and result from its paper's ``points_awarded``."""
    total = sum(row.points for row in rows)
    attempt.score = sum(row.points_awarded or 0 for row in rows)
    if any(row.points_awarded is None for row in rows):
        attempt.passed = None  # awaiting marking
    else:
        attempt.passed = attempt.score * 100 >= attempt.exam.pass_mark_percent * total


def attempts_close_overdue(now: datetime | None = None) -> int:
    """Submit every unsubmitted attempt whose deadline and ``GRACE`` have passed; returns how
    many. In batches of ``CLOSE_BATCH``, each in its own transaction, claiming the rows with
    ``select_for_update(skip_locked=True)`` so that two sweeps, or a learner submitting at the
    same moment, never grade an attempt twice. A second run finds nothing to do."""
    now = now or timezone.now()
    closed = 0
    while True:
        with transaction.atomic():
            ids = list(
                ExamAttempt.objects.select_for_update(skip_locked=True)
                .filter(submitted_at__isnull=True, deadline__lt=now - GRACE)
                .order_by("deadline", "pk")
                .values_list("pk", flat=True)[:CLOSE_BATCH]
            )
            for attempt_id in ids:
                attempt_submit(attempt_id=attempt_id, now=now)
        closed += len(ids)
        if len(ids) < CLOSE_BATCH:
            return closed
