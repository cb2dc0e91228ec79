"""The learner's side of exams: the exams of their courses, an exam's page (its rules for them,
their attempts, Start or Continue), entering an exam room by its code, the paper page by page
(a plain form; ``static/js/exam.js`` adds a countdown and autosave on top), the review that
confirms the submit, and the result.

Access: an exam is found through the learner's own studying or completed enrolment in its course,
an attempt through its enrolment's learner; anything else is a 404. What may be done and when
is decided by ``exams.attempts`` and ``exams.policy``; the pages only read and show it. The
answer key (right options, accepted answers, explanations) is never read for a page before
``exams.policy.results_released`` says so.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from enrollment.models import Enrollment
from exams.attempts import (
    GRACE,
    MAX_TEXT_ANSWER,
    OTHER_DEVICE,
    SITTING,
    AttemptError,
    attempt_answers_save,
    attempt_start,
    attempt_submit,
)
from exams.models import AttemptQuestion, BankChoice, BankQuestion, Exam, ExamAttempt, ExamRoom
from exams.papers import PaperError
from exams.policy import SittingRules, attempt_percent, counted_attempt, results_released, sitting_rules
from exams.rooms import RoomError, room_find_by_code

from .exam_forms import RoomCodeForm, field_name, page_answers, saved_answer

Kind = BankQuestion.Kind
PAGE_SIZE = 5
ROOM_RATE_GROUP = "learn.exam_room"
# Wrong room codes a learner may type per minute: plenty for typos, far too few to guess a code
# that changes every minute.
ROOM_CODE_RATE = "10/m"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# An exam that opens within this time shows its Start button already: the learners of a sitting
# wait on the exam's page, and a script enables the button at the opening, so the page need not
# be loaded again then (without the script, a press before the time says when the exam opens).
WAITING_ROOM = timedelta(hours=1)


# --- access and time --------------------------------------------------------------------------


def _device(request) -> str:
    return request.headers.get("user-agent", "")[:200]


def _device_token(request) -> str:
    """This browser's token: an attempt in an exam room answers only from the browser (the
    phone) that started it."""
    return request.session.setdefault("exam_device", secrets.token_urlsafe(16))


def _sitting_enrollment(request, course_id: int) -> Enrollment | None:
    return (
        Enrollment.objects.for_learner(request.user).filter(course_id=course_id, status__in=SITTING).first()
    )


def _exam_for(request, pk: int) -> tuple[Exam, Enrollment]:
    """A published exam of a course the learner studies or completed, and their enrolment; 404
    otherwise."""
    exam = get_object_or_404(
        Exam.objects.filter(status=Exam.Status.PUBLISHED).select_related("course"), pk=pk
    )
    enrollment = _sitting_enrollment(request, exam.course_id)
    if enrollment is None:
        raise Http404
    return exam, enrollment


def _own_attempts(request):
    """The learner's own attempts, through enrolments they study or completed."""
    return ExamAttempt.objects.filter(enrollment__learner_id=request.user.pk, enrollment__status__in=SITTING)


def _attempt_for(request, pk: int) -> ExamAttempt:
    """The learner's own attempt with its exam, course and room; 404 otherwise."""
    return get_object_or_404(
        _own_attempts(request).select_related("exam__course", "room", "enrollment"), pk=pk
    )


def _paused(attempt: ExamAttempt) -> bool:
    return attempt.room_id is not None and attempt.room.paused_at is not None


def _seconds_left(deadline: datetime | None, moment: datetime) -> int | None:
    """Whole seconds from ``moment`` to the deadline, rounded up (a countdown started from it
    ends after the server's deadline, never before); None without a deadline."""
    if deadline is None:
        return None
    return max(0, math.ceil((deadline - moment).total_seconds()))


def _time_left(attempt: ExamAttempt, now: datetime) -> int | None:
    # In a paused room no time runs: the clock stands at the pause until the room resumes
    # (which moves the deadline on).
    return _seconds_left(attempt.deadline, attempt.room.paused_at if _paused(attempt) else now)


def _clock(seconds: int | None) -> str:
    """Seconds as the countdown shows them: 1:05:09, 42:07."""
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _over(attempt: ExamAttempt, now: datetime) -> bool:
    """Not submitted, and its deadline and the grace have passed (a paused room holds it)."""
    return (
        attempt.submitted_at is None
        and attempt.deadline is not None
        and now > attempt.deadline + GRACE
        and not _paused(attempt)
    )


