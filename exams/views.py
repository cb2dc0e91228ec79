"""Editors' pages: the question banks (upload a spreadsheet: dry run → report → confirm; download
a bank or the empty template), the list of exams (with their results released by hand) and the
item analysis of an exam or a bank (a page and a CSV). Staff with the permission to add bank
questions only: anyone else who is not staff gets a 404, staff without the permission a 403;
releasing results also needs the permission to change exams."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from talentportal.spreadsheets import spreadsheet_response

from . import services
from .analysis import analysis_headers, analysis_rows, bank_item_analysis, exam_item_analysis
from .models import BankImport, Exam, ExamAttempt, QuestionBank
from .policy import results_release

PERMISSION = "exams.add_bankquestion"
RELEASE_PERMISSION = "exams.change_exam"
EXAMS_PER_PAGE = 50


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (XLSX or CSV)"))


def _editor(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _bank(request: HttpRequest, pk: int) -> QuestionBank:
    _editor(request)
    return get_object_or_404(QuestionBank.objects.select_related("course", "track"), pk=pk)


@login_required
def bank_upload(request, pk):
    bank = _bank(request, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than 2 MB: split it into several files."))
        else:
            try:
                job = services.bank_import_check(
                    bank=bank, data=upload.read(), filename=upload.name, by=request.user
                )
            except services.ImportFileError as error:
                form.add_error("file", error.message)
            else:
                return redirect("exams:import_report", bank.pk, job.pk)
    return render(request, "exams/bank_upload.html", {"bank": bank, "form": form})


@login_required
@require_GET
def import_report(request, pk, import_pk):
    bank = _bank(request, pk)
    job = get_object_or_404(BankImport.objects.filter(bank=bank), pk=import_pk)
    rows = services.import_result_rows(job)
    counts = {
        outcome: sum(1 for row in rows if row["outcome"] == outcome) for outcome in services.OUTCOME_LABELS
    }
    return render(
        request, "exams/import_report.html", {"bank": bank, "job": job, "rows": rows, "counts": counts}
    )


@login_required
@require_POST
def import_commit(request, pk, import_pk):
    bank = _bank(request, pk)
    job = get_object_or_404(BankImport.objects.filter(bank=bank), pk=import_pk)
    job = services.bank_import_commit(import_id=job.pk)
    if job.status == BankImport.Status.DONE:
        messages.success(request, _("The questions were added to the bank."))
    else:
        messages.error(
            request, _("This file cannot be imported: correct the rows with errors and upload it again.")
        )
    return redirect("exams:import_report", bank.pk, job.pk)


@login_required
@require_GET
def bank_download(request, pk):
    bank = _bank(request, pk)
    return spreadsheet_response(
        fmt="xlsx", filename=bank.title, headers=services.TEMPLATE_HEADERS, rows=services.bank_rows(bank)
    )


@login_required
@require_GET
def template_download(request):
    _editor(request)
    return spreadsheet_response(
        fmt="xlsx", filename=_("question bank template"), headers=services.TEMPLATE_HEADERS, rows=[]
    )


# --- exams ---------------------------------------------------------------------------------------


@login_required
@require_GET
def exam_list(request):
    _editor(request)
    # A subquery rather than a join, so that the pager's count reads the exams only.
    submitted = (
        ExamAttempt.objects.filter(exam=OuterRef("pk"), submitted_at__isnull=False)
        .order_by()
        .values("exam")
        .annotate(count=Count("pk"))
        .values("count")
    )
    exams = (
        Exam.objects.select_related("course")
        .annotate(submitted=Coalesce(Subquery(submitted), 0))
        .order_by("course__title", "position", "-is_final", "title", "pk")
    )
    page = Paginator(exams, EXAMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "exams/exam_list.html",
        {"page": page, "can_release": request.user.has_perm(RELEASE_PERMISSION)},
    )


@login_required
@require_POST
def exam_results_release(request, pk):
    _editor(request)
    if not request.user.has_perm(RELEASE_PERMISSION):
        raise PermissionDenied
    exam = get_object_or_404(Exam, pk=pk)
    if exam.release != Exam.Release.MANUAL:
        messages.error(
            request,
            _("The results of %(exam)s are not released by hand: %(release)s.")
            % {"exam": exam.title, "release": exam.get_release_display()},
        )
    elif exam.results_released_at is not None:
        messages.info(request, _("The results of %(exam)s were released already.") % {"exam": exam.title})
    else:
        results_release(exam=exam, by=request.user)
        messages.success(
            request,
            _("The results of %(exam)s are released: learners now see their scores and the corrections.")
            % {"exam": exam.title},
        )
    return redirect("exams:exam_list")


# --- item analysis -------------------------------------------------------------------------------


def _analysis_page(request, *, title: str, subtitle: str, analysis, export_url: str):
    return render(
        request,
        "exams/analysis.html",
        {"title": title, "subtitle": subtitle, "analysis": analysis, "export_url": export_url},
    )


def _analysis_download(*, title: str, analysis):
    return spreadsheet_response(
        fmt="csv",
        filename=_("item analysis %(title)s") % {"title": title},
        headers=analysis_headers(),
        rows=analysis_rows(analysis),
    )


def _exam(request: HttpRequest, pk: int) -> Exam:
    _editor(request)
    return get_object_or_404(Exam.objects.select_related("course"), pk=pk)


@login_required
@require_GET
def exam_analysis(request, pk):
    exam = _exam(request, pk)
    return _analysis_page(
        request,
        title=exam.title,
        subtitle=exam.course.title,
        analysis=exam_item_analysis(exam),
        export_url=reverse("exams:analysis_export", args=[exam.pk]),
    )


@login_required
@require_GET
def exam_analysis_export(request, pk):
    exam = _exam(request, pk)
    return _analysis_download(title=exam.title, analysis=exam_item_analysis(exam))


@login_required
@require_GET
def bank_analysis(request, pk):
    bank = _bank(request, pk)
    return _analysis_page(
        request,
        title=bank.title,
        subtitle=str(bank.course or bank.track),
        analysis=bank_item_analysis(bank),
        export_url=reverse("exams:bank_analysis_export", args=[bank.pk]),
    )


@login_required
@require_GET
def bank_analysis_export(request, pk):
    bank = _bank(request, pk)
    return _analysis_download(title=bank.title, analysis=bank_item_analysis(bank))
