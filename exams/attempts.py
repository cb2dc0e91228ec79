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
from django.utils.translation import gettext_lazy, ngettext

from counties.models import Attendance
from counties.services import attendance_record
from enrollment.models import Enrollment
from enrollment.services import enrollment_final_exam_record

from .models import AttemptEvent, AttemptQuestion, BankQuestion, Exam, ExamAttempt, ExamRoom, normalize_answer
from .papers import PaperError, paper_draw
from .policy import sitting_rules

Kind = BankQuestion.Kind

# How long after the deadline an answer is still accepted: a save sent in the last second
# arrives a little later over a rural mobile connection.
GRACE = timedelta(seconds=15)
# The enrolments whose learner may sit the course's exams: studying it, or completed (a retake).
SITTING = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)
MAX_TEXT_ANSWER = 5_000
CLOSE_BATCH = 100


class AttemptError(PaperError):
    """An attempt that cannot be started, or an answer that cannot be saved; ``messages`` say
    why, for the learner."""


# --- starting --------------------------------------------------------------------------------


def _is_open(attempt: ExamAttempt, now: datetime) -> bool:
    return attempt.submitted_at is None and (attempt.deadline is None or now <= attempt.deadline + GRACE)


def _log(
    attempt_id: int, kind: str, *, device: str = "", now: datetime | None = None, positions=(None,)
) -> None:
    AttemptEvent.objects.bulk_create(
        AttemptEvent(
            attempt_id=attempt_id, kind=kind, at=now or timezone.now(), position=position, device=device[:200]
        )
        for position in positions
    )


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


OTHER_DEVICE = gettext_lazy(
    "This attempt is open on another phone. Ask your coordinator to let you continue on this one."
)


def attempt_start(
    *,
    exam: Exam,
    enrollment: Enrollment,
    now: datetime | None = None,
    rng: random.Random | None = None,
    room: ExamRoom | None = None,
    device_token: str = "",
    device: str = "",
) -> ExamAttempt:
    """The learner's attempt at ``exam``: the one in progress if there is one (a "resume"
    event), else a new one with its own paper (``paper_draw``) and its deadline (a "start"
    event). ``device`` (the browser's user agent) is logged with the event.

    The rules that apply are ``exams.policy.sitting_rules``: the learner's exception, else their
    cohort's window, else the exam's. In an exam room (``room``, its code checked by the caller)
    the attempt is bound to ``device_token``: another phone cannot continue it until the
    coordinator releases it; starting in the room records the learner present at its session.

    In one transaction with the enrolment row locked (lock order everywhere: enrolment, then
    attempt). An unsubmitted attempt whose time is up is submitted first (it counts as an
    attempt). Raises AttemptError, writing nothing else, before the window opens, after it
    closes, during the cool-off after the last attempt, when the allowed attempts are used up,
    in a closed or paused room or a room of another class; PaperError (of which AttemptError is
    one) when the paper cannot be drawn."""
    now = now or timezone.now()
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk").get()
        attempts = list(
            ExamAttempt.objects.filter(exam=exam, enrollment_id=enrollment.pk)
            .select_related("room")
            .order_by("number")
        )
        for attempt in [attempt for attempt in attempts if attempt.submitted_at is None]:
            paused = attempt.room is not None and attempt.room.paused_at is not None
            if paused or _is_open(attempt, now):  # a paused room's time does not run
                if attempt.device_token and attempt.device_token != device_token:
                    raise AttemptError([str(OTHER_DEVICE)])
                fields = []
                if room is not None and attempt.room_id is None:
                    # Started outside, resumed with the room's code: the room's pause stops it too.
                    attempt.room = room
                    fields.append("room")
                if not attempt.device_token and device_token and (attempt.room_id or room):
                    attempt.device_token = device_token
                    fields.append("device_token")
                if fields:
                    attempt.save(update_fields=fields)
                _log(attempt.pk, AttemptEvent.Kind.RESUME, device=device, now=now)
                return attempt
            attempt.submitted_at = attempt_submit(attempt_id=attempt.pk, now=now).submitted_at
        rules = sitting_rules(exam=exam, enrollment=enrollment)
        if rules.opens_at and now < rules.opens_at:
            raise AttemptError([_("This exam opens on %(time)s.") % {"time": _when(rules.opens_at)}])
        if rules.closes_at and now >= rules.closes_at:
            raise AttemptError([_("This exam has closed.")])
        if room is not None:
            _check_room(room=room, exam=exam, enrollment=enrollment)
        used = [attempt.submitted_at for attempt in attempts]
        if rules.max_attempts is not None and len(used) >= rules.max_attempts:
            raise AttemptError(
                [
                    ngettext(
                        "You have used the %(count)d attempt this exam allows.",
                        "You have used all %(count)d attempts this exam allows.",
                        rules.max_attempts,
                    )
                    % {"count": rules.max_attempts}
                ]
            )
        last_submitted = max((moment for moment in used if moment), default=None)
        if rules.cool_off and last_submitted and now < last_submitted + rules.cool_off:
            raise AttemptError(
                [
                    _("You can start your next attempt on %(time)s.")
                    % {"time": _when(last_submitted + rules.cool_off)}
                ]
            )
        attempt = paper_draw(
            exam=exam,
            enrollment=enrollment,
            rng=rng,
            now=now,
            deadline=rules.deadline_for(now),
            room=room,
            device_token=device_token if room is not None else "",
            earlier_attempts=len(used),  # the enrolment is locked here: the draw need not
        )
        _log(attempt.pk, AttemptEvent.Kind.START, device=device, now=now)
        if room is not None:
            attendance_record(
                session=room.session, statuses={enrollment.learner_id: Attendance.Status.PRESENT}
            )
    return attempt


