"""Exam rooms: an exam sat in an offline class session.

The coordinator opens a room for an exam in one of their class sessions (``room_open``). The
projector page shows the room code, which changes every minute (``room_code``): a learner in the
room types it to start (``room_find_by_code``); a code read off a photo sent to someone at home
stops working a minute later. The code of the minute before is still accepted, so a code read in
the last seconds of its minute works. Pausing (``room_pause``) stops every attempt in the room:
no answer is saved and the sweep leaves them open; resuming (``room_resume``) moves their
deadlines on by the length of the pause. A learner whose phone died is let in on another phone
(``attempt_device_release``). Every one of these is in the exam's audit log.

The coordinator's seat list (``room_seats``) shows where every learner of the class is; a learner
who sits the exam on paper gets their score entered by hand (``paper_score_record``), marked as
such.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from counties.models import Attendance, ClassSession
from enrollment.models import Enrollment
from enrollment.services import enrollment_final_exam_record

from .models import AttemptEvent, Exam, ExamAttempt, ExamAuditEntry, ExamRoom
from .papers import PaperError
from .policy import sitting_rules

CODE_DIGITS = 6
CODE_PERIOD_SECONDS = 60


class RoomError(PaperError):
    """A room that cannot be opened, or a code that opens no room; ``messages`` say why."""


def _minute(now: datetime) -> int:
    return int(now.timestamp()) // CODE_PERIOD_SECONDS


def _code(secret: str, minute: int) -> str:
    digest = hmac.new(secret.encode(), str(minute).encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def room_code(room: ExamRoom, now: datetime | None = None) -> str:
    """The room's code at ``now`` (six digits, a new one every minute)."""
    return _code(room.secret, _minute(now or timezone.now()))


def room_code_seconds_left(now: datetime | None = None) -> int:
    """Seconds until the code changes."""
    now = now or timezone.now()
    return CODE_PERIOD_SECONDS - int(now.timestamp()) % CODE_PERIOD_SECONDS


def room_find_by_code(code: str, now: datetime | None = None) -> ExamRoom:
    """The open room whose code is ``code`` this minute or the minute before. Raises RoomError
    for anything else (a wrong code, an expired one, a closed room's): the message does not say
    which, so codes cannot be probed."""
    now = now or timezone.now()
    code = "".join(character for character in code or "" if character.isdigit())
    if len(code) != CODE_DIGITS:
        raise RoomError([_("Type the six digits of the room code shown in your exam room.")])
    minute = _minute(now)
    for room in ExamRoom.objects.filter(closed_at__isnull=True).select_related("exam", "session"):
        if any(hmac.compare_digest(_code(room.secret, m), code) for m in (minute, minute - 1)):
            return room
    raise RoomError(
        [_("This room code is not valid now. Type the code shown in your exam room at this moment.")]
    )


