"""A cohort's announcements to its learners."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..forms import AnnouncementForm
from ..services import announcement_create
from .access import WORKSPACE_PAGE_SIZE, cohort_for


@login_required
def announcement_list(request, pk: int):
    """The cohort's announcements, newest first, and the form to write one."""
    cohort = cohort_for(request, pk)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        announcement_create(cohort=cohort, author=request.user, **form.cleaned_data)
        messages.success(request, _("Announcement posted. It is being emailed to the class."))
        return redirect("coordinator:announcement_list", pk=cohort.pk)
    page = Paginator(
        cohort.announcements.select_related("author").order_by("-created_at"), WORKSPACE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "coordinator/announcements.html", {"cohort": cohort, "form": form, "page": page})
