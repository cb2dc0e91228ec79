"""The coordinator's home page: their counties and open cohorts with the headline numbers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from counties.models import Cohort
from counties.selectors import workspace_counties_listed

from ..selectors import attach_county_headlines, cohorts_listed
from .access import WORKSPACE_PAGE_SIZE
from .cohorts import cohort_page


@login_required
@require_GET
def coordinator_home(request):
    """The coordinator's counties and cohorts with their headline numbers (fixed query count).
    The county numbers, the same for everyone who sees the county, are cached for
    COUNTY_HEADLINES_SECONDS (coordinator.selectors.attach_county_headlines)."""
    county_page = Paginator(workspace_counties_listed(request.user), WORKSPACE_PAGE_SIZE).get_page(
        request.GET.get("county_page")
    )
    if not request.user.is_staff and not county_page.paginator.count:
        raise Http404
    county_page.object_list = attach_county_headlines(list(county_page.object_list))
    page = cohort_page(request, cohorts_listed(request.user).exclude(status=Cohort.Status.CLOSED))
    context = {"counties": county_page.object_list, "county_page": county_page, "page": page}
    return render(request, "coordinator/coordinator_home.html", context)
