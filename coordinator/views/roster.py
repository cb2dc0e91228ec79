"""A cohort's roster, its export, and the coordinator's decisions on its enrolments: approve or
decline a request to join, withdraw a learner; approve, withdraw or invite many at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from counties.models import Cohort
from enrollment.bulk import cohort_enrollments_approve, cohort_enrollments_withdraw
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError, enrollment_approve, enrollment_decline, enrollment_withdraw
from talentportal.queue import enqueue_on_commit
from talentportal.spreadsheets import EXPORT_FORMATS, spreadsheet_response

from ..exports import roster_filename, roster_headers, roster_rows
from ..forms import DeclineForm, RosterBulkForm, RosterFilterForm, WithdrawForm
from ..imports import INVITATION_BATCH, INVITATIONS_TASK, mask_mobile
from ..selectors import cohort_roster
from .access import ROSTER_PAGE_SIZE, cohort_for, enrollment_in


def _contact(learner) -> str:
    if learner.mobile:
        return mask_mobile(learner.mobile)
    if learner.email:
        local, _at, domain = learner.email.partition("@")
        return f"{local[:2]}***@{domain}"
    return ""


@login_required
@require_GET
def roster(request, pk: int):
    """The cohort's learners with progress, activity, attendance and the at-risk flag: filtered,
    sorted and paginated, in a fixed number of queries."""
    cohort = cohort_for(request, pk, related=())
    form = RosterFilterForm(request.GET)
    page = Paginator(cohort_roster(cohort=cohort, filters=form.filters()), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    status_labels = dict(Enrollment.Status.choices)  # get_status_display() rebuilds this per call
    for enrollment in page.object_list:
        enrollment.contact = _contact(enrollment.learner)
        enrollment.status_label = status_labels[enrollment.status]
        last_activity = enrollment.last_activity_at
        enrollment.last_activity_on = timezone.localdate(last_activity) if last_activity else None
    context = {
        "cohort": cohort,
        "form": form,
        "page": page,
        "export_query": request.GET.urlencode(),
        "bulk_actions": RosterBulkForm.base_fields["action"].choices,
    }
    return render(request, "coordinator/roster.html", context)


@login_required
@require_POST
def roster_bulk(request, pk: int):
    """One action for the learners ticked on the roster, or for all the roster's filters show
    (the filters come in the query string, as for the export): approve their requests,
    withdraw them, or send them the invitation to set a password. Ids of another cohort are
    ignored; one transaction; a summary of what changed."""
    cohort = cohort_for(request, pk, related=())
    back = reverse("coordinator:roster", args=[cohort.pk])
    if request.GET:
        back = f"{back}?{request.GET.urlencode()}"
    form = RosterBulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    if form.cleaned_data["everyone"]:
        chosen = cohort_roster(cohort=cohort, filters=RosterFilterForm(request.GET).filters())
    else:
        chosen = Enrollment.objects.filter(cohort=cohort, pk__in=form.cleaned_data["enrollment"])
    action = form.cleaned_data["action"]
    with transaction.atomic():
        ids = list(chosen.values_list("pk", flat=True))
        if action == RosterBulkForm.APPROVE:
            done = cohort_enrollments_approve(cohort=cohort, enrollment_ids=ids)
            summary = ngettext(
                "%(count)d learner approved: they can now study in this class.",
                "%(count)d learners approved: they can now study in this class.",
                done,
            )
        elif action == RosterBulkForm.WITHDRAW:
            done = cohort_enrollments_withdraw(
                cohort=cohort, enrollment_ids=ids, reason=form.cleaned_data["withdraw_reason"]
            )
            summary = ngettext(
                "%(count)d learner withdrawn from this class.",
                "%(count)d learners withdrawn from this class.",
                done,
            )
        else:
            learner_ids = list(
                Enrollment.objects.filter(pk__in=ids).current().values_list("learner_id", flat=True)
            )
            site_url = request.build_absolute_uri("/")
            for start in range(0, len(learner_ids), INVITATION_BATCH):
                enqueue_on_commit(
                    INVITATIONS_TASK,
                    user_ids=learner_ids[start : start + INVITATION_BATCH],
                    site_url=site_url,
                )
            done = len(learner_ids)
            summary = ngettext(
                "The invitation is being sent to %(count)d learner (not to those who already set a "
                "password).",
                "The invitation is being sent to %(count)d learners (not to those who already set a "
                "password).",
                done,
            )
    messages.success(request, summary % {"count": done})
    if len(ids) > done:
        left = len(ids) - done
        messages.info(
            request,
            ngettext(
                "%(count)d selected learner was left as they were: this does not apply to them.",
                "%(count)d selected learners were left as they were: this does not apply to them.",
                left,
            )
            % {"count": left},
        )
    return redirect(back)


@login_required
@require_GET
def roster_export(request, pk: int, fmt: str):
    """The whole roster (with the page's filters) as CSV or XLSX, headers in the page's language."""
    cohort = cohort_for(request, pk)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = RosterFilterForm(request.GET)
    enrollments = cohort_roster(cohort=cohort, filters=form.filters())
    return spreadsheet_response(
        fmt=fmt, filename=roster_filename(cohort), headers=roster_headers(), rows=roster_rows(enrollments)
    )


@login_required
@require_POST
def enrollment_approve_view(request, pk: int, enrollment_pk: int):
    cohort = cohort_for(request, pk)
    enrollment = enrollment_approve(enrollment=enrollment_in(cohort, enrollment_pk))
    messages.success(request, _("%(name)s can now study in this class.") % {"name": enrollment.learner})
    return redirect(_back_to_roster(request, cohort))


@login_required
@require_POST
def enrollment_decline_view(request, pk: int, enrollment_pk: int):
    cohort = cohort_for(request, pk)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    enrollment = enrollment_decline(enrollment=enrollment_in(cohort, enrollment_pk), reason=reason)
    messages.success(request, _("The request of %(name)s was declined.") % {"name": enrollment.learner})
    return redirect(_back_to_roster(request, cohort))


def _back_to_roster(request, cohort: Cohort) -> str:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return reverse("coordinator:roster", args=[cohort.pk])


@login_required
def enrollment_withdraw_view(request, pk: int, enrollment_pk: int):
    """Ask for the reason (GET), then withdraw the learner from the class (POST)."""
    cohort = cohort_for(request, pk)
    enrollment = enrollment_in(cohort, enrollment_pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment_withdraw(enrollment=enrollment, reason=form.cleaned_data["reason"])
        except EnrollmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("%(name)s was withdrawn from this class.") % {"name": enrollment.learner}
            )
            return redirect("coordinator:roster", pk=cohort.pk)
    return render(
        request, "coordinator/withdraw.html", {"cohort": cohort, "enrollment": enrollment, "form": form}
    )
