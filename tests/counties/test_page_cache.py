"""The roster and the coordinator home are cached whole per user (talentportal.pagecache): served
again without rendering, shown fresh after every change to them, and never to anyone else."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from counties import services
from counties.models import Announcement, CoordinatorAssignment, ImportJob
from talentportal import pagecache
from tests import factories
from tests.counties.conftest import enrol, upload

HOME = reverse("counties:coordinator_home")
# A page from the cache costs no query: the session, the user and the codes of the user's
# counties (the home's stamps) come from the cache.
CACHED_ROSTER_QUERIES = 0
CACHED_HOME_QUERIES = 0


def roster_url(cohort, query: str = "") -> str:
    return reverse("counties:roster", args=[cohort.pk]) + query


def cohort_url(cohort, suffix: str) -> str:
    return f"/counties/coordinator/cohorts/{cohort.pk}/{suffix}"


def from_cache(response) -> bool:
    """A page served from the cache renders no template."""
    return response.context is None


def page_text(response) -> bytes:
    """The page without its CSRF tokens (each request gets its own)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)


def without_messages(client) -> None:
    # A request with flash messages is never served from the cache: drop them, so that the next
    # GET shows what the cache holds.
    client.cookies.pop("messages", None)


@pytest.fixture
def held_session(cohort):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return factories.ClassSessionFactory(cohort=cohort, date=yesterday)


# --- served from the cache -----------------------------------------------------------------------


@pytest.mark.parametrize("learners", [1, 50])
def test_second_roster_get_is_served_from_the_cache(
    english, coordinator, cohort, django_assert_num_queries, learners
):
    for _ in range(learners):
        enrol(cohort)
    english.force_login(coordinator)
    first = english.get(roster_url(cohort))
    with django_assert_num_queries(CACHED_ROSTER_QUERIES):
        second = english.get(roster_url(cohort))
    assert from_cache(second)
    assert page_text(second) == page_text(first)


@pytest.mark.parametrize("cohorts", [1, 5])
def test_second_home_get_is_served_from_the_cache(
    english, coordinator, county, django_assert_num_queries, cohorts
):
    for _ in range(cohorts):
        enrol(factories.CohortFactory(county=county))
    english.force_login(coordinator)
    first = english.get(HOME)
    with django_assert_num_queries(CACHED_HOME_QUERIES):
        second = english.get(HOME)
    assert from_cache(second)
    assert page_text(second) == page_text(first)


def test_staff_home_is_rendered_each_time(client, staff, cohort):
    client.force_login(staff)
    client.get(HOME)
    response = client.get(HOME)
    assert not from_cache(response)
    assert [c.pk for c in response.context["page"]] == [cohort.pk]


def test_cached_roster_forms_carry_the_requests_own_csrf_token(english, coordinator, cohort):
    enrol(cohort, status="applied")
    english.force_login(coordinator)
    english.get(roster_url(cohort))
    page = english.get(roster_url(cohort)).content.decode()
    assert pagecache.CSRF_PLACEHOLDER.decode() not in page
    assert 'name="csrfmiddlewaretoken" value="' in page


# --- each change shows at once -------------------------------------------------------------------


def test_roll_call_shows_on_the_roster_at_once(english, coordinator, cohort, held_session):
    enrollment = enrol(cohort)
    english.force_login(coordinator)
    assert english.get(roster_url(cohort)).context["page"][0].attendance_rate == 0
    english.post(
        cohort_url(cohort, f"sessions/{held_session.pk}/roll-call/"),
        {f"learner_{enrollment.learner_id}": "present"},
    )
    without_messages(english)
    response = english.get(roster_url(cohort))
    assert not from_cache(response)
    assert response.context["page"][0].attendance_rate == 100
    assert "<td>100%</td>" in response.content.decode()


