"""A cohort's offline classes: the sessions, scheduling one, and the roll call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from counties.models import Attendance, ClassSession
from counties.services import attendance_record, class_session_create

from ..forms import ClassSessionForm, RollCallForm
from ..selectors import cohort_class_learners, sessions_with_attendance
from .access import WORKSPACE_PAGE_SIZE, cohort_for


@login_required
@require_GET
def session_list(request, pk: int):
    """The cohort's classes, today's and the coming ones first; the roll call of each from its day."""
    cohort = cohort_for(request, pk)
    today = timezone.localdate()
    page = Paginator(sessions_with_attendance(cohort=cohort, today=today), WORKSPACE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "coordinator/session_list.html", {"cohort": cohort, "page": page, "today": today})


@login_required
def session_create(request, pk: int):
    cohort = cohort_for(request, pk)
    form = ClassSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        class_session_create(cohort=cohort, **form.cleaned_data)
        messages.success(request, _("Class session scheduled."))
        return redirect("coordinator:session_list", pk=cohort.pk)
    return render(request, "coordinator/session_form.html", {"cohort": cohort, "form": form})


@login_required
def roll_call(request, pk: int, session_pk: int):
    """Take attendance on a phone: everyone present unless tapped absent or excused; one submit
    saves the whole class. The roll call opens on the class's day: before it, the page says when
    and a posted roll call is refused (400), since nobody can have attended yet."""
    cohort = cohort_for(request, pk, related=())
    session = get_object_or_404(ClassSession, cohort=cohort, pk=session_pk)
    if session.date > timezone.localdate():
        context = {"cohort": cohort, "session": session, "not_yet": True}
        status = 400 if request.method == "POST" else 200
        return render(request, "coordinator/roll_call.html", context, status=status)
    learners = cohort_class_learners(cohort=cohort)
    recorded = dict(session.attendances.values_list("learner_id", "status"))
    form = RollCallForm(request.POST or None, learners=learners, recorded=recorded)
    if request.method == "POST" and form.is_valid():
        session.cohort = cohort
        count = attendance_record(session=session, statuses=form.statuses())
        messages.success(request, _("Attendance saved for %(count)d learners.") % {"count": count})
        return redirect("coordinator:session_list", pk=cohort.pk)
    context = {
        "cohort": cohort,
        "session": session,
        "rows": form.rows(),
        "labels": {value: str(label) for value, label in Attendance.Status.choices},
        "taken": bool(recorded),
    }
    return render(request, "coordinator/roll_call.html", context)