def _result_redirect(attempt: ExamAttempt) -> HttpResponse:
    return redirect("learn:attempt_result", pk=attempt.pk)


def _ended(request, attempt: ExamAttempt, now: datetime) -> HttpResponse | None:
    """The result page for an attempt that can no longer be answered; one whose time ran out is
    submitted first (graded from the answers saved)."""
    if attempt.submitted_at is not None:
        return _result_redirect(attempt)
    if _over(attempt, now):
        attempt_submit(attempt_id=attempt.pk, now=now, device=_device(request))
        messages.info(
            request, _("Your attempt was submitted with the answers saved before the time ran out.")
        )
        return _result_redirect(attempt)
    return None


def _elsewhere(request, attempt: ExamAttempt) -> HttpResponse | None:
    """The exam's page, for an attempt in an exam room that this browser may not answer: it is
    bound to another phone, or was released to continue on a new one (Continue binds it)."""
    if attempt.room_id is None or (attempt.device_token and attempt.device_token == _device_token(request)):
        return None
    if attempt.device_token:
        messages.error(request, str(OTHER_DEVICE))
    else:
        messages.info(request, _("Press Continue to go on with your attempt on this phone."))
    return redirect("learn:exam", pk=attempt.exam_id)


def _errors(request, error: PaperError) -> None:
    # An AttemptError speaks to the learner; a paper that cannot be drawn also lists the rules
    # that failed, which is for the exam's editor.
    for message in error.messages if isinstance(error, AttemptError) else error.messages[:1]:
        messages.error(request, message)


# --- the exams of my courses ----------------------------------------------------------------


@dataclass(eq=False)
class ExamItem:
    exam: Exam
    attempts: int = 0
    in_progress: bool = False
    awaiting: bool = False


@login_required
def exam_list(request):
    """The published exams of the courses the learner studies or completed, by course, with how
    many attempts they made and whether one is in progress (3 queries)."""
    enrollments = {
        enrollment.course_id: enrollment
        for enrollment in Enrollment.objects.for_learner(request.user)
        .filter(status__in=SITTING)
        .select_related("course")
        .only("course_id", "course__title", "course__slug")
    }
    items = {
        exam.pk: ExamItem(exam=exam)
        for exam in Exam.objects.filter(
            course_id__in=list(enrollments), status=Exam.Status.PUBLISHED
        ).order_by("course_id", "position", "-is_final", "title", "pk")
    }
    now = timezone.now()
    for exam_id, submitted_at, deadline, passed in ExamAttempt.objects.filter(
        exam_id__in=list(items), enrollment_id__in=[enrollment.pk for enrollment in enrollments.values()]
    ).values_list("exam_id", "submitted_at", "deadline", "passed"):
        item = items[exam_id]
        item.attempts += 1
        if submitted_at is None and (deadline is None or now <= deadline + GRACE):
            item.in_progress = True
        if submitted_at is not None and passed is None:
            item.awaiting = True
    courses = []
    for course_id, enrollment in sorted(enrollments.items(), key=lambda pair: pair[1].course.title):
        exams = [item for item in items.values() if item.exam.course_id == course_id]
        if exams:
            courses.append((enrollment.course, exams))
    return render(request, "learn/exam_list.html", {"courses": courses})


# --- an exam's page and starting --------------------------------------------------------------


def _start_blocker(rules: SittingRules, attempts: list[ExamAttempt], now: datetime) -> str:
    """Why no attempt can be started now (the reasons ``attempt_start`` gives), "" if one can.
    The start itself decides; this only spares the learner a button that cannot work."""
    if rules.opens_at and now < rules.opens_at:
        return _("This exam opens on %(time)s.") % {"time": _local(rules.opens_at)}
    if rules.closes_at and now >= rules.closes_at:
        return _("This exam has closed.")
    if rules.max_attempts is not None and len(attempts) >= rules.max_attempts:
        return ngettext(
            "You have used the %(count)d attempt this exam allows.",
            "You have used all %(count)d attempts this exam allows.",
            rules.max_attempts,
        ) % {"count": rules.max_attempts}
    ended = [
        attempt.submitted_at or attempt.deadline + GRACE
        for attempt in attempts
        if attempt.deadline or attempt.submitted_at
    ]
    if rules.cool_off and ended and now < max(ended) + rules.cool_off:
        return _("You can start your next attempt on %(time)s.") % {
            "time": _local(max(ended) + rules.cool_off)
        }
    return ""


