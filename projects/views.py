"""The projects' pages: the counties' project lists, a project with its milestones, updates and
indicators, the forms that add to it, the handover (successors and checklist), and the officer's
term report as a page and a PDF.

Access: ``selectors.projects_for(user, edit=...)`` — an officer changes the projects of the
counties of their current appointments (staff: every county), the county's coordinators read
them; any other project, county or term is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from talentportal.files import private_image_response

from . import selectors, services
from .forms import (
    ChecklistItemForm,
    IndicatorForm,
    MilestoneForm,
    PeriodForm,
    ProjectForm,
    SuccessorForm,
    UpdateForm,
)
from .models import ChecklistItem, Indicator, Milestone, Project, ProjectUpdate, Successor
from .pdf import term_report_pdf as render_term_report_pdf

PAGE_SIZE = 30
# A handed-over or ended project has no handover to warn about.
CLOSED = (Project.Status.HANDED_OVER, Project.Status.ENDED)


def _project_for(request, pk: int, *, edit: bool = False) -> Project:
    projects = selectors.projects_for(request.user, edit=edit).select_related(
        "county__prefecture", "county__province", "owner"
    )
    return get_object_or_404(projects, pk=pk)


def _county_for(request, code: str, *, edit: bool = False):
    counties = (
        selectors.editable_counties(request.user) if edit else selectors.readable_counties(request.user)
    )
    return get_object_or_404(counties.with_parents(), code=code)


def _errors(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: next to its field when it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    for message in error.messages:
        form.add_error(None, message)


@login_required
@require_GET
def home(request):
    counties = selectors.listed_counties(request.user)
    page = Paginator(counties, PAGE_SIZE).get_page(request.GET.get("page"))
    own_terms = list(
        selectors.appointments_visible_to(request.user).filter(user=request.user).order_by("-term_start")
    )
    if not page.object_list and not own_terms and not request.user.is_staff:
        raise Http404
    officers = (
        selectors.appointments_visible_to(request.user)
        .filter(county__in=[county.pk for county in page.object_list])
        .exclude(user=request.user)
        .order_by("county_id", "-term_start")
    )
    return render(
        request,
        "projects/home.html",
        {"page": page, "own_terms": own_terms, "officers": list(officers)},
    )


@login_required
@require_GET
def county_projects(request, code: str):
    county = _county_for(request, code)
    page = Paginator(selectors.county_projects(county), PAGE_SIZE).get_page(request.GET.get("page"))
    for project in page.object_list:
        indicators = selectors.project_indicators(project)
        project.indicator_total = len(indicators)
        project.indicators_on_track = sum(1 for progress in indicators if progress.on_track)
    can_edit = selectors.editable_counties(request.user).filter(pk=county.pk).exists()
    return render(
        request, "projects/county_projects.html", {"county": county, "page": page, "can_edit": can_edit}
    )


def _project_form_view(request, *, county, project: Project | None):
    linkable = selectors.project_linkable(county, owner_id=project.owner_id if project else None)
    initial = {"owner": request.user if project is None else None, "status": Project.Status.PLANNED}
    if project is not None:
        initial = {name: getattr(project, name) for name in services.PROJECT_FIELDS}
        initial["survey_responses"] = list(project.survey_responses.all())
        initial["cohorts"] = list(project.cohorts.all())
    form = ProjectForm(request.POST or None, initial=initial, linkable=linkable)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        responses, cohorts = data.pop("survey_responses"), data.pop("cohorts")
        client_key = data.pop("client_key")
        try:
            if project is None:
                project = services.project_create(
                    county=county, survey_responses=responses, cohorts=cohorts, client_key=client_key, **data
                )
            else:
                services.project_edit(project=project, survey_responses=responses, cohorts=cohorts, **data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The project is saved."))
            return redirect("projects:project_detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"county": county, "project": project, "form": form})


@login_required
def project_create(request, code: str):
    county = _county_for(request, code, edit=True)
    return _project_form_view(request, county=county, project=None)


@login_required
def project_edit(request, pk: int):
    project = _project_for(request, pk, edit=True)
    return _project_form_view(request, county=project.county, project=project)


@login_required
@require_GET
def project_detail(request, pk: int):
    project = _project_for(request, pk)
    can_edit = selectors.projects_for(request.user, edit=True).filter(pk=project.pk).exists()
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "can_edit": can_edit,
            "gaps": selectors.handover_gaps(project) if project.status not in CLOSED else [],
            **selectors.project_detail(project),
        },
    )


def _add_view(request, *, project, form_class, title: str, save, initial=None, files: bool = False):
    form = form_class(request.POST or None, request.FILES or None if files else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:project_detail", pk=project.pk)
    return render(
        request,
        "projects/add_form.html",
        {"project": project, "form": form, "title": title, "files": files},
    )


@login_required
def milestone_add(request, pk: int):
    project = _project_for(request, pk, edit=True)
    return _add_view(
        request,
        project=project,
        form_class=MilestoneForm,
        title=_("Add a milestone"),
        save=lambda data: services.milestone_add(project=project, **data),
    )


@login_required
@require_POST
def milestone_mark(request, pk: int):
    milestone = get_object_or_404(
        Milestone.objects.filter(project__in=selectors.projects_for(request.user, edit=True)), pk=pk
    )
    services.milestone_mark(milestone=milestone, done=request.POST.get("done") == "1")
    return redirect("projects:project_detail", pk=milestone.project_id)


@login_required
def update_add(request, pk: int):
    project = _project_for(request, pk, edit=True)
    return _add_view(
        request,
        project=project,
        form_class=UpdateForm,
        title=_("Add an update"),
        initial={"written_on": timezone.localdate()},
        files=True,
        save=lambda data: services.update_add(
            project=project,
            author=request.user,
            written_on=data["written_on"],
            text=data["text"],
            photo=data["photo"],
            client_key=data["client_key"],
        ),
    )


@login_required
@require_GET
def update_photo(request, pk: int):
    """An update's photo; the files are not public (MEDIA_URL would serve anyone)."""
    update = get_object_or_404(
        ProjectUpdate.objects.filter(project__in=selectors.projects_for(request.user)).exclude(image=""),
        pk=pk,
    )
    return private_image_response(update.image)


