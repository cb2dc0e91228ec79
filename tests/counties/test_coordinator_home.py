from __future__ import annotations

from tests import factories

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