def room_open(*, exam: Exam, session: ClassSession, by: User | None) -> ExamRoom:
    """Open a room for ``exam`` in ``session`` (the one open room of that exam and session if
    there is one). Raises RoomError when the exam is not published or belongs to another course
    than the session's cohort."""
    if exam.status != Exam.Status.PUBLISHED:
        raise RoomError([_("This exam is not published.")])
    if exam.course_id != session.cohort.course_id:
        raise RoomError([_("This exam belongs to another course than the class.")])
    existing = ExamRoom.objects.filter(exam=exam, session=session, closed_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            room = ExamRoom.objects.create(
                exam=exam, session=session, secret=secrets.token_hex(32), opened_by=by
            )
            ExamAuditEntry.objects.record(
                exam_id=exam.pk, actor=by, action="room_opened", room=room.pk, session=session.pk
            )
    except IntegrityError:  # opened at the same moment by another request
        return ExamRoom.objects.get(exam=exam, session=session, closed_at__isnull=True)
    return room


def room_pause(*, room: ExamRoom, by: User | None, reason: str = "") -> ExamRoom:
    """Pause every attempt in the room (a power cut): answers are refused, no time runs.
    Idempotent."""
    with transaction.atomic():
        locked = ExamRoom.objects.select_for_update().get(pk=room.pk)
        if locked.paused_at is None and locked.closed_at is None:
            locked.paused_at = timezone.now()
            locked.save(update_fields=["paused_at"])
            ExamAuditEntry.objects.record(
                exam_id=locked.exam_id, actor=by, action="room_paused", reason=reason, room=locked.pk
            )
    return locked


def room_resume(*, room: ExamRoom, by: User | None) -> ExamRoom:
    """Resume a paused room: the deadline of every open attempt in it moves on by the length of
    the pause, in one UPDATE. Idempotent."""
    with transaction.atomic():
        locked = ExamRoom.objects.select_for_update().get(pk=room.pk)
        if locked.paused_at is not None:
            paused_for = timezone.now() - locked.paused_at
            ExamAttempt.objects.filter(room=locked, submitted_at__isnull=True, deadline__isnull=False).update(
                deadline=F("deadline") + paused_for
            )
            locked.paused_at = None
            locked.save(update_fields=["paused_at"])
            ExamAuditEntry.objects.record(
                exam_id=locked.exam_id,
                actor=by,
                action="room_resumed",
                room=locked.pk,
                paused_seconds=int(paused_for.total_seconds()),
            )
    return locked


def room_close(*, room: ExamRoom, by: User | None) -> ExamRoom:
    """Close the room to new starts (a paused room is resumed first, so its attempts get their
    time back). Attempts in progress go on to their deadline. Idempotent."""
    room_resume(room=room, by=by)
    with transaction.atomic():
        locked = ExamRoom.objects.select_for_update().get(pk=room.pk)
        if locked.closed_at is None:
            locked.closed_at = timezone.now()
            locked.save(update_fields=["closed_at"])
            ExamAuditEntry.objects.record(
                exam_id=locked.exam_id, actor=by, action="room_closed", room=locked.pk
            )
    return locked


def attempt_device_release(*, attempt: ExamAttempt, by: User | None, reason: str = "") -> ExamAttempt:
    """Let the learner continue an attempt on another phone: the next phone that opens it takes
    it over (``attempt_start`` binds it). Logged on the attempt and in the audit."""
    with transaction.atomic():
        locked = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.submitted_at is None and locked.device_token:
            locked.device_token = ""
            locked.save(update_fields=["device_token"])
            AttemptEvent.objects.create(attempt=locked, kind=AttemptEvent.Kind.DEVICE_RELEASED)
            ExamAuditEntry.objects.record(
                exam_id=locked.exam_id,
                attempt_id=locked.pk,
                enrollment_id=locked.enrollment_id,
                actor=by,
                action="device_released",
                reason=reason,
            )
    return locked


# --- the seat list and the paper fallback ------------------------------------------------------

SEAT_LEARNER_STATUSES = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)


class SeatState:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    AWAITING_MARKING = "awaiting_marking"
    SUBMITTED = "submitted"
    ON_PAPER = "on_paper"