def test_roll_call_bumps_the_learners_own_pages(coordinator, cohort, held_session):
    enrollment = enrol(cohort)
    before = pagecache.stamp_token([f"user:{enrollment.learner_id}"])
    services.attendance_record(session=held_session, statuses={enrollment.learner_id: "present"})
    assert pagecache.stamp_token([f"user:{enrollment.learner_id}"]) != before


def test_import_shows_the_new_learners_on_the_roster_and_the_home(english, coordinator, cohort):
    english.force_login(coordinator)
    assert english.get(roster_url(cohort)).context["page"].paginator.count == 0
    assert english.get(HOME).context["page"][0].learner_count == 0
    english.post(cohort_url(cohort, "import/"), {"file": upload(b"name,mobile\nZhang San,13800138000\n")})
    job = ImportJob.objects.get()
    english.post(cohort_url(cohort, f"import/{job.pk}/commit/"))
    without_messages(english)
    response = english.get(roster_url(cohort))
    assert [e.learner.name for e in response.context["page"]] == ["Zhang San"]
    assert english.get(HOME).context["page"][0].learner_count == 1


def test_import_shows_the_class_on_an_existing_learners_dashboard(english, coordinator, cohort):
    learner = factories.LearnerProfileFactory(county=cohort.county, user__mobile="13800138000").user
    client = Client()
    client.force_login(learner)
    dashboard = reverse("enrollment:dashboard")
    assert cohort.name not in client.get(dashboard).content.decode()
    english.force_login(coordinator)
    english.post(cohort_url(cohort, "import/"), {"file": upload(b"name,mobile\nZhang San,13800138000\n")})
    english.post(cohort_url(cohort, f"import/{ImportJob.objects.get().pk}/commit/"))
    assert cohort.name in client.get(dashboard).content.decode()


def test_withdrawal_shows_on_the_roster_at_once(english, coordinator, cohort):
    enrollment = enrol(cohort)
    english.force_login(coordinator)
    assert "<td>Withdrawn</td>" not in english.get(roster_url(cohort)).content.decode()
    response = english.post(
        cohort_url(cohort, f"enrolments/{enrollment.pk}/withdraw/"), {"reason": "moved away"}
    )
    assert response.status_code == 302
    without_messages(english)
    assert "<td>Withdrawn</td>" in english.get(roster_url(cohort)).content.decode()


def test_approval_shows_on_the_roster_at_once(english, coordinator, cohort):
    enrollment = enrol(cohort, status="applied")
    english.force_login(coordinator)
    assert 'name="approve"' in english.get(roster_url(cohort)).content.decode()
    english.post(cohort_url(cohort, f"enrolments/{enrollment.pk}/approve/"))
    without_messages(english)
    assert 'name="approve"' not in english.get(roster_url(cohort)).content.decode()


def test_new_class_shows_on_the_home_at_once(english, coordinator, county):
    english.force_login(coordinator)
    assert "Evening class" not in english.get(HOME).content.decode()
    today = timezone.localdate()
    english.post(
        reverse("counties:cohort_create"),
        {
            "name": "Evening class",
            "course": factories.CourseFactory().pk,
            "county": county.pk,
            "start_date": today.isoformat(),
            "end_date": (today + datetime.timedelta(days=60)).isoformat(),
            "capacity": 40,
            "delivery": "blended",
            "min_attendance_percent": 0,
            "status": "open",
        },
    )
    without_messages(english)
    assert "Evening class" in english.get(HOME).content.decode()


def test_priority_set_in_the_admin_shows_on_the_home_at_once(english, coordinator, county, staff):
    english.force_login(coordinator)
    assert "Priority county" not in english.get(HOME).content.decode()
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        reverse("admin:counties_county_changelist"),
        {"action": "mark_priority", "_selected_action": [county.pk]},
    )
    assert response.status_code == 302
    assert "Priority county" in english.get(HOME).content.decode()


def test_join_code_regeneration_bumps_the_cohort_pages(client, coordinator, cohort):
    stamps = [f"cohort:{cohort.pk}"]
    before = [pagecache.stamp_token([name]) for name in stamps]
    client.force_login(coordinator)
    client.post(cohort_url(cohort, "join-code/"))
    assert all(pagecache.stamp_token([name]) != token for name, token in zip(stamps, before, strict=True))


