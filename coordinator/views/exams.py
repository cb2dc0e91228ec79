"""A cohort's exams: the exam page (windows and figures), exam rooms in class sessions (seat list,
projector, pause, resume, close, another phone, paper scores), blind marking of short answers,
the gradebook with its export, mark changes and per-learner exceptions.

Everything is found through the cohort (``cohort_for``): an exam of another course, a room of
another class, an attempt or an answer of another cohort is a 404 like another county's cohort.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from counties.models import ClassSession, Cohort
from enrollment.models import Enrollment
from exams.gradebook import (
    CLASS_LEARNER_STATUSES,
    STATE_LABELS,
    attempt_state,
    cohort_exam_summaries,
    cohort_exams,
    exception_summary,
    gradebook_filename,
    gradebook_headers,
    gradebook_lines,
    gradebook_rows,
)
from exams.marking import (
    MarkingError,
    answer_mark,
    answer_mark_change,
    cohort_answers,
    marking_next,
    marking_queue,
)
from exams.models import AttemptQuestion, BankChoice, BankQuestion, Exam, ExamAttempt, ExamException, ExamRoom
from exams.policy import exam_window_clear, exam_window_set, exception_grant
from exams.rooms import (
    RoomError,
    SeatState,
    attempt_device_release,
    paper_points,
    paper_score_record,
    room_close,
    room_code,
    room_code_seconds_left,
    room_open,
    room_pause,
    room_resume,
    room_seats,
)
from talentportal.spreadsheets import EXPORT_FORMATS, spreadsheet_response

from ..forms import (
    DeviceReleaseForm,
    ExamExceptionForm,
    ExamRoomOpenForm,
    ExamWindowForm,
    MarkChangeForm,
    MarkForm,
    PaperScoreForm,
    RoomPauseForm,
)
from .access import cohort_for

# How often the seat list refreshes itself with JavaScript (static/js/exam-room.js).
SEATS_REFRESH_SECONDS = 15

SEAT_LABELS = {
    SeatState.NOT_STARTED: gettext_lazy("Not started"),
    SeatState.IN_PROGRESS: gettext_lazy("In progress"),
    SeatState.AWAITING_MARKING: gettext_lazy("Submitted, awaiting marking"),
    SeatState.SUBMITTED: gettext_lazy("Submitted"),
    SeatState.ON_PAPER: gettext_lazy("On paper"),
}

# The exam audit's actions on one attempt, as the attempt page names them.
AUDIT_LABELS = {
    "mark_changed": gettext_lazy("Mark changed"),
    "paper_score_entered": gettext_lazy("Paper score entered"),
    "device_released": gettext_lazy("Allowed on another phone"),
}


# --- access --------------------------------------------------------------------------------------


def _exam_in(cohort: Cohort, exam_pk: int) -> Exam:
    """A published exam of the cohort's course."""
    return get_object_or_404(cohort_exams(cohort), pk=exam_pk)


def _room_for(request, pk: int, room_pk: int) -> tuple[Cohort, ExamRoom]:
    """The cohort and one of the exam rooms of its class sessions."""
    cohort = cohort_for(request, pk)
    room = get_object_or_404(
        ExamRoom.objects.select_related("exam", "session"), pk=room_pk, session__cohort=cohort
    )
    room.session.cohort = cohort
    return cohort, room


def _class_learner(cohort: Cohort, enrollment_pk: int) -> Enrollment:
    """A learner studying in the class or having completed it."""
    return get_object_or_404(
        Enrollment.objects.select_related("learner"),
        cohort=cohort,
        pk=enrollment_pk,
        status__in=CLASS_LEARNER_STATUSES,
    )


def _add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: its fields' errors where the form has them."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- the cohort's exams ----------------------------------------------------------------------------


@login_required
@require_GET
def cohort_exam_list(request, pk: int):
    """The published exams of the cohort's course: the class's window, where its learners are,
    answers to mark, open exam rooms; a fixed number of queries."""
    cohort = cohort_for(request, pk)
    context = {"cohort": cohort, "summaries": cohort_exam_summaries(cohort=cohort)}
    return render(request, "coordinator/exams/exam_list.html", context)