@dataclass(frozen=True)
class Seat:
    """A learner of the room's class as the coordinator's seat list shows them: where they are
    with the exam (``state``, one of SeatState), their attempt in the room if any, the seconds
    left of a timed attempt in progress (frozen while the room is paused; None: untimed) and
    whether the session's attendance has them present (sitting the exam records it)."""

    enrollment_id: int
    name: str
    state: str
    attempt: ExamAttempt | None
    seconds_left: int | None
    present: bool

    @property
    def time_left(self) -> str:
        """The seconds left as a clock ("42:05", "1:02:05"); "" when untimed."""
        if self.seconds_left is None:
            return ""
        hours, rest = divmod(self.seconds_left, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"

    @property
    def percent(self) -> int | None:
        attempt = self.attempt
        if attempt is None or attempt.score is None or not attempt.max_score:
            return None
        return attempt.score * 100 // attempt.max_score


def _seat_state(attempt: ExamAttempt | None) -> str:
    if attempt is None:
        return SeatState.NOT_STARTED
    if attempt.on_paper:
        return SeatState.ON_PAPER
    if attempt.submitted_at is None:
        return SeatState.IN_PROGRESS
    if attempt.passed is None:
        return SeatState.AWAITING_MARKING
    return SeatState.SUBMITTED


def room_seats(*, room: ExamRoom, now: datetime | None = None) -> list[Seat]:
    """The seat list of ``room``: every learner studying in (or having completed) the class of
    its session, by name, with their latest attempt at the exam that belongs to the room: one
    sat in it, started since it opened, or still open. Three queries, whatever the size of the
    class."""
    now = now or timezone.now()
    cohort_id = room.session.cohort_id
    learners = list(
        Enrollment.objects.filter(cohort_id=cohort_id, status__in=SEAT_LEARNER_STATUSES)
        .order_by("learner__name", "pk")
        .values_list("pk", "learner_id", "learner__name", "learner__email", "learner__mobile")
    )
    latest: dict[int, ExamAttempt] = {}
    for attempt in (
        ExamAttempt.objects.filter(exam_id=room.exam_id, enrollment__cohort_id=cohort_id)
        .filter(Q(room=room) | Q(started_at__gte=room.opened_at) | Q(submitted_at__isnull=True))
        .only(
            "pk",
            "enrollment_id",
            "number",
            "started_at",
            "deadline",
            "submitted_at",
            "score",
            "max_score",
            "passed",
            "on_paper",
            "device_token",
            "room_id",
        )
        .order_by("enrollment_id", "number")
    ):
        latest[attempt.enrollment_id] = attempt
    present = set(
        Attendance.objects.filter(session_id=room.session_id, status=Attendance.Status.PRESENT).values_list(
            "learner_id", flat=True
        )
    )
    clock = room.paused_at or now  # no time runs while the room is paused
    seats = []
    for enrollment_id, learner_id, name, email, mobile in learners:
        attempt = latest.get(enrollment_id)
        state = _seat_state(attempt)
        seconds_left = None
        if state == SeatState.IN_PROGRESS and attempt.deadline is not None:
            seconds_left = max(int((attempt.deadline - clock).total_seconds()), 0)
        seats.append(
            Seat(
                enrollment_id=enrollment_id,
                name=name or email or mobile or str(learner_id),
                state=state,
                attempt=attempt,
                seconds_left=seconds_left,
                present=learner_id in present,
            )
        )
    return seats


def paper_points(exam: Exam) -> int:
    """The points of the exam's paper by its blueprint (every rule's count × points): what a
    paper sheet is marked out of, unless the coordinator says otherwise."""
    return sum(rule.count * rule.points for rule in exam.rules.all())


def paper_score_record(
    *,
    room: ExamRoom,
    enrollment: Enrollment,
    score: int,
    max_score: int,
    by: User | None,
    note: str = "",
    now: datetime | None = None,
) -> ExamAttempt:
    """Record the score of an exam sat on paper in ``room`` (the paper fallback): a new attempt,
    the enrolment's next number, submitted now, ``on_paper`` and ``entered_by``, with ``score``
    out of ``max_score`` and passed by the exam's pass mark; an audit entry says who entered it.
    A passed final exam is recorded on the enrolment (which may complete it).

    Raises ValidationError, writing nothing, when the points are out of range (keys ``score`` and
    ``max_score``), RoomError when the learner is not in the room's class or course, or has used
    every attempt the exam allows them (an exception's extra attempts count). One
    transaction, the enrolment row locked (a paper entry and an online start never share a
    number)."""
    now = now or timezone.now()
    errors = {}
    if max_score < 1:
        errors["max_score"] = _("A paper is worth at least one point.")
    elif not 0 <= score <= max_score:
        errors["score"] = _("The score is from 0 to %(max)d.") % {"max": max_score}
    if errors:
        raise ValidationError(errors)
    room = ExamRoom.objects.select_related("exam", "session").get(pk=room.pk)
    exam = room.exam
    if enrollment.cohort_id != room.session.cohort_id or enrollment.course_id != exam.course_id:
        raise RoomError([_("This learner is not in the class of this exam room.")])
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk").get()
        used = ExamAttempt.objects.filter(exam=exam, enrollment_id=enrollment.pk).aggregate(
            last=Max("number"), count=Count("pk")
        )
        allowed = sitting_rules(exam=exam, enrollment=enrollment).max_attempts
        if allowed is not None and used["count"] >= allowed:
            raise RoomError(
                [
                    ngettext(
                        "This learner has used the %(count)d attempt this exam allows: grant them an "
                        "extra attempt first.",
                        "This learner has used all %(count)d attempts this exam allows: grant them an "
                        "extra attempt first.",
                        allowed,
                    )
                    % {"count": allowed}
                ]
            )
        number = (used["last"] or 0) + 1
        passed = score * 100 >= exam.pass_mark_percent * max_score
        attempt = ExamAttempt.objects.create(
            exam=exam,
            enrollment_id=enrollment.pk,
            number=number,
            started_at=now,
            submitted_at=now,
            score=score,
            max_score=max_score,
            passed=passed,
            room=room,
            on_paper=True,
            entered_by=by,
        )
        ExamAuditEntry.objects.record(
            exam_id=exam.pk,
            attempt_id=attempt.pk,
            enrollment_id=enrollment.pk,
            actor=by,
            action="paper_score_entered",
            reason=note,
            room=room.pk,
            number=number,
            score=score,
            max_score=max_score,
        )
        if passed and exam.is_final:
            enrollment_final_exam_record(
                enrollment_id=enrollment.pk, percent=score * 100 // max_score, passed_at=now
            )
    return attempt


# A room stays open for one class day at most: a room left open (or paused) by mistake would
# otherwise keep its attempts from closing for ever.
ROOM_MAX_OPEN = timedelta(hours=12)


def rooms_close_stale(now: datetime | None = None) -> int:
    """Close every room opened more than ``ROOM_MAX_OPEN`` ago (a paused one is resumed first,
    so its attempts get their paused time back and then close at their deadline as usual);
    returns how many. Run every minute with the overdue-attempt sweep; idempotent."""
    now = now or timezone.now()
    stale = list(ExamRoom.objects.filter(closed_at__isnull=True, opened_at__lt=now - ROOM_MAX_OPEN))
    for room in stale:
        room_close(room=room, by=None)
    return len(stale)
