"""The officer's pages: the workspace (their counties and those counties' cohorts, read only),
filling in a needs survey, and a county's responses with their export and roll-up.

Access: ``selectors.officer_counties`` (the counties of the officer's current appointments, every
county for staff). Anyone else, and any other county or survey, is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from talentportal.spreadsheets import spreadsheet_response

from . import selectors, services
from .forms import ResponseForm
from .models import SurveyResponse


def _counties_for(request):
    counties = selectors.officer_counties(request.user)
    if not request.user.is_staff and not counties.exists():
        raise Http404
    return counties


@login_required
@require_GET
def workspace(request):
    _counties_for(request)
    counties = list(selectors.workspace_counties(request.user))
    return render(
        request,
        "officers/workspace.html",
        {
            "counties": counties,
            "appointments": selectors.current_appointments(request.user),
            "cohorts": selectors.county_cohorts(counties),
            "surveys": selectors.surveys_for(request.user),
        },
    )


@login_required
def survey_respond(request, pk: int):
    survey = get_object_or_404(selectors.surveys_for(request.user), pk=pk)
    counties = selectors.survey_counties(survey, request.user)
    if not counties.exists() and not request.user.is_staff:
        raise Http404
    form = ResponseForm(
        request.POST or None,
        request.FILES or None,
        questions=list(survey.questions.all()),
        counties=counties,
        townships=selectors.place_townships(counties),
    )
    wants_json = request.headers.get("Accept") == "application/json"
    if request.method == "POST":
        if form.is_valid():
            try:
                response, created = services.survey_response_submit(
                    survey=survey,
                    officer=request.user,
                    county=form.cleaned_data["county"],
                    organisation_name=form.cleaned_data["organisation_name"],
                    organisation_kind=form.cleaned_data["organisation_kind"],
                    client_key=form.cleaned_data["client_key"],
                    answers=form.answers(),
                    photos=form.photos,
                )
            except SurveyResponse.DoesNotExist:
                raise Http404 from None
            if wants_json:
                return JsonResponse({"response": response.pk, "created": created})
            messages.success(
                request,
                _("The response for %(organisation)s is recorded.")
                % {"organisation": response.organisation_name}
                if created
                else _("This response was already recorded."),
            )
            return redirect("officers:county_responses", code=response.county_id)
        if wants_json:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    return render(request, "officers/survey_respond.html", {"survey": survey, "form": form})


@login_required
@require_GET
def county_responses(request, code: str):
    county = get_object_or_404(_counties_for(request).with_parents(), code=code)
    return render(
        request,
        "officers/county_responses.html",
        {
            "county": county,
            "responses": selectors.county_responses(county)[:200],
            "rollup": selectors.needs_rollup(county),
        },
    )


@login_required
@require_GET
def county_responses_export(request, code: str):
    county = get_object_or_404(_counties_for(request), code=code)
    headers, rows = selectors.response_export(county)
    return spreadsheet_response(
        fmt="xlsx" if request.GET.get("format") == "xlsx" else "csv",
        filename=f"{county.name}-{_('needs surveys')}-{timezone.localdate():%Y%m%d}",
        headers=[str(header) for header in headers],
        rows=rows,
    )
