"""Staff pages of the question banks: upload a spreadsheet (dry run → report → confirm), download
a bank or the empty template. Staff with the permission to add bank questions only: anyone else
who is not staff gets a 404, staff without the permission a 403."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from talentportal.spreadsheets import spreadsheet_response

from . import services
from .models import BankImport, QuestionBank

PERMISSION = "exams.add_bankquestion"


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
