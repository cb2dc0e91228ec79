from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests import factories
from tests.coordinator.conftest import enrol

HOME = "/counties/coordinator/"


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_learner_gets_404(client, learner):
    client.force_login(learner)
    assert client.get(HOME).status_code == 404


def test_coordinator_sees_only_their_counties(client, coordinator, other_county):
    client.force_login(coordinator)
    response = client.get(HOME)
    assert [c.code for c in response.context["counties"]] == ["330122"]
    assert "万山区" not in response.content.decode()


def test_coordinator_of_several_counties_sees_each(client, coordinator, other_county):
    factories.CoordinatorAssignmentFactory(coordinator=coordinator, county=other_county)
    client.force_login(coordinator)
    assert [c.code for c in client.get(HOME).context["counties"]] == ["330122", "520603"]


def test_navigation_shows_workspace_only_to_coordinators(client, coordinator, learner):
    client.force_login(learner)
    assert HOME not in client.get("/").content.decode()
    client.force_login(coordinator)
    assert HOME in client.get("/").content.decode()


def test_navigation_shows_admin_only_to_staff(client, learner, staff):
    client.force_login(learner)
    assert "/admin/" not in client.get("/").content.decode()
    client.force_login(staff)
    assert "/admin/" in client.get("/").content.decode()


# --- headline numbers ----------------------------------------------------------------------------

# the user (with the navigation's coordinator flag), counties count + page + their numbers, cohorts
# count + page + their numbers
HOME_QUERIES = 7


@pytest.mark.parametrize("learners", [1, 50])
def test_home_query_count_is_constant(client, coordinator, county, django_assert_num_queries, learners):
    cohorts = [factories.CohortFactory(county=county) for _ in range(3)]
    for i in range(learners):
        enrol(cohorts[i % 3], last_activity_at=timezone.now())
    client.force_login(coordinator)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(HOME)
    assert sum(c.learner_count for c in response.context["page"]) == learners
    assert sum(c.learner_count for c in response.context["counties"]) == learners
    # A county's numbers (over all its enrolments) come from the cache for a minute.
    with django_assert_num_queries(HOME_QUERIES - 1):
        client.get(HOME)


def test_home_counts_learners_activity_completion_and_risk(client, coordinator, county):
    now = timezone.now()
    cohort = factories.CohortFactory(county=county)
    enrol(cohort, last_activity_at=now, progress_percent=60)  # active, on track
    enrol(
        cohort, last_activity_at=now - datetime.timedelta(days=10), progress_percent=60
    )  # inactive: at risk
    enrol(cohort, last_activity_at=now, progress_percent=0)  # behind schedule: at risk
    enrol(cohort, status="completed", completed_at=now, last_activity_at=now, progress_percent=100)
    enrol(cohort, status="applied")  # not yet a learner of the class
    enrol(cohort, status="withdrawn")
    client.force_login(coordinator)
    response = client.get(HOME)
    [shown] = response.context["page"]
    [tonglu] = response.context["counties"]
    for item in (shown, tonglu):
        assert (item.learner_count, item.active_count, item.completed_count, item.at_risk_count) == (
            4,
            3,
            1,
            2,
        )


def test_home_hides_closed_cohorts_which_stay_in_the_list(client, coordinator, county):
    closed = factories.CohortFactory(county=county, status="closed", name="已结业班")
    client.force_login(coordinator)
    assert closed.name not in client.get(HOME).content.decode()
    assert closed.name in client.get("/counties/coordinator/cohorts/").content.decode()


def test_staff_see_counties_with_cohorts(client, staff, county, other_county):
    factories.CohortFactory(county=county)
    client.force_login(staff)
    response = client.get(HOME)
    assert response.status_code == 200
    assert [c.code for c in response.context["counties"]] == ["330122"]
