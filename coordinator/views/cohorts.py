"""A coordinator's cohorts: the list, creating, editing and opening one, its page, its join code
(QR code and poster) and its certificates."""

from __future__ import annotations

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from qrcode.image.svg import SvgPathImage

from certificates.services import cohort_certificate_counts, cohort_certificates_issue
from counties.models import Cohort
from counties.selectors import workspace_counties
from counties.services import cohort_create as cohort_create_service
from counties.services import cohort_join_code_regenerate as cohort_join_code_regenerate_service
from counties.services import cohort_update

from ..forms import CohortForm
from ..selectors import (
    attach_cohort_headlines,
    cohort_pending_requests,
    cohorts_listed,
    cohorts_with_headlines,
)
from .access import WORKSPACE_PAGE_SIZE, cohort_for, counties_for


def _join_code_shown(cohort: Cohort) -> bool:
    """Whether the class page shows the join code, its QR code and poster: only while learners can
    join with it (as ``Cohort.objects.open_for_joining()``). A code handed out while the class is
    being planned would only tell learners that the class is not open."""
    return cohort.status in (Cohort.Status.OPEN, Cohort.Status.RUNNING)


def _join_url(request, cohort: Cohort) -> str:
    """The learner's join page for this cohort's code, as an absolute URL (printed on posters)."""
    try:
        path = reverse("learn:join_code", kwargs={"code": cohort.join_code})
    except NoReverseMatch:
        path = f"/learn/join/{cohort.join_code}/"
    return request.build_absolute_uri(path)


def cohort_page(request, cohorts):
    """A page of cohorts for coordinator/_cohort_items.html: headline numbers and status labels."""
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
    counties_for(request)
    cohorts = cohorts_listed(request.user)
    status = request.GET.get("status", "")
    if status in Cohort.Status.values:
        cohorts = cohorts.filter(status=status)
    return render(
        request,
        "coordinator/cohort_list.html",
        {"page": cohort_page(request, cohorts), "status": status, "statuses": Cohort.Status.choices},
    )


@login_required
def cohort_create(request):
    counties = counties_for(request)
    form = CohortForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        cohort = cohort_create_service(created_by=request.user, **form.cleaned_data)
        if _join_code_shown(cohort):
            message = _("Class created. Its join code is %(code)s.") % {"code": cohort.join_code}
        else:
            message = _("Class created. Its join code appears when you open the class for joining.")
        messages.success(request, message)
        return redirect("coordinator:cohort_detail", pk=cohort.pk)
    return render(request, "coordinator/cohort_form.html", {"form": form})


@login_required
def cohort_edit(request, pk: int):
    cohort = cohort_for(request, pk)
    form = CohortForm(request.POST or None, instance=cohort, counties=workspace_counties(request.user))
    if request.method == "POST" and form.is_valid():
        cohort_update(cohort=cohort, **form.cleaned_data)
        messages.success(request, _("Class saved."))
        return redirect("coordinator:cohort_detail", pk=cohort.pk)
    return render(request, "coordinator/cohort_form.html", {"form": form, "cohort": cohort})


@login_required
@require_GET
def cohort_detail(request, pk: int):
    cohort = get_object_or_404(cohorts_with_headlines(request.user), pk=pk)
    context = {
        "cohort": cohort,
        "join_code_shown": _join_code_shown(cohort),
        "join_url": _join_url(request, cohort),
        "pending_count": cohort_pending_requests(cohort=cohort).count(),
        "next_sessions": list(cohort.class_sessions.filter(date__gte=timezone.localdate())[:3]),
    }
    return render(request, "coordinator/cohort_detail.html", context)


@login_required
@require_GET
def cohort_certificates(request, pk: int):
    """The cohort's certificates by status, with a progress bar while workers issue them."""
    cohort = cohort_for(request, pk)
    counts = cohort_certificate_counts(cohort_id=cohort.pk)
    total = counts["issued"] + counts["pending"] + counts["failed"]
    context = {
        "cohort": cohort,
        "counts": counts,
        "total": total,
        "done_percent": counts["issued"] * 100 // total if total else 100,
    }
    return render(request, "coordinator/cohort_certificates.html", context)


@login_required
@require_POST
def cohort_certificates_issue_view(request, pk: int):
    cohort = cohort_for(request, pk)
    queued = cohort_certificates_issue(cohort_id=cohort.pk)
    messages.success(request, _("%(count)d certificates are being issued.") % {"count": queued})
    return redirect("coordinator:cohort_certificates", pk=cohort.pk)


@login_required
@require_POST
def cohort_open(request, pk: int):
    """Open a class that is being planned for joining: its join code starts to work (and shows)."""
    cohort = cohort_for(request, pk)
    if cohort.status == Cohort.Status.PLANNED:
        cohort = cohort_update(cohort=cohort, status=Cohort.Status.OPEN)
        messages.success(
            request,
            _("The class is open for joining. Its join code is %(code)s.") % {"code": cohort.join_code},
        )
    return redirect("coordinator:cohort_detail", pk=cohort.pk)


@login_required
@require_POST
def cohort_join_code_regenerate(request, pk: int):
    cohort = cohort_join_code_regenerate_service(cohort=cohort_for(request, pk))
    messages.success(
        request,
        _("New join code: %(code)s. The old code no longer works.") % {"code": cohort.join_code},
    )
    return redirect("coordinator:cohort_detail", pk=cohort.pk)


@login_required
@require_GET
def cohort_qr(request, pk: int):
    """The join link as a QR code (SVG: small, sharp when printed, no image library needed);
    404 while the code does not work (see _join_code_shown)."""
    cohort = cohort_for(request, pk, related=())
    if not _join_code_shown(cohort):
        raise Http404
    image = qrcode.make(_join_url(request, cohort), image_factory=SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def cohort_poster(request, pk: int):
    """A printable page: the class, its join code in big letters, the QR code and the link; 404
    while the code does not work (see _join_code_shown)."""
    cohort = cohort_for(request, pk)
    if not _join_code_shown(cohort):
        raise Http404
    return render(
        request, "coordinator/poster.html", {"cohort": cohort, "join_url": _join_url(request, cohort)}
    )
