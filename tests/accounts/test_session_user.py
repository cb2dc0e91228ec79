"""The signed-in user is read from the database on every request, with its role flags in the same
query (accounts.backends, accounts.roles): a password change or deactivation ends other sessions,
edits show on the next page, and the navigation follows the user's roles at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from counties.models import CoordinatorAssignment
from reminders.services import reminder_unsubscribe
from tests import factories

DASHBOARD = reverse("learn:dashboard")
PROFILE = reverse("privacy:profile")
PRIVACY = reverse("privacy")
WORKSPACE = reverse("coordinator:coordinator_home")


@pytest.fixture
def signed_in(learner):
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(learner)
    assert client.get(DASHBOARD).status_code == 200
    return client


def navigation(response) -> str:
    page = response.content.decode()
    return page[page.index('<nav class="wrap nav"') : page.index("</nav>")]


def test_the_session_user_costs_one_query_with_its_role_flags(client, coordinator, django_assert_num_queries):
    client.force_login(coordinator)
    with django_assert_num_queries(1) as queries:
        response = client.get(PRIVACY)  # a page that reads nothing but the user
    assert response.status_code == 200
    assert response.context["user"] == coordinator
    assert WORKSPACE in navigation(response)  # the flag came with the user row
    [user_query] = queries.captured_queries
    assert "counties_coordinatorassignment" in user_query["sql"]


def test_a_coordinators_navigation_shows_the_workspace_and_a_learners_does_not(client, coordinator, learner):
    client.force_login(coordinator)
    assert WORKSPACE in navigation(client.get(PRIVACY))
    client.force_login(learner)
    assert WORKSPACE not in navigation(client.get(PRIVACY))


def test_a_removed_assignment_hides_the_workspace_link_on_the_next_request(client, coordinator):
    client.force_login(coordinator)
    assert WORKSPACE in navigation(client.get(PRIVACY))
    CoordinatorAssignment.objects.filter(coordinator=coordinator).delete()
    assert WORKSPACE not in navigation(client.get(PRIVACY))


def test_a_new_assignment_shows_the_workspace_link_on_the_next_request(client, learner, county):
    client.force_login(learner)
    assert WORKSPACE not in navigation(client.get(PRIVACY))
    factories.CoordinatorAssignmentFactory(coordinator=learner, county=county)
    assert WORKSPACE in navigation(client.get(PRIVACY))


def test_a_password_change_elsewhere_ends_this_session(signed_in, learner):
    learner.set_password("Another-Secret-2026")
    learner.save()  # e.g. from another device, or a reset by email
    response = signed_in.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_deactivated_account_is_signed_out(signed_in, learner):
    learner.is_active = False
    learner.save()
    assert signed_in.get(DASHBOARD).status_code == 302


def test_an_edit_shows_on_the_next_page(signed_in, learner):
    learner.name = "王小红"
    learner.save()
    assert "王小红" in signed_in.get(PROFILE).content.decode()


def test_an_update_without_save_is_seen_too(signed_in, learner):
    signed_in.get(PROFILE)
    reminder_unsubscribe(user_id=learner.pk, channel="email")  # a queryset update, not save()
    response = signed_in.get(PROFILE)
    assert response.context["user"].remind_by_email is False


def test_the_session_survives_a_flushed_cache(signed_in, learner):
    cache.clear()  # sessions are written through to the database (cached_db)
    response = signed_in.get(PROFILE)
    assert response.status_code == 200
    assert response.context["user"] == learner
