from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from qrcode.image.svg import SvgPathImage

from enrollment.certificates import cohort_certificate_counts, cohort_certificates_issue
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError, enrollment_approve, enrollment_decline, enrollment_withdraw

from . import tasks
from .exports import EXPORT_FORMATS, spreadsheet_response
from .forms import (
    AnnouncementForm,
    ClassSessionForm,
    CohortForm,
    DeclineForm,
    ImportUploadForm,
    PlacementForm,
    RollCallForm,
    RosterFilterForm,
    WithdrawForm,
)
from .imports import (
    SYNC_MAX_ROWS,
    ImportFileError,
    import_job_check,
    import_job_claim,
    import_job_commit,
    import_job_start,
    job_result_rows,
    mask_mobile,
)
from .models import (
    Attendance,
    ClassSession,
    Cohort,
    County,
    ImportJob,
    PlacementOutcome,
    Prefecture,
    Province,
)
from .selectors import (
    MAX_MATCHES,
    attach_cohort_headlines,
    attach_county_headlines,
    cohort_class_learners,
    cohort_completed_with_outcomes,
    cohort_pending_requests,
    cohort_roster,
    cohorts_with_headlines,
    county_placement_summary,
    sessions_with_attendance,
    workspace_counties,
    workspace_counties_listed,
)
from .selectors import county_placements as county_placements_selector
from .services import (
    announcement_create,
    attendance_record,
    class_session_create,
    cohort_update,
    placement_record,
)
from .services import cohort_create as cohort_create_service
from .services import cohort_join_code_regenerate as cohort_join_code_regenerate_service

PICKER_PAGE_SIZE = 30


def _safe_next(request) -> str:
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("account_signup")


def _with_county(url: str, code: str) -> str:
    parts = urlsplit(url)
    query = urlencode({"county": code})
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