@login_required
def indicator_add(request, pk: int):
    project = _project_for(request, pk, edit=True)
    return _add_view(
        request,
        project=project,
        form_class=IndicatorForm,
        title=_("Add an indicator"),
        save=lambda data: services.indicator_add(project=project, **data),
    )


@login_required
def period_add(request, pk: int):
    indicator = get_object_or_404(
        Indicator.objects.filter(project__in=selectors.projects_for(request.user, edit=True)).select_related(
            "project"
        ),
        pk=pk,
    )
    return _add_view(
        request,
        project=indicator.project,
        form_class=PeriodForm,
        title=_("Record a period of %(indicator)s") % {"indicator": indicator.name},
        save=lambda data: services.period_record(indicator=indicator, **data),
    )


@login_required
def handover(request, pk: int):
    project = _project_for(request, pk, edit=True)
    action = request.POST.get("action") if request.method == "POST" else None
    successor_form = SuccessorForm(request.POST if action == "successor" else None, prefix="successor")
    item_form = ChecklistItemForm(request.POST if action == "item" else None, prefix="item")
    if action == "successor" and successor_form.is_valid():
        person = selectors.successor_candidate(project, successor_form.cleaned_data["contact"])
        if person is None:
            successor_form.add_error(
                "contact",
                _("No learner or coordinator of this county has this email address or mobile number."),
            )
        else:
            services.successor_add(project=project, user=person, role=successor_form.cleaned_data["role"])
            messages.success(
                request, _("%(name)s is a successor now.") % {"name": person.name or person.email}
            )
            return redirect("projects:handover", pk=project.pk)
    if action == "item" and item_form.is_valid():
        try:
            services.checklist_item_add(
                project=project,
                text=item_form.cleaned_data["text"],
                client_key=item_form.cleaned_data["client_key"],
            )
        except ValidationError as error:
            _errors(item_form, error)
        else:
            return redirect("projects:handover", pk=project.pk)
    return render(
        request,
        "projects/handover.html",
        {
            "project": project,
            "successors": project.successors.select_related("user"),
            "checklist": project.checklist.select_related("done_by"),
            "successor_form": successor_form,
            "item_form": item_form,
            "gaps": selectors.handover_gaps(project),
        },
    )


@login_required
@require_POST
def successor_remove(request, pk: int):
    successor = get_object_or_404(
        Successor.objects.filter(project__in=selectors.projects_for(request.user, edit=True)), pk=pk
    )
    try:
        services.successor_remove(successor=successor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("projects:handover", pk=successor.project_id)


@login_required
@require_POST
def checklist_mark(request, pk: int):
    item = get_object_or_404(
        ChecklistItem.objects.filter(project__in=selectors.projects_for(request.user, edit=True)), pk=pk
    )
    try:
        services.checklist_item_mark(item=item, by=request.user, done=request.POST.get("done") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("projects:handover", pk=item.project_id)


def _appointment_for(request, pk: int):
    return get_object_or_404(
        selectors.appointments_visible_to(request.user).select_related(
            "county__prefecture", "county__province"
        ),
        pk=pk,
    )


@login_required
@require_GET
def term_report(request, pk: int):
    appointment = _appointment_for(request, pk)
    return render(request, "projects/term_report.html", {"report": selectors.term_report(appointment)})


@login_required
@require_GET
def term_report_pdf(request, pk: int):
    appointment = _appointment_for(request, pk)
    report = selectors.term_report(appointment)
    response = HttpResponse(render_term_report_pdf(report), content_type="application/pdf")
    name = f"term-report-{appointment.county_id}-{appointment.term_start:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
