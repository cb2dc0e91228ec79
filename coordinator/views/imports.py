"""Enrolling a school's spreadsheet of learners: the upload, the dry run's outcome of every row,
the import itself and its report. Files of more than SYNC_MAX_ROWS rows are checked and imported
by tasks (coordinator.imports holds the work)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from counties.models import ImportJob
from talentportal.queue import enqueue_on_commit

from ..forms import ImportUploadForm
from ..imports import (
    CHECK_TASK,
    COMMIT_TASK,
    SYNC_MAX_ROWS,
    ImportFileError,
    import_job_check,
    import_job_claim,
    import_job_commit,
    import_job_start,
    job_result_rows,
)
from .access import cohort_for

IMPORT_ROWS_PAGE_SIZE = 50


@login_required
def import_upload(request, pk: int):
    """Upload a school's spreadsheet; the dry run follows (in the request, or a task for big files)."""
    cohort = cohort_for(request, pk)
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
                enqueue_on_commit(CHECK_TASK, job.pk)
            return redirect("coordinator:import_job", pk=cohort.pk, job_pk=job.pk)
    recent = cohort.import_jobs.defer("results").order_by("-created_at")[:5]
    context = {"cohort": cohort, "form": form, "recent": recent, "sync_max_rows": SYNC_MAX_ROWS}
    return render(request, "coordinator/import_upload.html", context)


@login_required
@require_GET
def import_job(request, pk: int, job_pk: int):
    """The dry run's outcome of every row (paginated), the progress of a running job, or the
    result of the import with its report."""
    cohort = cohort_for(request, pk)
    job = get_object_or_404(ImportJob, cohort=cohort, pk=job_pk)
    errors_only = request.GET.get("errors") == "1"
    page = Paginator(job_result_rows(job, errors_only=errors_only), IMPORT_ROWS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"cohort": cohort, "job": job, "page": page, "errors_only": errors_only}
    return render(request, "coordinator/import_job.html", context)


@login_required
@require_POST
def import_commit(request, pk: int, job_pk: int):
    cohort = cohort_for(request, pk)
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
        enqueue_on_commit(COMMIT_TASK, job.pk)
    return redirect("coordinator:import_job", pk=cohort.pk, job_pk=job.pk)


@login_required
@require_GET
def import_report(request, pk: int, job_pk: int):
    """The report written when the import ended (coordinator.imports builds it), as a download."""
    cohort = cohort_for(request, pk)
    job = get_object_or_404(ImportJob.objects.defer("results"), cohort=cohort, pk=job_pk)
    if not job.report:
        raise Http404
    return FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-report.csv",
        content_type="text/csv",
    )