def _opens_in(rules: SittingRules, attempts: list[ExamAttempt], now: datetime) -> int | None:
    """Seconds until the exam opens for the learner, when it opens within ``WAITING_ROOM`` and
    nothing else would stop a start then; None otherwise."""
    opens_at = rules.opens_at
    if opens_at is None or not now < opens_at <= now + WAITING_ROOM:
        return None
    return None if _start_blocker(rules, attempts, opens_at) else _seconds_left(opens_at, now)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@login_required
def exam_page(request, pk: int):
    """An exam for the learner: the rules that apply to them (their exception and cohort window
    applied), Start or Continue (or, within ``WAITING_ROOM`` of the opening, Start with the
    time left until then), and their attempts with the result of those released."""
    exam, enrollment = _exam_for(request, pk)
    now = timezone.now()
    rules = sitting_rules(exam=exam, enrollment=enrollment)
    attempts = list(
        ExamAttempt.objects.filter(exam=exam, enrollment=enrollment).select_related("room").order_by("number")
    )
    in_progress = None
    for attempt in attempts:
        attempt.exam = exam
        attempt.released = results_released(attempt=attempt, now=now, closes_at=rules.closes_at)
        attempt.percent = attempt_percent(attempt) if attempt.released else None
        attempt.open = attempt.submitted_at is None and not _over(attempt, now)
        if attempt.open:
            in_progress = attempt
    counted = counted_attempt(exam=exam, attempts=[attempt for attempt in attempts if attempt.released])
    opens_in = None if in_progress else _opens_in(rules, attempts, now)
    context = {
        "exam": exam,
        "course": exam.course,
        "enrollment": enrollment,
        "rules": rules,
        "attempts": attempts,
        "attempts_used": len(attempts),
        "in_progress": in_progress,
        "blocker": "" if in_progress or opens_in is not None else _start_blocker(rules, attempts, now),
        "opens_in": opens_in,
        "opens_clock": _clock(opens_in),
        "counted": counted,
    }
    return render(request, "learn/exam_detail.html", context)


@login_required
@require_POST
def exam_start(request, pk: int):
    """Start an attempt, or continue the one in progress; the reason when neither is possible."""
    exam, enrollment = _exam_for(request, pk)
    try:
        # Online, the phone is not bound (a room's attempt is): read the token, never create it,
        # so that a start does not write the session.
        attempt = attempt_start(
            exam=exam,
            enrollment=enrollment,
            device=_device(request),
            device_token=request.session.get("exam_device", ""),
        )
    except PaperError as error:
        _errors(request, error)
        return redirect("learn:exam", pk=exam.pk)
    return redirect("learn:attempt", pk=attempt.pk)