def _check_room(*, room: ExamRoom, exam: Exam, enrollment: Enrollment) -> None:
    room = ExamRoom.objects.select_related("session").get(pk=room.pk)
    if room.exam_id != exam.pk:
        raise AttemptError([_("This room code is for another exam.")])
    if room.closed_at is not None:
        raise AttemptError([_("This exam room is closed.")])
    if room.paused_at is not None:
        raise AttemptError([_("The exam is paused for everyone: wait until your coordinator resumes it.")])
    if room.session.cohort_id != enrollment.cohort_id:
        raise AttemptError([_("This exam room is for another class.")])


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
    *,
    attempt_id: int,
    question_position: int,
    answer: Any,
    now: datetime | None = None,
    learner_id: int | None = None,
    device_token: str = "",
    device: str = "",
) -> AttemptQuestion:
    """Save the answer to the question at ``question_position`` of the attempt's paper (an
    autosave: a later save replaces it; None, "" or [] clears it). See ``attempt_answers_save``."""
    return attempt_answers_save(
        attempt_id=attempt_id,
        answers={question_position: answer},
        now=now,
        learner_id=learner_id,
        device_token=device_token,
        device=device,
    )[0]


def attempt_answers_save(
    *,
    attempt_id: int,
    answers: dict[int, Any],
    now: datetime | None = None,
    learner_id: int | None = None,
    device_token: str = "",
    device: str = "",
) -> list[AttemptQuestion]:
    """Save the answers ``{position: answer}`` of the attempt's paper, all or none (a page of the
    paper sent without JavaScript, or one autosaved question), with a "save" event per question.

    Choice questions take a list of option ids of that question (one for single choice and
    true/false, stored sorted); fill-in-the-blank and short answer take text (stripped, at most
    ``MAX_TEXT_ANSWER`` characters). The attempt row is locked, so a save never slips in after
    a submit has graded. Raises AttemptError, changing nothing, when the attempt is submitted,
    its deadline and ``GRACE`` have passed, its exam room is paused, it is bound to another
    phone (``device_token``), a position is not on the paper or an answer does not fit its
    question. With ``learner_id``, the attempt must be that learner's, through an enrolment
    they study or completed (``SITTING``): else ExamAttempt.DoesNotExist, as for an attempt that
    does not exist.

    It is the busiest write of a sitting: the attempt is checked, locked and read with the
    questions answered in one query, then one update (per question when a page sends several)
    and one insert of the events."""
    now = now or timezone.now()
    positions = list(answers)
    # The learner's own attempt, through an enrolment they may sit exams of.
    owner = (
        {}
        if learner_id is None
        else {"enrollment__learner_id": learner_id, "enrollment__status__in": SITTING}
    )
    with transaction.atomic():
        rows = {
            row.position: row
            for row in AttemptQuestion.objects.select_for_update(of=("attempt",))
            .select_related("attempt__room", "question")
            .only(
                "position",
                "choice_order",
                "answer",
                "question__kind",
                "attempt__deadline",
                "attempt__submitted_at",
                "attempt__device_token",
                "attempt__room__paused_at",
            )
            .filter(
                attempt_id=attempt_id,
                position__in=positions,
                **{f"attempt__{k}": v for k, v in owner.items()},
            )
        }
        if rows:
            locked = next(iter(rows.values())).attempt
        else:  # none of the positions is on the paper, or no such attempt (DoesNotExist)
            locked = (
                ExamAttempt.objects.select_for_update(of=("self",))
                .select_related("room")
                .only("deadline", "submitted_at", "device_token", "room__paused_at")
                .get(pk=attempt_id, **owner)
            )
        if locked.submitted_at is not None:
            raise AttemptError([_("This attempt has been submitted; its answers can no longer change.")])
        # A paused room first: its attempts' time does not run, even past their deadline.
        if locked.room is not None and locked.room.paused_at is not None:
            raise AttemptError(
                [_("The exam is paused for everyone; your answers so far are saved. Wait until it resumes.")]
            )
        if not _is_open(locked, now):
            raise AttemptError([_("The time for this attempt is up; the answer was not saved.")])
        if locked.device_token and locked.device_token != device_token:
            raise AttemptError([str(OTHER_DEVICE)])
        for position, answer in answers.items():
            row = rows.get(position)
            if row is None:
                raise AttemptError([_("This question is not on your paper.")])
            if row.question.kind in BankQuestion.CHOICE_KINDS:
                row.answer = _choice_answer(row, answer)
            else:
                row.answer = _text_answer(answer)
        saved = [rows[position] for position in positions]
        if len(saved) == 1:  # an autosave: a plain update, cheaper than bulk_update's CASE
            AttemptQuestion.objects.filter(pk=saved[0].pk).update(answer=saved[0].answer)
        else:
            AttemptQuestion.objects.bulk_update(saved, ["answer"])
        _log(attempt_id, AttemptEvent.Kind.SAVE, device=device, now=now, positions=positions)
    return saved


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


