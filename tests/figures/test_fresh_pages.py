"""The figures dashboard is built afresh on every request from the latest snapshot: a refresh (by
the task, the command or the button) and an edit in the admin show on the next page view, and each
user sees only the scope they may see."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from counties.models import CoordinatorAssignment
from figures.services import figures_refresh, latest_snapshot
from figures.tasks import refresh_figures
from tests import factories

URL = reverse("figures:dashboard")


def learners_shown(response) -> int:
    return int(re.search(r'id="kpi-learners">([\d,]+)<', response.content.decode())[1].replace(",", ""))


def as_of_shown(response) -> str:
    return re.search(r"Figures as of (\d{4}-\d\d-\d\d \d\d:\d\d)", response.content.decode())[1]


def areas_table(response) -> str:
    page = response.content.decode()
    return page[page.index('id="table-areas"') :].split("</section>")[0]


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


def test_the_refresh_form_posts_with_a_valid_token(staff, refreshed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    page = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(reverse("figures:refresh"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_an_export_follows_a_refresh(client, staff, refreshed):
    client.force_login(staff)
    url = reverse("figures:export", args=["areas", "csv"])
    response = client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    b"".join(response.streaming_content)
    factories.LearnerProfileFactory(county=refreshed.tonglu)
    refresh_figures.delay()
    rows = b"".join(client.get(url).streaming_content).decode("utf-8-sig").splitlines()
    zhejiang = next(row for row in rows if row.startswith("33,"))
    assert zhejiang.split(",")[2] == "4"  # L1, L2, L3 and the new learner


# --- a refresh shows at once --------------------------------------------------------------------


def test_task_refresh_shows_new_numbers_and_time_at_once(english, staff, refreshed_earlier):
    english.force_login(staff)
    before = english.get(URL)
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


def test_refresh_button_shows_new_numbers_after_the_message_is_gone(english, staff, refreshed_earlier):
    english.force_login(staff)
    english.get(URL)
    factories.LearnerProfileFactory(county=refreshed_earlier.wanshan)
    with_message = english.post(reverse("figures:refresh"), follow=True)
    assert "The figures are being refreshed" in with_message.content.decode()
    assert learners_shown(with_message) == 6
    if not english.cookies["messages"].value:
        del english.cookies["messages"]  # as a browser drops the expired cookie
    again = english.get(URL)
    assert "The figures are being refreshed" not in again.content.decode()
    assert learners_shown(again) == 6


def test_first_refresh_replaces_the_no_figures_page(client, staff, programme):
    client.force_login(staff)
    assert client.get(URL).context["figures"] is None
    refresh_figures.delay()
    assert learners_shown(client.get(URL)) == 5


def test_course_renamed_in_the_admin_shows_at_once(
    client, staff, refreshed, django_capture_on_commit_callbacks
):
    editor = admin_client(factories.StaffFactory())
    client.force_login(staff)
    assert "农村电商运营" in client.get(URL).content.decode()
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


def test_county_renamed_in_the_admin_shows_at_once(client, staff, refreshed):
    # The figures' tables hold county codes; the names are read from the counties at each view.
    url = URL + "?province=33&prefecture=3301"
    client.force_login(coordinator_of(refreshed.tonglu))
    assert "桐庐县" in areas_table(client.get(url))
    county = refreshed.tonglu
    response = admin_client(staff).post(
        reverse("admin:counties_county_change", args=[county.pk]),
        {
            "code": county.code,
            "name": "桐庐新区",
            "prefecture": county.prefecture_id,
            "province": county.province_id,
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    table = areas_table(client.get(url))
    assert "桐庐新区" in table and "桐庐县" not in table


# --- nobody sees more than their scope ------------------------------------------------------------


def test_a_coordinator_never_gets_the_staff_page(client, staff, refreshed):
    client.force_login(staff)
    assert "桐庐县" in areas_table(client.get(URL + "?province=33&prefecture=3301"))
    client.force_login(coordinator_of(refreshed.wanshan))
    assert client.get(URL + "?province=33&prefecture=3301").status_code == 404
    page = client.get(URL).content.decode()
    assert "贵州省" in page and "浙江省" not in page


def test_coordinators_of_different_counties_see_only_their_counties(client, refreshed):
    client.force_login(coordinator_of(refreshed.wanshan))
    assert "贵州省" in client.get(URL).content.decode()
    client.force_login(coordinator_of(refreshed.tonglu))
    page = client.get(URL).content.decode()
    assert "浙江省" in page and "贵州省" not in page


# --- authorization and assignments -----------------------------------------------


def test_a_foreign_county_is_404(client, refreshed):
    url = URL + f"?county={refreshed.tonglu.code}"
    client.force_login(coordinator_of(refreshed.tonglu))
    assert client.get(url).status_code == 200
    client.force_login(coordinator_of(refreshed.wanshan))
    assert client.get(url).status_code == 404


def test_learners_and_visitors_are_refused(client, staff, learner, refreshed):
    client.force_login(staff)
    assert client.get(URL).status_code == 200
    client.force_login(learner)
    assert client.get(URL).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302


def test_a_county_assigned_in_the_admin_shows_at_once(client, staff, refreshed):
    coordinator = coordinator_of(refreshed.wanshan)
    client.force_login(coordinator)
    assert "浙江省" not in client.get(URL).content.decode()
    response = admin_client(staff).post(
        reverse("admin:counties_coordinatorassignment_add"),
        {"coordinator": coordinator.pk, "county": refreshed.tonglu.pk},
    )
    assert response.status_code == 302
    assert "浙江省" in client.get(URL).content.decode()


def test_a_coordinator_removed_in_the_admin_loses_the_page_at_once(client, staff, refreshed):
    coordinator = coordinator_of(refreshed.wanshan)
    client.force_login(coordinator)
    assert client.get(URL).status_code == 200
    assignment = CoordinatorAssignment.objects.get(coordinator=coordinator)
    response = admin_client(staff).post(
        reverse("admin:counties_coordinatorassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert client.get(URL).status_code == 404