def test_announcement_emailed_bumps_the_cohort_pages(coordinator, cohort):
    enrol(cohort)
    announcement = Announcement.objects.create(cohort=cohort, author=coordinator, title="t", body="b")
    before = pagecache.stamp_token([f"cohort:{cohort.pk}"])
    assert services.announcement_email_send(announcement_id=announcement.pk) == 1
    assert pagecache.stamp_token([f"cohort:{cohort.pk}"]) != before
    assert len(mail.outbox) == 1


# --- nobody gets someone else's page -------------------------------------------------------------


def test_filters_sort_and_pages_are_pages_of_their_own(english, coordinator, cohort):
    enrol(cohort, learner__name="Active One")
    enrol(cohort, status="withdrawn")
    english.force_login(coordinator)
    assert english.get(roster_url(cohort, "?status=active")).context["page"].paginator.count == 1
    response = english.get(roster_url(cohort, "?status=withdrawn"))
    assert not from_cache(response)
    assert response.context["page"].paginator.count == 1
    assert "Active One" not in response.content.decode()
    assert english.get(roster_url(cohort, "?page=2")).context["page"].number == 1


def test_each_language_is_a_page_of_its_own(english, coordinator, cohort):
    english.force_login(coordinator)
    assert "<h1>Roster</h1>" in english.get(roster_url(cohort)).content.decode()
    english.cookies["django_language"] = "zh-hans"
    assert "<h1>学员名单</h1>" in english.get(roster_url(cohort)).content.decode()


def test_each_coordinator_gets_a_page_of_their_own(client, coordinator, county, cohort):
    colleague = factories.CoordinatorAssignmentFactory(county=county).coordinator
    client.force_login(coordinator)
    client.get(roster_url(cohort))
    client.get(HOME)
    client.force_login(colleague)
    assert not from_cache(client.get(roster_url(cohort)))
    assert not from_cache(client.get(HOME))


def test_another_countys_coordinator_gets_404_after_the_cache_is_warm(
    client, coordinator, other_coordinator, cohort
):
    client.force_login(coordinator)
    assert client.get(roster_url(cohort)).status_code == 200
    assert client.get(roster_url(cohort)).status_code == 200
    client.force_login(other_coordinator)
    assert client.get(roster_url(cohort)).status_code == 404
    assert client.get(roster_url(cohort)).status_code == 404


def test_learner_gets_404_for_the_home_after_a_coordinator_warmed_it(client, coordinator, learner, cohort):
    client.force_login(coordinator)
    client.get(HOME)
    client.force_login(learner)
    assert client.get(HOME).status_code == 404


def test_removed_assignment_takes_effect_at_once(client, coordinator, cohort):
    client.force_login(coordinator)
    assert client.get(roster_url(cohort)).status_code == 200
    assert client.get(HOME).status_code == 200
    assert from_cache(client.get(roster_url(cohort)))
    CoordinatorAssignment.objects.get(coordinator=coordinator).delete()
    assert client.get(roster_url(cohort)).status_code == 404
    assert client.get(HOME).status_code == 404


def test_cohort_moved_to_another_county_is_404_at_once(client, coordinator, other_county, cohort):
    client.force_login(coordinator)
    assert client.get(roster_url(cohort)).status_code == 200
    cohort.county = other_county
    cohort.save()
    assert client.get(roster_url(cohort)).status_code == 404


def test_a_county_assigned_later_shows_on_the_home_at_once(english, coordinator, other_county):
    factories.CohortFactory(county=other_county, name="Second county class")
    english.force_login(coordinator)
    assert "Second county class" not in english.get(HOME).content.decode()
    CoordinatorAssignment.objects.create(coordinator=coordinator, county=other_county)
    assert "Second county class" in english.get(HOME).content.decode()
