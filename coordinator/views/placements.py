"""Placement outcomes: a cohort's learners who completed and what became of them, recording an
outcome, and a county's placement figures with their export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from counties.models import PlacementOutcome
from counties.services import placement_record
from enrollment.models import Enrollment
from talentportal.spreadsheets import EXPORT_FORMATS, spreadsheet_response

from ..exports import placement_filename, placement_headers, placement_rows
from ..forms import PlacementForm
from ..selectors import cohort_completed_with_outcomes, county_placement_summary
from ..selectors import county_placements as county_placements_selector
from .access import ROSTER_PAGE_SIZE, cohort_for, county_for


@login_required
@require_GET
def placement_list(request, pk: int):
    """The cohort's learners who completed, each with their recorded outcome (or none yet)."""
    cohort = cohort_for(request, pk)
    page = Paginator(cohort_completed_with_outcomes(cohort=cohort), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = dict(PlacementOutcome.Outcome.choices)
    for enrollment in page.object_list:
        enrollment.outcome_label = labels.get(enrollment.outcome, "")
    return render(request, "coordinator/placement_list.html", {"cohort": cohort, "page": page})


@login_required
def placement_record_view(request, pk: int, enrollment_pk: int):
    cohort = cohort_for(request, pk)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("learner"),
        cohort=cohort,
        pk=enrollment_pk,
        status=Enrollment.Status.COMPLETED,
    )
    existing = PlacementOutcome.objects.filter(learner=enrollment.learner, course_id=cohort.course_id).first()
    form = PlacementForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        placement_record(
            learner=enrollment.learner,
            cohort=cohort,
            course=cohort.course,
            recorded_by=request.user,
            **{name: form.cleaned_data[name] for name in PlacementForm.Meta.fields},
        )
        messages.success(request, _("Outcome recorded for %(name)s.") % {"name": enrollment.learner})
        return redirect("coordinator:placement_list", pk=cohort.pk)
    context = {"cohort": cohort, "enrollment": enrollment, "form": form, "existing": existing}
    return render(request, "coordinator/placement_form.html", context)


@login_required
@require_GET
def county_placements(request, code: str):
    """A county's placement rate and its recorded outcomes."""
    county = county_for(request, code)
    page = Paginator(county_placements_selector(county=county), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"county": county, "summary": county_placement_summary(county=county), "page": page}
    return render(request, "coordinator/county_placements.html", context)


@login_required
@require_GET
def county_placements_export(request, code: str, fmt: str):
    """A county's recorded outcomes, all of them, as CSV or XLSX."""
    county = county_for(request, code)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    placements = county_placements_selector(county=county)
    return spreadsheet_response(
        fmt=fmt,
        filename=placement_filename(county),
        headers=placement_headers(),
        rows=placement_rows(placements),
    )
