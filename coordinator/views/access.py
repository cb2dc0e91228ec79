"""The access helpers every coordinator view finds its objects through, and the page sizes."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from counties.models import Cohort, County
from counties.selectors import workspace_counties
from enrollment.models import Enrollment

WORKSPACE_PAGE_SIZE = 20
ROSTER_PAGE_SIZE = 50


def counties_for(request):
    """The counties the user coordinates; a 404 for a user who coordinates nothing (staff
    excepted)."""
    counties = workspace_counties(request.user)
    if not request.user.is_staff and not counties.exists():
        raise Http404
    return counties


def cohort_for(request, pk: int, *, related: tuple[str, ...] = ("course", "county")) -> Cohort:
    """The cohort, if the user manages it; ``related=()`` for pages that show neither its course
    nor its county (a join and two model instances less)."""
    cohorts = Cohort.objects.visible_to(request.user)
    if related:  # select_related() without fields would follow every foreign key
        cohorts = cohorts.select_related(*related)
    return get_object_or_404(cohorts, pk=pk)


def county_for(request, code: str) -> County:
    return get_object_or_404(workspace_counties(request.user).with_parents(), code=code)


def enrollment_in(cohort: Cohort, pk: int) -> Enrollment:
    return get_object_or_404(Enrollment.objects.select_related("learner"), cohort=cohort, pk=pk)