@require_GET
def county_picker(request):
    """Choose a county without JavaScript: search by name or code, or browse
    province → prefecture → county. Each county links back to ``next`` with ``?county=CODE``."""
    next_url = _safe_next(request)
    query = request.GET.get("q", "").strip()[:30]
    context = {"next_url": next_url, "query": query}
    counties = None
    if query:
        page = Paginator(
            County.objects.with_parents().search(query).order_by("code"), PICKER_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        context["page"] = page
        counties = page.object_list
    elif prefecture_code := request.GET.get("prefecture"):
        prefecture = get_object_or_404(Prefecture.objects.select_related("province"), code=prefecture_code)
        context.update(province=prefecture.province, prefecture=prefecture)
        counties = County.objects.with_parents().filter(prefecture=prefecture)
    elif province_code := request.GET.get("province"):
        province = get_object_or_404(Province, code=province_code)
        prefectures = list(province.prefectures.all())
        context["province"] = province
        if len(prefectures) == 1:
            counties = County.objects.with_parents().filter(prefecture=prefectures[0])
        else:
            context["prefectures"] = prefectures
    else:
        context["provinces"] = Province.objects.all()
    if counties is not None:
        context["county_links"] = [(county, _with_county(next_url, county.code)) for county in counties]
    return render(request, "counties/picker.html", context)


@require_GET
@cache_control(public=True, max_age=3600)
def county_search(request):
    """Up to MAX_MATCHES counties for the sign-up form's type-ahead (JSON)."""
    query = request.GET.get("q", "").strip()[:30]
    counties = County.objects.with_parents().search(query)[:MAX_MATCHES] if query else []
    return JsonResponse(
        {"results": [{"code": county.code, "label": county.full_name} for county in counties]},
        json_dumps_params={"ensure_ascii": False},
    )


# --- the coordinator's workspace ---------------------------------------------------------------
# Every view below finds its objects through Cohort.objects.visible_to(user) or the user's
# counties: another county's cohort, session or learner is a 404, as is the workspace for a
# user who coordinates nothing.

WORKSPACE_PAGE_SIZE = 20
ROSTER_PAGE_SIZE = 50
IMPORT_ROWS_PAGE_SIZE = 50


def _workspace_counties(request):
    counties = workspace_counties(request.user)
    if not request.user.is_staff and not counties.exists():
        raise Http404
    return counties


def _cohort_for(request, pk: int, *, related: tuple[str, ...] = ("course", "county")) -> Cohort:
    """The cohort, if the user manages it; ``related=()`` for pages that show neither its course
    nor its county (a join and two model instances less)."""
    cohorts = Cohort.objects.visible_to(request.user)
    if related:  # select_related() without fields would follow every foreign key
        cohorts = cohorts.select_related(*related)
    return get_object_or_404(cohorts, pk=pk)


def _county_for(request, code: str) -> County:
    return get_object_or_404(workspace_counties(request.user).with_parents(), code=code)


def _enrollment_in(cohort: Cohort, pk: int) -> Enrollment:
    return get_object_or_404(Enrollment.objects.select_related("learner"), cohort=cohort, pk=pk)


def _join_url(request, cohort: Cohort) -> str:
    """The learner's join page for this cohort's code, as an absolute URL (printed on posters)."""
    try:
        path = reverse("enrollment:join_code", kwargs={"code": cohort.join_code})
    except NoReverseMatch:
        path = f"/learn/join/{cohort.join_code}/"
    return request.build_absolute_uri(path)


def _contact(learner) -> str:
    if learner.mobile:
        return mask_mobile(learner.mobile)
    if learner.email:
        local, _at, domain = learner.email.partition("@")
        return f"{local[:2]}***@{domain}"
    return ""


@login_required
@require_GET
def coordinator_home(request):
    """The coordinator's counties and cohorts with their headline numbers (fixed query count).
    The county numbers, the same for everyone who sees the county, are cached for
    COUNTY_HEADLINES_SECONDS (counties.selectors.attach_county_headlines)."""
    county_page = Paginator(workspace_counties_listed(request.user), WORKSPACE_PAGE_SIZE).get_page(
        request.GET.get("county_page")
    )
    if not request.user.is_staff and not county_page.paginator.count:
        raise Http404
    county_page.object_list = attach_county_headlines(list(county_page.object_list))
    cohort_page = _cohort_page(request, _cohorts_listed(request.user).exclude(status=Cohort.Status.CLOSED))
    context = {"counties": county_page.object_list, "county_page": county_page, "page": cohort_page}
    return render(request, "counties/coordinator_home.html", context)


# What counties/_cohort_items.html shows of a cohort.
COHORT_ITEM_FIELDS = ("name", "status", "start_date", "end_date", "course__title", "county__name")


def _cohorts_listed(user):
    return (
        Cohort.objects.visible_to(user)
        .select_related("course", "county")
        .only(*COHORT_ITEM_FIELDS)
        .order_by("-start_date", "name")
    )


def _cohort_page(request, cohorts):
    """A page of cohorts for counties/_cohort_items.html: headline numbers and status labels."""
    page = Paginator(cohorts, WORKSPACE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = attach_cohort_headlines(list(page.object_list))
    status_labels = dict(Cohort.Status.choices)  # get_status_display() rebuilds this per call
    for cohort in page.object_list:
        cohort.status_label = status_labels[cohort.status]
    return page


@login_required
@require_GET
def cohort_list(request):
    """Every cohort the coordinator manages, closed ones included, filtered by status."""
    _workspace_counties(request)
    cohorts = _cohorts_listed(request.user)
    status = request.GET.get("status", "")
    if status in Cohort.Status.values:
        cohorts = cohorts.filter(status=status)
    return render(
        request,
        "counties/cohort_list.html",
        {"page": _cohort_page(request, cohorts), "status": status, "statuses": Cohort.Status.choices},
    )


@login_required
def cohort_create(request):
    counties = _workspace_counties(request)
    form = CohortForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        cohort = cohort_create_service(created_by=request.user, **form.cleaned_data)
        messages.success(request, _("Class created. Its join code is %(code)s.") % {"code": cohort.join_code})
        return redirect("counties:cohort_detail", pk=cohort.pk)
    return render(request, "counties/cohort_form.html", {"form": form})


@login_required
def cohort_edit(request, pk: int):
    cohort = _cohort_for(request, pk)
    form = CohortForm(request.POST or None, instance=cohort, counties=workspace_counties(request.user))
    if request.method == "POST" and form.is_valid():
        cohort_update(cohort=cohort, **form.cleaned_data)
        messages.success(request, _("Class saved."))
        return redirect("counties:cohort_detail", pk=cohort.pk)
    return render(request, "counties/cohort_form.html", {"form": form, "cohort": cohort})


@login_required
@require_GET
def cohort_detail(request, pk: int):
    cohort = get_object_or_404(cohorts_with_headlines(request.user), pk=pk)
    context = {
        "cohort": cohort,
        "join_url": _join_url(request, cohort),
        "pending_count": cohort_pending_requests(cohort=cohort).count(),
        "next_sessions": list(cohort.class_sessions.filter(date__gte=timezone.localdate())[:3]),
    }
    return render(request, "counties/cohort_detail.html", context)


@login_required
@require_GET
def cohort_certificates(request, pk: int):
    """The cohort's certificates by status, with a progress bar while workers issue them."""
    cohort = _cohort_for(request, pk)
    counts = cohort_certificate_counts(cohort_id=cohort.pk)
    total = counts["issued"] + counts["pending"] + counts["failed"]
    context = {
        "cohort": cohort,
        "counts": counts,
        "total": total,
        "done_percent": counts["issued"] * 100 // total if total else 100,
    }
    return render(request, "counties/cohort_certificates.html", context)


@login_required
@require_POST
def cohort_certificates_issue_view(request, pk: int):
    cohort = _cohort_for(request, pk)
    queued = cohort_certificates_issue(cohort_id=cohort.pk)
    messages.success(request, _("%(count)d certificates are being issued.") % {"count": queued})
    return redirect("counties:cohort_certificates", pk=cohort.pk)


@login_required
@require_POST
def cohort_join_code_regenerate(request, pk: int):
    cohort = cohort_join_code_regenerate_service(cohort=_cohort_for(request, pk))
    messages.success(
        request,
        _("New join code: %(code)s. The old code no longer works.") % {"code": cohort.join_code},
    )
    return redirect("counties:cohort_detail", pk=cohort.pk)


@login_required
@require_GET
def cohort_qr(request, pk: int):
    """The join link as a QR code (SVG: small, sharp when printed, no image library needed)."""
    cohort = _cohort_for(request, pk)
    image = qrcode.make(_join_url(request, cohort), image_factory=SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def cohort_poster(request, pk: int):
    """A printable page: the class, its join code in big letters, the QR code and the link."""
    cohort = _cohort_for(request, pk)
    return render(request, "counties/poster.html", {"cohort": cohort, "join_url": _join_url(request, cohort)})


# --- roster --------------------------------------------------------------------------------------


@login_required
@require_GET
def roster(request, pk: int):
    """The cohort's learners with progress, activity, attendance and the at-risk flag: filtered,
    sorted and paginated, in a fixed number of queries."""
    cohort = _cohort_for(request, pk, related=())
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
    context = {"cohort": cohort, "form": form, "page": page, "export_query": request.GET.urlencode()}
    return render(request, "counties/roster.html", context)


def roster_headers() -> list[str]:
    return [
        _("Name"),
        _("Mobile"),
        _("Email"),
        _("School"),
        _("Status"),
        _("Progress (%)"),
        _("Last activity"),
        _("Attendance (%)"),
        _("At risk"),
        _("Enrolled at"),
    ]


@login_required
@require_GET
def roster_export(request, pk: int, fmt: str):
    """The whole roster (with the page's filters) as CSV or XLSX, headers in the page's language."""
    cohort = _cohort_for(request, pk)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = RosterFilterForm(request.GET)
    enrollments = cohort_roster(cohort=cohort, filters=form.filters())
    status_labels = dict(Enrollment.Status.choices)
    yes, no = _("Yes"), _("No")

    def rows():
        for enrollment in enrollments.iterator(chunk_size=2000):
            learner = enrollment.learner
            profile = getattr(learner, "learner_profile", None)
            yield [
                learner.name,
                learner.mobile or "",
                learner.email or "",
                profile.school if profile else "",
                status_labels[enrollment.status],
                enrollment.progress_percent,
                timezone.localtime(enrollment.last_activity_at) if enrollment.last_activity_at else "",
                "" if enrollment.attendance_rate is None else enrollment.attendance_rate,
                yes if enrollment.at_risk else no,
                timezone.localtime(enrollment.enrolled_at),
            ]

    filename = f"{cohort.name}-{timezone.localdate():%Y%m%d}"
    return spreadsheet_response(fmt=fmt, filename=filename, headers=roster_headers(), rows=rows())


@login_required
@require_POST
def enrollment_approve_view(request, pk: int, enrollment_pk: int):
    cohort = _cohort_for(request, pk)
    enrollment = enrollment_approve(enrollment=_enrollment_in(cohort, enrollment_pk))
    messages.success(request, _("%(name)s can now study in this class.") % {"name": enrollment.learner})
    return redirect(_back_to_roster(request, cohort))


@login_required
@require_POST
def enrollment_decline_view(request, pk: int, enrollment_pk: int):
    cohort = _cohort_for(request, pk)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    enrollment = enrollment_decline(enrollment=_enrollment_in(cohort, enrollment_pk), reason=reason)
    messages.success(request, _("The request of %(name)s was declined.") % {"name": enrollment.learner})
    return redirect(_back_to_roster(request, cohort))


def _back_to_roster(request, cohort: Cohort) -> str:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return reverse("counties:roster", args=[cohort.pk])


@login_required
def enrollment_withdraw_view(request, pk: int, enrollment_pk: int):
    """Ask for the reason (GET), then withdraw the learner from the class (POST)."""
    cohort = _cohort_for(request, pk)
    enrollment = _enrollment_in(cohort, enrollment_pk)
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
            return redirect("counties:roster", pk=cohort.pk)
    return render(
        request, "counties/withdraw.html", {"cohort": cohort, "enrollment": enrollment, "form": form}
    )


# --- import --------------------------------------------------------------------------------------


@login_required
def import_upload(request, pk: int):
    """Upload a school's spreadsheet; the dry run follows (in the request, or a task for big files)."""
    cohort = _cohort_for(request, pk)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_start(
                cohort=cohort,
                upload=form.cleaned_data["file"],
                created_by=request.user,
                site_url=request.build_absolute_uri("/"),
            )
        except ImportFileError as error:
            form.add_error("file", error.message)
        else:
            if job.total_rows <= SYNC_MAX_ROWS:
                import_job_check(job_id=job.pk)
            else:
                tasks.import_job_check.delay_on_commit(job.pk)
            return redirect("counties:import_job", pk=cohort.pk, job_pk=job.pk)
    recent = cohort.import_jobs.defer("results").order_by("-created_at")[:5]
    context = {"cohort": cohort, "form": form, "recent": recent, "sync_max_rows": SYNC_MAX_ROWS}
    return render(request, "counties/import_upload.html", context)


@login_required
@require_GET
def import_job(request, pk: int, job_pk: int):
    """The dry run's outcome of every row (paginated), the progress of a running job, or the
    result of the import with its report."""
    cohort = _cohort_for(request, pk)
    job = get_object_or_404(ImportJob, cohort=cohort, pk=job_pk)
    errors_only = request.GET.get("errors") == "1"
    page = Paginator(job_result_rows(job, errors_only=errors_only), IMPORT_ROWS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"cohort": cohort, "job": job, "page": page, "errors_only": errors_only}
    return render(request, "counties/import_job.html", context)


@login_required
@require_POST
def import_commit(request, pk: int, job_pk: int):
    cohort = _cohort_for(request, pk)
    job = get_object_or_404(ImportJob.objects.defer("results"), cohort=cohort, pk=job_pk)
    if not import_job_claim(job_id=job.pk):
        messages.info(request, _("This file is already being imported or was imported."))
    elif job.total_rows <= SYNC_MAX_ROWS:
        job = import_job_commit(job_id=job.pk)
        if job.status == ImportJob.Status.DONE:
            messages.success(
                request, _("%(count)d learners enrolled in this class.") % {"count": job.enrolled_count}
            )
    else:
        tasks.import_job_commit.delay_on_commit(job.pk)
    return redirect("counties:import_job", pk=cohort.pk, job_pk=job.pk)


@login_required
@require_GET
def import_report(request, pk: int, job_pk: int):
    cohort = _cohort_for(request, pk)
    job = get_object_or_404(ImportJob.objects.defer("results"), cohort=cohort, pk=job_pk)
    if not job.report:
        raise Http404
    return FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-report.csv",
        content_type="text/csv",
    )


# --- offline classes and attendance --------------------------------------------------------------


@login_required
@require_GET
def session_list(request, pk: int):
    cohort = _cohort_for(request, pk)
    page = Paginator(sessions_with_attendance(cohort=cohort), WORKSPACE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "counties/session_list.html", {"cohort": cohort, "page": page})


@login_required
def session_create(request, pk: int):
    cohort = _cohort_for(request, pk)
    form = ClassSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        class_session_create(cohort=cohort, **form.cleaned_data)
        messages.success(request, _("Class session scheduled."))
        return redirect("counties:session_list", pk=cohort.pk)
    return render(request, "counties/session_form.html", {"cohort": cohort, "form": form})


@login_required
def roll_call(request, pk: int, session_pk: int):
    """Take attendance on a phone: everyone present unless tapped absent or excused; one submit
    saves the whole class."""
    cohort = _cohort_for(request, pk, related=())
    session = get_object_or_404(ClassSession, cohort=cohort, pk=session_pk)
    learners = cohort_class_learners(cohort=cohort)
    recorded = dict(session.attendances.values_list("learner_id", "status"))
    form = RollCallForm(request.POST or None, learners=learners, recorded=recorded)
    if request.method == "POST" and form.is_valid():
        session.cohort = cohort
        count = attendance_record(session=session, statuses=form.statuses())
        messages.success(request, _("Attendance saved for %(count)d learners.") % {"count": count})
        return redirect("counties:session_list", pk=cohort.pk)
    context = {
        "cohort": cohort,
        "session": session,
        "rows": form.rows(),
        "labels": {value: str(label) for value, label in Attendance.Status.choices},
        "taken": bool(recorded),
    }
    return render(request, "counties/roll_call.html", context)


# --- announcements -------------------------------------------------------------------------------


@login_required
def announcement_list(request, pk: int):
    """The cohort's announcements, newest first, and the form to write one."""
    cohort = _cohort_for(request, pk)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        announcement_create(cohort=cohort, author=request.user, **form.cleaned_data)
        messages.success(request, _("Announcement posted. It is being emailed to the class."))
        return redirect("counties:announcement_list", pk=cohort.pk)
    page = Paginator(
        cohort.announcements.select_related("author").order_by("-created_at"), WORKSPACE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "counties/announcements.html", {"cohort": cohort, "form": form, "page": page})


# --- placement outcomes --------------------------------------------------------------------------


@login_required
@require_GET
def placement_list(request, pk: int):
    """The cohort's learners who completed, each with their recorded outcome (or none yet)."""
    cohort = _cohort_for(request, pk)
    page = Paginator(cohort_completed_with_outcomes(cohort=cohort), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = dict(PlacementOutcome.Outcome.choices)
    for enrollment in page.object_list:
        enrollment.outcome_label = labels.get(enrollment.outcome, "")
    return render(request, "counties/placement_list.html", {"cohort": cohort, "page": page})


@login_required
def placement_record_view(request, pk: int, enrollment_pk: int):
    cohort = _cohort_for(request, pk)
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
        return redirect("counties:placement_list", pk=cohort.pk)
    context = {"cohort": cohort, "enrollment": enrollment, "form": form}
    return render(request, "counties/placement_form.html", context)


@login_required
@require_GET
def county_placements(request, code: str):
    """A county's placement rate and its recorded outcomes."""
    county = _county_for(request, code)
    page = Paginator(county_placements_selector(county=county), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"county": county, "summary": county_placement_summary(county=county), "page": page}
    return render(request, "counties/county_placements.html", context)


def placement_headers() -> list[str]:
    return [
        _("Name"),
        _("Mobile"),
        _("Class"),
        _("Course"),
        _("Outcome"),
        _("Employer"),
        _("Role"),
        _("Monthly wage"),
        _("Date"),
    ]


@login_required
@require_GET
def county_placements_export(request, code: str, fmt: str):
    county = _county_for(request, code)
    if fmt not in EXPORT_FORMATS:
        raise Http404

    def rows():
        for placement in county_placements_selector(county=county).iterator(chunk_size=2000):
            yield [
                placement.learner.name,
                placement.learner.mobile or "",
                placement.cohort.name if placement.cohort else "",
                placement.course.title if placement.course else "",
                placement.get_outcome_display(),
                placement.employer,
                placement.role,
                placement.get_wage_band_display(),
                placement.outcome_date,
            ]

    label = _("placements")  # outside the f-string, where makemessages finds it
    filename = f"{county.name}-{label}-{timezone.localdate():%Y%m%d}"
    return spreadsheet_response(fmt=fmt, filename=filename, headers=placement_headers(), rows=rows())