def _guessing_room_codes(request, *, wrong_code: bool = False) -> bool:
    return is_ratelimited(
        request, group=ROOM_RATE_GROUP, key="user", rate=ROOM_CODE_RATE, increment=wrong_code
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def exam_room(request):
    """Enter an exam room with the code on its projector: starts (or continues) the attempt in
    the room, bound to this phone, and records the learner present at the class. Wrong codes
    are rate limited per learner."""
    form = RoomCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound and form.is_valid():
        if _guessing_room_codes(request):
            raise Ratelimited()
        try:
            room = room_find_by_code(form.cleaned_data["code"])
        except RoomError as error:
            if _guessing_room_codes(request, wrong_code=True):
                raise Ratelimited() from None
            form.add_error("code", error.messages)
        else:
            enrollment = _sitting_enrollment(request, room.exam.course_id)
            if enrollment is None:
                form.add_error("code", _("You are not enrolled in the course of this exam."))
                status = 404
            else:
                try:
                    attempt = attempt_start(
                        exam=room.exam,
                        enrollment=enrollment,
                        room=room,
                        device=_device(request),
                        device_token=_device_token(request),
                    )
                except PaperError as error:
                    form.add_error(
                        "code", error.messages if isinstance(error, AttemptError) else error.messages[:1]
                    )
                else:
                    return redirect("learn:attempt", pk=attempt.pk)
    return render(request, "learn/exam_room.html", {"form": form}, status=status)


# --- the paper --------------------------------------------------------------------------------


@dataclass(eq=False)
class PaperItem:
    """A question of the paper as the page shows it: never its key."""

    position: int
    kind: str
    text: str
    points: int
    answer: Any
    choices: list[tuple[int, str, str, bool]] = field(default_factory=list)  # id, letter, text, chosen
    value: str = ""

    @property
    def name(self) -> str:
        return field_name(self.position)

    @property
    def answered(self) -> bool:
        return self.answer not in (None, "", [])

    @property
    def multiple(self) -> bool:
        return self.kind == Kind.MULTIPLE

    @property
    def input_type(self) -> str:
        return "checkbox" if self.kind == Kind.MULTIPLE else "radio"

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


def _paper(attempt: ExamAttempt) -> list[PaperItem]:
    """The attempt's paper in order with the learner's answers: the questions' text and kind,
    nothing of their key (1 query)."""
    rows = (
        AttemptQuestion.objects.filter(attempt_id=attempt.pk)
        .order_by("position")
        .values_list("position", "question__kind", "question__text", "points", "answer", "choice_order")
    )
    items = []
    for position, kind, text, points, answer, choice_order in rows:
        item = PaperItem(position=position, kind=kind, text=text, points=points, answer=answer)
        item.choice_order = choice_order or []
        items.append(item)
    return items


def _with_choices(items: list[PaperItem], answers: dict[int, Any] | None = None) -> None:
    """Fill in the options (their text only) and the answer shown of ``items``: the one saved,
    or the one just sent when ``answers`` has it (1 query)."""
    ids = {choice_id for item in items for choice_id in item.choice_order}
    texts = dict(BankChoice.objects.filter(pk__in=ids).values_list("pk", "text")) if ids else {}
    for item in items:
        answer = answers[item.position] if answers and item.position in answers else item.answer
        if item.kind in BankQuestion.CHOICE_KINDS:
            chosen = {str(value) for value in answer} if isinstance(answer, list) else set()
            lettered = item.kind != Kind.TRUE_FALSE
            shown = [choice_id for choice_id in item.choice_order if choice_id in texts]
            item.choices = [
                (
                    choice_id,
                    LETTERS[index % len(LETTERS)] if lettered else "",
                    texts[choice_id],
                    str(choice_id) in chosen,
                )
                for index, choice_id in enumerate(shown)
            ]
        else:
            item.value = answer if isinstance(answer, str) else ""


def _page_number(raw: str | None, pages: int) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def _page_url(attempt: ExamAttempt, number: int) -> str:
    return f"{reverse('learn:attempt', args=[attempt.pk])}?page={number}"


def _destination(attempt: ExamAttempt, go: str, number: int, pages: int) -> str:
    """Where the button pressed leads after the page is saved."""
    if go == "review" or (go == "next" and number >= pages):
        return reverse("learn:attempt_review", args=[attempt.pk])
    if go == "next":
        return _page_url(attempt, number + 1)
    if go == "prev":
        return _page_url(attempt, max(1, number - 1))
    if go.startswith("page-") and go[5:].isdigit():
        return _page_url(attempt, _page_number(go[5:], pages))
    return _page_url(attempt, number)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def attempt_page(request, pk: int):
    """A page of the paper (``?page=N``, PAGE_SIZE questions): a plain form whose POST saves the
    page's answers in one call (an unanswered question clears its answer) and goes where the
    button pressed says. Once the time is up (the deadline passed: saved, then submitted; the
    grace passed too: refused, then submitted) it leads to the result."""
    attempt = _attempt_for(request, pk)
    now = timezone.now()
    if request.method == "POST" and _over(attempt, now):
        messages.error(request, _("The time for this attempt is up; the answer was not saved."))
    if response := _ended(request, attempt, now):
        return response
    if response := _elsewhere(request, attempt):
        return response
    paper = _paper(attempt)
    pages = max(1, math.ceil(len(paper) / PAGE_SIZE))
    for index, item in enumerate(paper):
        item.page = index // PAGE_SIZE + 1
    source = request.POST if request.method == "POST" else request.GET
    number = _page_number(source.get("page"), pages)
    on_page = paper[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    sent, errors, status = None, [], 200
    if request.method == "POST":
        sent = page_answers(request.POST, [(item.position, item.kind) for item in on_page])
        try:
            attempt_answers_save(
                attempt_id=attempt.pk,
                answers=sent,
                now=now,
                device_token=request.session.get("exam_device", ""),
                device=_device(request),
            )
        except AttemptError as error:
            attempt.refresh_from_db(fields=["submitted_at", "deadline", "device_token"])
            if attempt.submitted_at is not None or _over(attempt, now):
                for message in error.messages:
                    messages.error(request, message)
                return _ended(request, attempt, now)
            errors, status = error.messages, 409 if _paused(attempt) else 400
        else:
            if attempt.deadline is not None and now >= attempt.deadline:
                attempt_submit(attempt_id=attempt.pk, now=now, device=_device(request))
                messages.info(
                    request, _("Your attempt was submitted with the answers saved before the time ran out.")
                )
                return _result_redirect(attempt)
            return redirect(_destination(attempt, request.POST.get("go", ""), number, pages))
    _with_choices(on_page, sent)
    seconds_left = _time_left(attempt, now)
    context = {
        "attempt": attempt,
        "exam": attempt.exam,
        "course": attempt.exam.course,
        "paper": paper,
        "questions": on_page,
        "page_number": number,
        "pages": pages,
        "answered": sum(item.answered for item in paper),
        "seconds_left": seconds_left,
        "clock": _clock(seconds_left),
        "paused": _paused(attempt),
        "errors": errors,
        "max_text": MAX_TEXT_ANSWER,
    }
    return render(request, "learn/exam_attempt.html", context, status=status)


def _save_answer(ok: bool, status: int = 200, **data) -> JsonResponse:
    return JsonResponse({"ok": ok, **data}, status=status)


@require_POST
def attempt_save(request, pk: int):
    """Autosave one question (``position``, its ``answer`` fields: option ids or a text; none
    clears it) for static/js/exam.js. JSON: ``ok``, ``saved_at`` and ``seconds_left`` (the
    server's clock: the countdown follows it); else ``error`` and ``closed`` (the attempt can
    take no more answers: submitted, or its time up, in which case it is submitted now) with
    409 (time up, submitted, paused room, another phone) or 400 (an answer that does not fit).
    A fixed, small number of queries: it is the busiest request of a sitting."""
    if not request.user.is_authenticated:
        return _save_answer(
            False,
            403,
            error=_("You are signed out: sign in again, your answers so far are saved."),
            closed=False,
        )
    token = request.session.get("exam_device", "")
    now = timezone.now()
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = 0
    if not 0 < position < 2**15:  # a position of the paper (a small integer in the database)
        get_object_or_404(_own_attempts(request), pk=pk)
        return _save_answer(False, 400, error=_("This question is not on your paper."), closed=False)
    try:
        saved = attempt_answers_save(
            attempt_id=pk,
            learner_id=request.user.pk,
            answers={position: saved_answer(request.POST.getlist("answer"))},
            now=now,
            device_token=token,
            device=_device(request),
        )
    except ExamAttempt.DoesNotExist:
        raise Http404 from None
    except AttemptError as error:
        attempt = get_object_or_404(
            _own_attempts(request).only("pk", "deadline", "submitted_at", "device_token", "room_id"), pk=pk
        )
        paused = (
            attempt.room_id is not None
            and ExamRoom.objects.filter(pk=attempt.room_id, paused_at__isnull=False).exists()
        )
        over = (
            attempt.submitted_at is None and attempt.deadline is not None and now > attempt.deadline + GRACE
        )
        if over and not paused:
            attempt_submit(attempt_id=attempt.pk, now=now, device=_device(request))
        closed = attempt.submitted_at is not None or (over and not paused)
        conflict = closed or paused or bool(attempt.device_token and attempt.device_token != token)
        return _save_answer(False, 409 if conflict else 400, error=" ".join(error.messages), closed=closed)
    deadline = saved[0].attempt.deadline
    return _save_answer(True, saved_at=now.isoformat(), seconds_left=_seconds_left(deadline, now))


@login_required
def attempt_review(request, pk: int):
    """Every question, answered or not, with a link to its page, and the Submit button: the
    confirmation before submitting."""
    attempt = _attempt_for(request, pk)
    now = timezone.now()
    if response := _ended(request, attempt, now):
        return response
    if response := _elsewhere(request, attempt):
        return response
    paper = _paper(attempt)
    for index, item in enumerate(paper):
        item.page = index // PAGE_SIZE + 1
    unanswered = [item for item in paper if not item.answered]
    seconds_left = _time_left(attempt, now)
    context = {
        "attempt": attempt,
        "exam": attempt.exam,
        "course": attempt.exam.course,
        "paper": paper,
        "unanswered": unanswered,
        "answered": len(paper) - len(unanswered),
        "seconds_left": seconds_left,
        "clock": _clock(seconds_left),
        "paused": _paused(attempt),
    }
    return render(request, "learn/exam_review.html", context)


@login_required
@require_POST
def attempt_finish(request, pk: int):
    """Submit the attempt (the review page is the confirmation); submitting twice is harmless."""
    attempt = _attempt_for(request, pk)
    if attempt.submitted_at is not None:
        return _result_redirect(attempt)
    if response := _elsewhere(request, attempt):
        return response
    attempt_submit(attempt_id=attempt.pk, device=_device(request))
    return _result_redirect(attempt)


# --- the result -------------------------------------------------------------------------------


@dataclass(eq=False)
class Correction:
    """A question of a released attempt: the learner's answer, the right one, the explanation."""

    position: int
    kind: str
    text: str
    points: int
    points_awarded: int | None
    explanation: str
    marker_comment: str
    choices: list[tuple[str, str, bool, bool]] = field(default_factory=list)  # letter, text, chosen, right
    given: str = ""
    accepted: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return self.points_awarded is not None and self.points_awarded == self.points

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


def _corrections(attempt: ExamAttempt) -> list[Correction]:
    """The released attempt's paper with the learner's answers, the key stored with the paper
    (what it was graded by) and the explanations (2 queries)."""
    rows = list(
        AttemptQuestion.objects.filter(attempt_id=attempt.pk)
        .order_by("position")
        .values_list(
            "position",
            "question__kind",
            "question__text",
            "question__explanation",
            "points",
            "points_awarded",
            "marker_comment",
            "answer",
            "key",
            "choice_order",
        )
    )
    ids = {choice_id for row in rows for choice_id in (row[9] or [])}
    texts = dict(BankChoice.objects.filter(pk__in=ids).values_list("pk", "text")) if ids else {}
    corrections = []
    for position, kind, text, explanation, points, awarded, comment, answer, key, order in rows:
        item = Correction(
            position=position,
            kind=kind,
            text=text,
            points=points,
            points_awarded=awarded,
            explanation=explanation,
            marker_comment=comment,
        )
        if kind in BankQuestion.CHOICE_KINDS:
            chosen = set(answer) if isinstance(answer, list) else set()
            right = set(key or [])
            shown = [choice_id for choice_id in order or [] if choice_id in texts]
            item.choices = [
                (
                    LETTERS[index % len(LETTERS)] if kind != Kind.TRUE_FALSE else "",
                    texts[choice_id],
                    choice_id in chosen,
                    choice_id in right,
                )
                for index, choice_id in enumerate(shown)
            ]
        else:
            item.given = answer if isinstance(answer, str) else ""
            item.accepted = list(key or []) if kind == Kind.FILL_IN else []
        corrections.append(item)
    return corrections


@login_required
def attempt_result(request, pk: int):
    """A submitted attempt: before its results are released, that it is submitted (and what
    awaits marking, and when results come); once released, the score, passed or not and every
    question with the learner's answer, the right answer and the explanation."""
    attempt = _attempt_for(request, pk)
    now = timezone.now()
    if attempt.submitted_at is None:
        if not _over(attempt, now):
            return redirect("learn:attempt", pk=attempt.pk)
        attempt = attempt_submit(attempt_id=attempt.pk, now=now, device=_device(request))
        attempt = _attempt_for(request, pk)
    exam = attempt.exam
    rules = sitting_rules(exam=exam, enrollment=attempt.enrollment)
    released = results_released(attempt=attempt, now=now, closes_at=rules.closes_at)
    context = {
        "attempt": attempt,
        "exam": exam,
        "course": exam.course,
        "released": released,
        "release_closes_at": rules.closes_at,
        "percent": attempt_percent(attempt) if released else None,
    }
    if released:
        context["corrections"] = _corrections(attempt)
    else:
        context |= AttemptQuestion.objects.filter(attempt_id=attempt.pk).aggregate(
            questions=Count("pk"), answered=Count("pk", filter=Q(answer__isnull=False))
        )
    return render(request, "learn/exam_result.html", context)