def attempt_submit(*, attempt_id: int, now: datetime | None = None, device: str = "") -> ExamAttempt:
    """Submit and grade the attempt from the answers saved, whenever it is called (after the
    deadline too: the attempt always closes), with a "submit" event, or "closed" when its time
    was up.

    Locks the enrolment, then the attempt, in one transaction; an attempt already submitted is
    returned unchanged. Sets every auto-marked question's ``points_awarded`` (see the module's
    grading rules), ``submitted_at``, ``score`` (the points awarded so far) and ``passed`` (score
    ≥ the pass mark's share of all the paper's points), which stays None while a short answer
    awaits marking. A passed final exam is recorded on the enrolment, which may complete it. A
    fixed number of queries, whatever the length of the paper."""
    return _submit(attempt_id=attempt_id, now=now or timezone.now(), device=device)[0]


def _submit(*, attempt_id: int, now: datetime, device: str = "") -> tuple[ExamAttempt, bool]:
    """``attempt_submit``, and whether this call submitted the attempt."""
    with transaction.atomic():
        enrollment_id = (
            ExamAttempt.objects.filter(pk=attempt_id).values_list("enrollment_id", flat=True).get()
        )
        Enrollment.objects.select_for_update().filter(pk=enrollment_id).values_list("pk").get()
        attempt = (
            ExamAttempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt_id)
        )
        if attempt.submitted_at is not None:
            return attempt, False
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
        late = attempt.deadline is not None and now > attempt.deadline + GRACE
        attempt.submitted_at = min(now, attempt.deadline + GRACE) if late else now
        _settle(attempt, rows)
        attempt.save(update_fields=["submitted_at", "score", "max_score", "passed"])
        _log(
            attempt.pk, AttemptEvent.Kind.CLOSED if late else AttemptEvent.Kind.SUBMIT, device=device, now=now
        )
        _record_final(attempt)
    return attempt, True


def attempt_result_refresh(*, attempt_id: int) -> ExamAttempt:
    """Recompute a submitted attempt's score and result from its paper's ``points_awarded``
    (after a short answer is marked or a mark is changed by hand), and record a passed final
    exam on the enrolment. Locks the enrolment, then the attempt."""
    with transaction.atomic():
        enrollment_id = (
            ExamAttempt.objects.filter(pk=attempt_id).values_list("enrollment_id", flat=True).get()
        )
        Enrollment.objects.select_for_update().filter(pk=enrollment_id).values_list("pk").get()
        attempt = (
            ExamAttempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt_id)
        )
        if attempt.submitted_at is None or attempt.on_paper:
            return attempt
        _settle(attempt, list(attempt.paper.order_by("position")))
        attempt.save(update_fields=["score", "max_score", "passed"])
        _record_final(attempt)
    return attempt


def _record_final(attempt: ExamAttempt) -> None:
    """A passed attempt at a course's final exam counts towards completion (called with the
    enrolment locked)."""
    if attempt.passed and attempt.exam.is_final:
        enrollment_final_exam_record(
            enrollment_id=attempt.enrollment_id,
            percent=attempt.score * 100 // attempt.max_score if attempt.max_score else 100,
            passed_at=attempt.submitted_at,
        )


def _settle(attempt: ExamAttempt, rows: list[AttemptQuestion]) -> None:
    """Set the attempt's score and result from its paper's ``points_awarded``."""
    total = sum(row.points for row in rows)
    attempt.max_score = total
    attempt.score = sum(row.points_awarded or 0 for row in rows)
    if any(row.points_awarded is None for row in rows):
        attempt.passed = None  # awaiting marking
    else:
        attempt.passed = attempt.score * 100 >= attempt.exam.pass_mark_percent * total


def attempts_close_overdue(now: datetime | None = None) -> int:
    """Submit every unsubmitted attempt whose deadline and ``GRACE`` have passed (except in a
    paused exam room: its time does not run); returns how many it closed. Each attempt in its
    own transaction through ``attempt_submit``, which locks the enrolment then the attempt and
    leaves a submitted attempt alone, so two sweeps, or a learner submitting at the same moment,
    never grade an attempt twice. A second run finds nothing to do."""
    now = now or timezone.now()
    closed = 0
    last_id = 0
    while True:
        ids = list(
            ExamAttempt.objects.filter(submitted_at__isnull=True, deadline__lt=now - GRACE, pk__gt=last_id)
            .exclude(room__paused_at__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)[:CLOSE_BATCH]
        )
        for attempt_id in ids:
            closed += _submit(attempt_id=attempt_id, now=now)[1]
        if len(ids) < CLOSE_BATCH:
            return closed
        last_id = ids[-1]
