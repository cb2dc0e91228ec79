"""The officer's pages: the workspace (their counties and those counties' cohorts, read only),
defining needs surveys, filling one in, a county's responses with their photos, export and
roll-up, and the visits log.

Access: ``selectors.officer_counties`` (the counties of the officer's current appointments, every
county for staff). Anyone else, and any other county, survey, photo or visit, is a 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from talentportal.files import private_image_response
from talentportal.spreadsheets import spreadsheet_response

from . import selectors, services
from .forms import QuestionFormSet, ResponseForm, SurveyForm, VisitForm, question_specs
from .models import SurveyResponse

VISITS_PAGE_SIZE = 50


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
            except services.ResponseConflict as conflict:
                if wants_json:
                    return JsonResponse({"error": conflict.message, "response": None}, status=409)
                form.add_error(None, conflict.message)
                return render(
                    request, "officers/survey_respond.html", {"survey": survey, "form": form}, status=409
                )
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
            return JsonResponse(
                {"errors": form.errors.get_json_data(), "error": _error_text(form)}, status=400
            )
    return render(request, "officers/survey_respond.html", {"survey": survey, "form": form})


def _error_text(form) -> str:
    """The form's errors as one line a phone can show beside a refused draft."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return "；".join(parts)


@login_required
@require_GET
def county_responses(request, code: str):
    county = get_object_or_404(_counties_for(request).with_parents(), code=code)
    return render(
        request,
        "officers/county_responses.html",
        {
            "county": county,
            "responses": selectors.county_responses(county).prefetch_related("photos")[:200],
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


@login_required
@require_GET
def response_photo(request, pk: int):
    """A response photo, for those who see its county's responses; the files are not public
    (MEDIA_URL would serve anyone)."""
    photo = selectors.response_photo(request.user, pk)
    if photo is None:
        raise Http404
    return private_image_response(photo.image)


# --- surveys defined by officers and staff ----------------------------------------------------------


@login_required
@require_GET
def survey_list(request):
    _counties_for(request)
    return render(
        request,
        "officers/survey_list.html",
        {"page": Paginator(selectors.manageable_surveys(request.user), 50).get_page(request.GET.get("page"))},
    )


@login_required
def survey_create(request):
    _counties_for(request)
    staff = request.user.is_staff
    form = SurveyForm(
        request.POST or None, counties=selectors.survey_define_counties(request.user), staff=staff
    )
    formset = QuestionFormSet(request.POST or None, prefix="questions")
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        survey = services.survey_create(
            title=form.cleaned_data["title"],
            county=form.cleaned_data["county"],
            created_by=request.user,
            questions=question_specs(formset),
        )
        messages.success(request, _("The survey %(title)s is open for responses.") % {"title": survey.title})
        return redirect("officers:survey_edit", pk=survey.pk)
    return render(request, "officers/survey_form.html", {"form": form, "formset": formset, "survey": None})


@login_required
def survey_edit(request, pk: int):
    _counties_for(request)
    survey = get_object_or_404(selectors.manageable_surveys(request.user), pk=pk)
    action = request.POST.get("action")
    if request.method == "POST" and action in ("deactivate", "activate"):
        services.survey_set_active(survey=survey, active=action == "activate")
        messages.success(
            request,
            _("The survey is open for responses again.")
            if action == "activate"
            else _("The survey is closed: no new response can be sent; its responses stay."),
        )
        return redirect("officers:survey_edit", pk=survey.pk)
    questions = list(survey.questions.all())
    initial = [
        {"id": q.pk, "text": q.text, "kind": q.kind, "choices": q.choices, "required": q.required}
        for q in questions
    ]
    form = SurveyForm(request.POST or None, initial={"title": survey.title})
    formset = QuestionFormSet(request.POST or None, prefix="questions", initial=initial)
    if request.method == "POST":
        if survey.response_count:
            messages.error(request, services.SurveyLocked().message)
            return redirect("officers:survey_edit", pk=survey.pk)
        if all([form.is_valid(), formset.is_valid()]):
            try:
                services.survey_update(
                    survey=survey, title=form.cleaned_data["title"], questions=question_specs(formset)
                )
            except services.SurveyLocked as locked:
                messages.error(request, locked.message)
            else:
                messages.success(request, _("The survey is saved."))
            return redirect("officers:survey_edit", pk=survey.pk)
    return render(
        request,
        "officers/survey_form.html",
        {"form": form, "formset": formset, "survey": survey, "questions": questions},
    )


# --- the visits log ---------------------------------------------------------------------------------


@login_required
@require_GET
def county_visits(request, code: str):
    county = get_object_or_404(_counties_for(request).with_parents(), code=code)
    return render(
        request,
        "officers/county_visits.html",
        {
            "county": county,
            "page": Paginator(selectors.county_visits(county, request.user), VISITS_PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "totals": selectors.visit_totals(county, request.user),
        },
    )


def _visit_form(request, county, officer, **kwargs) -> VisitForm:
    return VisitForm(
        request.POST or None,
        townships=selectors.place_townships([county]),
        responses=selectors.visit_responses(county, officer),
        **kwargs,
    )


@login_required
def visit_create(request, code: str):
    """Log a visit. A phone sending a visit logged offline (static/js/officers-offline.js) asks
    for JSON: the visit's id, or the form's errors in one line (400)."""
    county = get_object_or_404(_counties_for(request), code=code)
    initial = {
        "visited_on": timezone.localdate(),
        "responses": request.GET.getlist("responses"),
        "client_key": uuid.uuid4(),
    }
    form = _visit_form(request, county, request.user, initial=initial)
    wants_json = request.headers.get("Accept") == "application/json"
    if request.method == "POST":
        if form.is_valid():
            try:
                visit = services.visit_create(
                    officer=request.user,
                    county=county,
                    details=form.details(),
                    client_key=form.cleaned_data["client_key"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if wants_json:
                    return JsonResponse({"visit": visit.pk})
                messages.success(request, _("The visit is logged."))
                return redirect("officers:county_visits", code=county.code)
        if wants_json:
            return JsonResponse(
                {"errors": form.errors.get_json_data(), "error": _error_text(form)}, status=400
            )
    return render(request, "officers/visit_form.html", {"county": county, "form": form, "visit": None})


def _visit_for(request, pk: int):
    _counties_for(request)
    return get_object_or_404(
        selectors.visible_visits(request.user).select_related("county", "officer"), pk=pk
    )


@login_required
def visit_edit(request, pk: int):
    visit = _visit_for(request, pk)
    initial = {
        "visited_on": visit.visited_on,
        "township": visit.township_id or "",
        "village": visit.village,
        "organisations_met": visit.organisations_met,
        "minutes_spent": visit.minutes_spent,
        "notes": visit.notes,
        "responses": list(visit.responses.values_list("pk", flat=True)),
    }
    form = _visit_form(request, visit.county, visit.officer, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.visit_update(visit=visit, details=form.details())
        messages.success(request, _("The visit is saved."))
        return redirect("officers:county_visits", code=visit.county_id)
    return render(request, "officers/visit_form.html", {"county": visit.county, "form": form, "visit": visit})


@login_required
def visit_delete(request, pk: int):
    visit = _visit_for(request, pk)
    if request.method == "POST":
        services.visit_delete(visit=visit)
        messages.success(request, _("The visit is deleted."))
        return redirect("officers:county_visits", code=visit.county_id)
    return render(request, "officers/visit_delete.html", {"visit": visit})
