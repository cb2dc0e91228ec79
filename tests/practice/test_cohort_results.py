"""A coordinator sees the cohort's practice results: each learner's best score per exercise and
who is below the threshold; another county's coordinator gets a 404."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from practice.models import Run
from tests import factories

from .conftest import english_client


def _run(enrollment, item_set, score):
    return Run.objects.create(
        enrollment=enrollment,
        item_set=item_set,
        submitted_at=timezone.now(),
        score=score,
        items_per_minute=12.0,
        passed=score >= item_set.min_score,
    )


def test_the_cohort_results_show_who_is_below_the_threshold(class_set, course, django_assert_num_queries):
    cohort = factories.CohortFactory(course=course)
    coordinator = factories.CoordinatorAssignmentFactory(county=cohort.county).coordinator
    good = factories.EnrollmentFactory(course=course, cohort=cohort, learner__name="甲")
    weak = factories.EnrollmentFactory(course=course, cohort=cohort, learner__name="乙")
    factories.EnrollmentFactory(course=course, cohort=cohort, learner__name="丙")  # no run
    _run(good, class_set, 60)
    _run(good, class_set, 100)  # the best counts
    _run(weak, class_set, 50)
    client = english_client(coordinator)
    url = reverse("practice:cohort_results", args=[cohort.pk])
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert page.count("below the threshold") == 2
    assert "100%" in page and "50%" in page and "60%" not in page
    for index in range(30):
        learner = factories.EnrollmentFactory(course=course, cohort=cohort)
        _run(learner, class_set, index)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)
    stranger = english_client(factories.CoordinatorAssignmentFactory().coordinator)
    assert stranger.get(url).status_code == 404


def test_the_cohort_results_list_the_exercises_in_the_outline_order(course, practice_lesson):
    """The columns follow the course outline (the studio's order), not the alphabet."""
    from .conftest import make_set

    cohort = factories.CohortFactory(course=course)
    coordinator = factories.CoordinatorAssignmentFactory(county=cohort.county).coordinator
    make_set(course, lesson=practice_lesson, title="A 先按字母", position=2)
    make_set(course, lesson=practice_lesson, title="B 大纲第一", position=1)
    page = (
        english_client(coordinator).get(reverse("practice:cohort_results", args=[cohort.pk])).content.decode()
    )
    assert page.index("B 大纲第一") < page.index("A 先按字母")
