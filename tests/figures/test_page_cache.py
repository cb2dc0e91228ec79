"""The dashboard page is cached per user until a refresh (or a catalogue edit) changes it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from counties.models import CoordinatorAssignment
from enrollment.figures import figures_refresh, latest_snapshot
from enrollment.tasks import refresh_figures
from tests import factories

URL = reverse("figures:dashboard")
# A warm page costs no query: the session and the user come from the cache too.
CACHED_QUERIES = 0


def learners_shown(response) -> int:
    return int(re.search(r'id="kpi-learners">([\d,]+)<', response.content.decode())[1].replace(",", ""))


def as_of_shown(response) -> str:
    return re.search(r"Figures as of (\d{4}-\d\d-\d\d \d\d:\d\d)", response.content.decode())[1]


def areas_table(response) -> str:
    page = response.content.decode()
    return page[page.index('id="table-areas"') :].split("</section>")[0]


def without_csrf_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def as_of(snapshot) -> str:
    return f"{timezone.localtime(snapshot.taken_at):%Y-%m-%d %H:%M}"


@pytest.fixture
def refreshed_earlier(programme):
    """Figures taken three hours ago, so a refresh now changes the "as of" line."""
    figures_refresh(now=timezone.now() - datetime.timedelta(hours=3))
    return programme


def admin_client(staff) -> Client:
    """Staff working in the admin in another browser (its flash messages stay there)."""
    client = Client()
    client.force_login(staff)
    return client


def coordinator_of(*counties):
    user = factories.UserFactory()
    for county in counties:
        factories.CoordinatorAssignmentFactory(coordinator=user, county=county)
    return user


# --- served from the cache ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "coordinator"])
def test_second_visit_is_served_from_the_cache(client, staff, refreshed, who, django_assert_num_queries):
    user = staff if who == "staff" else coordinator_of(refreshed.wanshan)
    client.force_login(user)
    first = client.get(URL + "?sort_areas=enrolled")
    assert first.status_code == 200
    with django_assert_num_queries(CACHED_QUERIES):
        second = client.get(URL + "?sort_areas=enrolled")
    assert second.status_code == 200
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert without_csrf_tokens(second) == without_csrf_tokens(first)


def test_the_refresh_form_on_a_cached_page_still_posts(staff, refreshed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    client.get(URL)
    cached = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached)[1]
    response = client.post(reverse("figures:refresh"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_exports_are_not_cached(client, staff, refreshed):
    client.force_login(staff)
    url = reverse("figures:export", args=["areas", "csv"])
    client.get(URL)
    costs = []
    for _visit in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            b"".join(response.streaming_content)
        assert response["Content-Type"].startswith("text/csv")
        costs.append(len(queries))
    assert costs[0] == costs[1] > CACHED_QUERIES
    factories.LearnerProfileFactory(county=refreshed.tonglu)
    refresh_figures.delay()
    rows = b"".join(client.get(url).streaming_content).decode("utf-8-sig").splitlines()
    zhejiang = next(row for row in rows if row.startswith("33,"))
    assert zhejiang.split(",")[2] == "4"  # L1, L2, L3 and the new learner


# --- a refresh shows at once --------------------------------------------------------------------


def test_task_refresh_shows_new_numbers_and_time_at_once(english, staff, refreshed_earlier):
    english.force_login(staff)
    before = english.get(URL)
    english.get(URL)  # warm
    assert learners_shown(before) == 5
    factories.LearnerProfileFactory(county=refreshed_earlier.tonglu)
    assert learners_shown(english.get(URL)) == 5  # the figures change with a refresh, not before

    refresh_figures.delay()

    after = english.get(URL)
    assert learners_shown(after) == 6
    assert as_of_shown(after) == as_of(latest_snapshot()) != as_of_shown(before)


def test_command_refresh_shows_new_numbers_at_once(english, staff, refreshed_earlier):
    english.force_login(staff)
    english.get(URL)
    factories.LearnerProfileFactory(county=refreshed_earlier.wanshan)
    call_command("refresh_figures", stdout=None)
    after = english.get(URL)
    assert learners_shown(after) == 6
    assert as_of_shown(after) == as_of(latest_snapshot())


def test_refresh_button_shows_new_numbers_after_the_message_is_gone(
    english, staff, refreshed_earlier, django_assert_num_queries
):
    english.force_login(staff)
    english.get(URL)
    factories.LearnerProfileFactory(county=refreshed_earlier.wanshan)
    with_message = english.post(reverse("figures:refresh"), follow=True)
    assert "The figures are being refreshed" in with_message.content.decode()
    assert learners_shown(with_message) == 6
    if not english.cookies["messages"].value:
        del english.cookies["messages"]  # as a browser drops the expired cookie
    english.get(URL)
    with django_assert_num_queries(CACHED_QUERIES):
        again = english.get(URL)
    assert "The figures are being refreshed" not in again.content.decode()
    assert learners_shown(again) == 6


def test_first_refresh_replaces_the_cached_no_figures_page(client, staff, programme):
    client.force_login(staff)
    assert client.get(URL).context["figures"] is None
    client.get(URL)
    refresh_figures.delay()
    assert learners_shown(client.get(URL)) == 5


def test_course_renamed_in_the_admin_shows_at_once(
    client, staff, refreshed, django_capture_on_commit_callbacks, django_assert_num_queries
):
    editor = admin_client(factories.StaffFactory())  # signing in would bump the viewer's stamp
    client.force_login(staff)
    assert "农村电商运营" in client.get(URL).content.decode()
    with django_assert_num_queries(CACHED_QUERIES):
        client.get(URL)
    course = refreshed.course_a
    data = {
        "track": course.track_id,
        "title": "农村电商直播",
        "slug": course.slug,
        "summary": course.summary,
        "description": course.description,
        "level": course.level,
        "language": course.language,
        "estimated_hours": course.estimated_hours,
        "offered_online": "on",
        "prerequisites": course.prerequisites,
    }
    for prefix in ("modules", "quizzes", "status_changes"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(reverse("admin:courses_course_change", args=[course.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    page = client.get(URL).content.decode()
    assert "农村电商直播" in page and "农村电商运营" not in page


# --- nobody gets someone else's page ------------------------------------------------------------


def test_a_coordinator_never_gets_the_staff_page(client, staff, refreshed):
    client.force_login(staff)
    assert "桐庐县" in areas_table(client.get(URL + "?province=33&prefecture=3301"))
    client.get(URL)
    client.force_login(coordinator_of(refreshed.wanshan))
    assert client.get(URL + "?province=33&prefecture=3301").status_code == 404
    page = client.get(URL).content.decode()
    assert "贵州省" in page and "浙江省" not in page


def test_coordinators_of_different_counties_get_their_own_pages(client, refreshed):
    client.force_login(coordinator_of(refreshed.wanshan))
    assert "贵州省" in client.get(URL).content.decode()
    client.force_login(coordinator_of(refreshed.tonglu))
    page = client.get(URL).content.decode()
    assert "浙江省" in page and "贵州省" not in page


def test_each_language_gets_its_own_page(client, staff, refreshed):
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    assert "Programme figures" in client.get(URL).content.decode()
    client.cookies["django_language"] = "zh-hans"
    page = client.get(URL).content.decode()
    assert "培养计划数据" in page and "Programme figures" not in page


def test_each_url_gets_its_own_page(client, staff, refreshed):
    client.force_login(staff)
    ascending = areas_table(client.get(URL + "?sort_areas=name"))
    descending = areas_table(client.get(URL + "?sort_areas=-name"))
    assert ascending.index("浙江省") < ascending.index("贵州省")
    assert descending.index("贵州省") < descending.index("浙江省")
    drilled = areas_table(client.get(URL + "?province=33"))
    assert "杭州市" in drilled and "铜仁市" not in drilled


# --- authorization after someone warmed the cache -----------------------------------------------


def test_a_foreign_county_is_404_after_its_coordinator_warmed_the_page(client, refreshed):
    url = URL + f"?county={refreshed.tonglu.code}"
    client.force_login(coordinator_of(refreshed.tonglu))
    assert client.get(url).status_code == 200
    client.get(url)
    client.force_login(coordinator_of(refreshed.wanshan))
    assert client.get(url).status_code == 404


def test_learners_and_visitors_are_refused_after_staff_warmed_the_page(client, staff, learner, refreshed):
    client.force_login(staff)
    client.get(URL)
    client.get(URL)
    client.force_login(learner)
    assert client.get(URL).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302


def test_a_county_assigned_in_the_admin_shows_at_once(client, staff, refreshed, django_assert_num_queries):
    coordinator = coordinator_of(refreshed.wanshan)
    client.force_login(coordinator)
    assert "浙江省" not in client.get(URL).content.decode()
    with django_assert_num_queries(CACHED_QUERIES):
        client.get(URL)
    response = admin_client(staff).post(
        reverse("admin:counties_coordinatorassignment_add"),
        {"coordinator": coordinator.pk, "county": refreshed.tonglu.pk},
    )
    assert response.status_code == 302
    assert "浙江省" in client.get(URL).content.decode()


def test_a_coordinator_removed_in_the_admin_loses_the_page_at_once(
    client, staff, refreshed, django_assert_num_queries
):
    coordinator = coordinator_of(refreshed.wanshan)
    client.force_login(coordinator)
    assert client.get(URL).status_code == 200
    with django_assert_num_queries(CACHED_QUERIES):
        client.get(URL)
    assignment = CoordinatorAssignment.objects.get(coordinator=coordinator)
    response = admin_client(staff).post(
        reverse("admin:counties_coordinatorassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert client.get(URL).status_code == 404
