from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, FilteredRelation, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from courses.models import Course
from courses.revisions import course_changelog

from .cache import cache_for_visitors
from .forms import CatalogueFilterForm
from .selectors import CatalogueFilters, Syllabus, course_catalogue, learner_county

CATALOGUE_PAGE_SIZE = 12
MAX_COHORTS_SHOWN = 10
# A course page's syllabus is the same for everyone: it is cached per course, language and
# course.updated_at, so a publication or a change of the course shows at once. An edit of a module,
# lesson or quiz alone leaves updated_at as it is and shows within a minute, as on the visitors'
# whole course page (catalogue.cache).
SYLLABUS_CACHE_SECONDS = 60


@require_GET
@cache_for_visitors
def catalogue(request):
    """Published courses, filtered and searched through the query string. Public."""
    county = learner_county(request.user)
    form = CatalogueFilterForm(request.GET, show_county_filter=county is not None)
    filters = form.filters()
    courses = course_catalogue(filters=filters, county=county)
    page = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "county": county, "is_filtered": filters != CatalogueFilters()}
    return render(request, "catalogue/catalogue.html", context)


@require_GET
@cache_for_visitors
def course_detail(request, slug: str):
    """A course's public page: syllabus, hours, prerequisites, classes in the learner's county.

    Drafts and courses in review are 404 here (staff use the preview); archived courses are
    shown to staff only — enrolled learners reach them through the enrollment app.
    """
    courses = Course.objects.visible_to(request.user).select_related("track")
    if request.user.is_authenticated:
        # The learner's enrolment status for the enrol box, in the same query (courses does
        # not import enrollment: the reverse relation is enough).
        courses = courses.annotate(
            my_enrollment=FilteredRelation("enrollments", condition=Q(enrollments__learner=request.user)),
            my_enrollment_status=F("my_enrollment__status"),
        )
    course = get_object_or_404(courses, slug=slug)
    return _render_course(request, course, preview=False)


@require_GET
@login_required
def course_preview(request, slug: str):
    """A course in any status as a learner would see it, with lesson bodies and quizzes. Staff only."""
    if not (request.user.is_staff and request.user.has_perm("courses.view_course")):
        raise PermissionDenied
    course = get_object_or_404(Course.objects.select_related("track"), slug=slug)
    return _render_course(request, course, preview=True)


def _render_course(request, course: Course, *, preview: bool):
    county = learner_county(request.user)
    cohorts = []
    if county is not None:
        cohorts = list(course.cohorts.upcoming().filter(county=county)[:MAX_COHORTS_SHOWN])
    context = {
        "course": course,
        "county": county,
        "cohorts": cohorts,
        # Read only when the page's syllabus is not in the cache (see the template).
        "syllabus": Syllabus(course, with_bodies=preview),
        "syllabus_cache_seconds": SYLLABUS_CACHE_SECONDS,
        "preview": preview,
        # The learners' changelog of published revisions: read only on a miss of its fragment.
        "changelog": course_changelog(course=course),
    }
    return render(request, "catalogue/detail.html", context)