@login_required
def exam_window(request, pk: int, exam_pk: int):
    """Set the class's window for an exam (it replaces the exam's own dates for its learners), or
    remove it."""
    cohort = cohort_for(request, pk)
    exam = _exam_in(cohort, exam_pk)
    window = exam.windows.filter(cohort=cohort).first()
    if request.method == "POST" and "clear" in request.POST:
        if exam_window_clear(exam=exam, cohort=cohort, by=request.user):
            messages.success(request, _("The class's window was removed: the exam's own dates apply."))
        return redirect("coordinator:cohort_exam_list", pk=cohort.pk)
    form = ExamWindowForm(request.POST or None, window=window)
    if request.method == "POST" and form.is_valid():
        try:
            exam_window_set(
                exam=exam,
                cohort=cohort,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The class's window for %(exam)s was saved.") % {"exam": exam.title})
            return redirect("coordinator:cohort_exam_list", pk=cohort.pk)
    context = {"cohort": cohort, "exam": exam, "window": window, "form": form}
    return render(request, "coordinator/exams/window_form.html", context)


# --- exam rooms ----------------------------------------------------------------------------------


@login_required
def exam_room_open(request, pk: int, session_pk: int):
    """Open an exam room in a class session, for one of the course's published exams; it opens on
    the day of the class (sitting the exam records attendance at it). Lists the session's rooms."""
    cohort = cohort_for(request, pk)
    session = get_object_or_404(ClassSession, cohort=cohort, pk=session_pk)
    session.cohort = cohort
    rooms = list(session.exam_rooms.select_related("exam").order_by("-opened_at", "-pk"))
    exams = cohort_exams(cohort)
    context = {"cohort": cohort, "session": session, "rooms": rooms}
    if session.date != timezone.localdate():
        context["not_today"] = True
        status = 400 if request.method == "POST" else 200
        return render(request, "coordinator/exams/room_open.html", context, status=status)
    form = ExamRoomOpenForm(request.POST or None, exams=exams)
    if request.method == "POST" and form.is_valid():
        try:
            room = room_open(exam=form.cleaned_data["exam"], session=session, by=request.user)
        except RoomError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The exam room is open: show the projector page to the class."))
            return redirect("coordinator:exam_room", pk=cohort.pk, room_pk=room.pk)
    context["form"] = form
    return render(request, "coordinator/exams/room_open.html", context)


def _join_url(request) -> str:
    """Where learners type the room code, as an absolute URL ("" until the page exists)."""
    try:
        return request.build_absolute_uri(reverse("learn:exam_room"))
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def exam_room(request, pk: int, room_pk: int):
    """The room's seat list: every learner of the class, not started, in progress with the time
    left, submitted with the score or awaiting marking, or on paper, and whether they are marked
    present; the room's controls. A fixed number of queries whatever the size of the class."""
    cohort, room = _room_for(request, pk, room_pk)
    now = timezone.now()
    seats = room_seats(room=room, now=now)
    counts = Counter(seat.state for seat in seats)
    is_open = room.closed_at is None
    context = {
        "cohort": cohort,
        "room": room,
        "seats": [(seat, SEAT_LABELS[seat.state]) for seat in seats],
        "counts": [(SEAT_LABELS[state], counts[state], state) for state in SEAT_LABELS],
        "code": room_code(room, now) if is_open and room.paused_at is None else "",
        "seconds_left": room_code_seconds_left(now),
        "pause_form": RoomPauseForm(),
        "refresh_seconds": SEATS_REFRESH_SECONDS,
        "join_url": _join_url(request),
    }
    return render(request, "coordinator/exams/room.html", context)


@login_required
@require_GET
def exam_room_projector(request, pk: int, room_pk: int):
    """The page shown on the projector: the room code in big digits, the seconds until it changes
    and how to join. It reloads itself when the code changes (a meta refresh: no JavaScript
    needed)."""
    _cohort, room = _room_for(request, pk, room_pk)
    now = timezone.now()
    is_open = room.closed_at is None
    context = {
        "room": room,
        "code": room_code(room, now) if is_open and room.paused_at is None else "",
        "seconds_left": room_code_seconds_left(now),
        "is_open": is_open,
        "join_url": _join_url(request),
    }
    return render(request, "coordinator/exams/projector.html", context)


@login_required
@require_POST
def exam_room_pause(request, pk: int, room_pk: int):
    """Pause every attempt in the room (a power cut): no answer is saved and no time runs."""
    cohort, room = _room_for(request, pk, room_pk)
    form = RoomPauseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if room.closed_at is None:
        room_pause(room=room, by=request.user, reason=reason)
        messages.success(request, _("The exam is paused for everyone. Resume it when the class can go on."))
    return redirect("coordinator:exam_room", pk=cohort.pk, room_pk=room.pk)


@login_required
@require_POST
def exam_room_resume(request, pk: int, room_pk: int):
    """Resume a paused room: every attempt in progress gets the paused time back."""
    cohort, room = _room_for(request, pk, room_pk)
    if room.paused_at is not None:
        room_resume(room=room, by=request.user)
        messages.success(request, _("The exam goes on: everyone got the paused time back."))
    return redirect("coordinator:exam_room", pk=cohort.pk, room_pk=room.pk)


@login_required
@require_POST
def exam_room_close(request, pk: int, room_pk: int):
    """Close the room to new starts; attempts in progress go on to their deadline."""
    cohort, room = _room_for(request, pk, room_pk)
    if room.closed_at is None:
        room_close(room=room, by=request.user)
        messages.success(
            request, _("The exam room is closed: nobody can start in it; attempts in progress go on.")
        )
    return redirect("coordinator:exam_room", pk=cohort.pk, room_pk=room.pk)


@login_required
def exam_room_release(request, pk: int, room_pk: int, attempt_pk: int):
    """Let a learner continue their attempt on another phone (theirs died), with a reason."""
    cohort, room = _room_for(request, pk, room_pk)
    attempt = get_object_or_404(
        ExamAttempt.objects.select_related("enrollment__learner"),
        pk=attempt_pk,
        exam=room.exam,
        enrollment__cohort=cohort,
        submitted_at__isnull=True,
        on_paper=False,
    )
    form = DeviceReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt_device_release(attempt=attempt, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            _("%(name)s can continue on another phone: they type the room code there.")
            % {"name": attempt.enrollment.learner},
        )
        return redirect("coordinator:exam_room", pk=cohort.pk, room_pk=room.pk)
    context = {"cohort": cohort, "room": room, "attempt": attempt, "form": form}
    return render(request, "coordinator/exams/release_form.html", context)


@login_required
def exam_room_paper(request, pk: int, room_pk: int, enrollment_pk: int):
    """Enter the score of a learner who sat the exam on paper (the paper fallback): a submitted
    attempt marked as sat on paper, with who entered it."""
    cohort, room = _room_for(request, pk, room_pk)
    enrollment = _class_learner(cohort, enrollment_pk)
    form = PaperScoreForm(request.POST or None, initial={"max_score": paper_points(room.exam)})
    if request.method == "POST" and form.is_valid():
        try:
            paper_score_record(
                room=room,
                enrollment=enrollment,
                score=form.cleaned_data["score"],
                max_score=form.cleaned_data["max_score"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        except RoomError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Paper score saved for %(name)s.") % {"name": enrollment.learner})
            return redirect("coordinator:exam_room", pk=cohort.pk, room_pk=room.pk)
    context = {"cohort": cohort, "room": room, "enrollment": enrollment, "form": form}
    return render(request, "coordinator/exams/paper_form.html", context)


# --- marking -------------------------------------------------------------------------------------


def _marking_page(request, cohort: Cohort, exam: Exam, answer: AttemptQuestion | None, form=None, status=200):
    context = {
        "cohort": cohort,
        "exam": exam,
        "answer": answer,
        "remaining": marking_queue(exam=exam, cohort=cohort).count(),
        "form": form or (MarkForm(points=answer.points) if answer else None),
    }
    return render(request, "coordinator/exams/marking.html", context, status=status)


@login_required
@require_GET
def exam_marking(request, pk: int, exam_pk: int):
    """Blind marking: the next short answer of the cohort waiting for marking, with its question,
    rubric and points, never the learner's name ("Answer 12"). ``?after=<id>`` skips to the one
    after it."""
    cohort = cohort_for(request, pk)
    exam = _exam_in(cohort, exam_pk)
    after = request.GET.get("after", "")
    answer = marking_next(exam=exam, cohort=cohort, after=int(after) if after.isdigit() else None)
    return _marking_page(request, cohort, exam, answer)


@login_required
@require_POST
def exam_marking_answer(request, pk: int, exam_pk: int, answer_pk: int):
    """Mark one answer, then on to the next. An answer someone else marked meanwhile keeps their
    mark: the marker is told and sent to the next one."""
    cohort = cohort_for(request, pk)
    exam = _exam_in(cohort, exam_pk)
    answer = get_object_or_404(
        cohort_answers(exam=exam, cohort=cohort).select_related("question"),
        pk=answer_pk,
        question__kind=BankQuestion.Kind.SHORT_ANSWER,
    )
    form = MarkForm(request.POST, points=answer.points)
    if form.is_valid():
        try:
            answer_mark(
                answer_id=answer.pk,
                points=form.cleaned_data["points"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except MarkingError as error:
            for message in error.messages:
                messages.warning(request, message)
            return redirect("coordinator:exam_marking", pk=cohort.pk, exam_pk=exam.pk)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Answer %(number)d marked.") % {"number": answer.pk})
            return redirect("coordinator:exam_marking", pk=cohort.pk, exam_pk=exam.pk)
    return _marking_page(request, cohort, exam, answer, form)


# --- the gradebook -------------------------------------------------------------------------------


@login_required
@require_GET
def exam_gradebook(request, pk: int, exam_pk: int):
    """Every learner of the class with their attempts (number, times, time used, score, result),
    the result that counts and their exception; a fixed number of queries."""
    cohort = cohort_for(request, pk)
    exam = _exam_in(cohort, exam_pk)
    rows = gradebook_rows(exam=exam, cohort=cohort)
    for row in rows:
        row.exception_text = exception_summary(row.exception)
        for attempt in row.attempts:
            attempt.state_label = STATE_LABELS[attempt.state]
    context = {"cohort": cohort, "exam": exam, "rows": rows}
    return render(request, "coordinator/exams/gradebook.html", context)


@login_required
@require_GET
def exam_gradebook_export(request, pk: int, exam_pk: int, fmt: str):
    """The gradebook as CSV or XLSX, one line per attempt, headers in the page's language."""
    cohort = cohort_for(request, pk)
    exam = _exam_in(cohort, exam_pk)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    return spreadsheet_response(
        fmt=fmt,
        filename=gradebook_filename(cohort=cohort, exam=exam),
        headers=gradebook_headers(),
        rows=gradebook_lines(gradebook_rows(exam=exam, cohort=cohort)),
    )


def _paper_rows(attempt: ExamAttempt) -> list[dict]:
    """The attempt's paper for the coordinator: every question with the answer given, the right
    answer and the points awarded. Two queries."""
    rows = list(attempt.paper.select_related("question").order_by("position"))
    choice_ids = {pk for row in rows for pk in row.choice_order}
    choices = BankChoice.objects.in_bulk(choice_ids)

    def texts(ids) -> list[str]:
        return [choices[pk].text for pk in ids or [] if pk in choices]

    paper = []
    for row in rows:
        if row.question.kind in BankQuestion.CHOICE_KINDS:
            given, right = texts(row.answer), texts(row.key)
        else:
            given = [row.answer] if row.answer else []
            right = list(row.key or [])
        paper.append({"row": row, "given": given, "right": right})
    return paper


@login_required
def exam_attempt(request, pk: int, exam_pk: int, attempt_pk: int):
    """One attempt of the gradebook: its paper, answers and marks. A submitted attempt's marks can
    be changed, with a reason (kept in the audit log); the score and result follow."""
    cohort = cohort_for(request, pk)
    exam = _exam_in(cohort, exam_pk)
    attempt = get_object_or_404(
        ExamAttempt.objects.select_related("enrollment__learner", "entered_by"),
        pk=attempt_pk,
        exam=exam,
        enrollment__cohort=cohort,
    )
    form = MarkChangeForm(request.POST or None)
    changing = None
    if request.method == "POST":
        if attempt.submitted_at is None or attempt.on_paper:
            raise Http404
        if form.is_valid():
            changing = form.cleaned_data["position"]
            answer = get_object_or_404(AttemptQuestion, attempt=attempt, position=changing)
            try:
                answer_mark_change(
                    answer_id=answer.pk,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            except MarkingError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request, _("Mark changed for question %(position)d.") % {"position": changing}
                )
                return redirect(
                    "coordinator:exam_attempt", pk=cohort.pk, exam_pk=exam.pk, attempt_pk=attempt.pk
                )
        else:
            position = request.POST.get("position", "")
            changing = int(position) if position.isdigit() else None
    audit = list(attempt.audit.select_related("actor").order_by("-at", "-pk"))
    for entry in audit:
        entry.label = AUDIT_LABELS.get(entry.action, entry.action)
    context = {
        "cohort": cohort,
        "exam": exam,
        "attempt": attempt,
        "state_label": STATE_LABELS[attempt_state(attempt)],
        "paper": _paper_rows(attempt),
        "form": form,
        "changing": changing,
        "can_change": attempt.submitted_at is not None and not attempt.on_paper,
        "audit": audit,
    }
    return render(request, "coordinator/exams/attempt.html", context)


@login_required
def exam_exception(request, pk: int, exam_pk: int, enrollment_pk: int):
    """Grant a learner extra time, extra attempts or a window of their own, with a reason (it
    replaces their earlier exception, shown with who granted it and why)."""
    cohort = cohort_for(request, pk)
    exam = _exam_in(cohort, exam_pk)
    enrollment = _class_learner(cohort, enrollment_pk)
    exception = (
        ExamException.objects.filter(exam=exam, enrollment=enrollment).select_related("granted_by").first()
    )
    form = ExamExceptionForm(request.POST or None, exception=exception)
    if request.method == "POST" and form.is_valid():
        try:
            exception_grant(exam=exam, enrollment=enrollment, by=request.user, **form.grant())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Exception saved for %(name)s.") % {"name": enrollment.learner})
            return redirect("coordinator:exam_gradebook", pk=cohort.pk, exam_pk=exam.pk)
    context = {
        "cohort": cohort,
        "exam": exam,
        "enrollment": enrollment,
        "exception": exception,
        "exception_text": exception_summary(exception),
        "form": form,
    }
    return render(request, "coordinator/exams/exception_form.html", context)
