"""Every officers URL, requested by everyone who might try it.

anonymous → login; a learner → 404; the county's coordinator → 404 (unless also an officer);
the county's officer → the page; an officer of another county → 404 on the first county's pages
and surveys; staff → every page. A new URL in the officers namespace without an entry in
MATRIX fails the test.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import get_resolver, reverse

from officers.models import Survey

from .conftest import appoint

ROLES = ("learner", "coordinator", "officer", "other_officer", "staff")
_ = 404

# name → (kwargs, statuses for learner, coordinator, officer, other officer, staff)
MATRIX = {
    "workspace": ({}, (_, _, 200, 200, 200)),
    "survey_respond": ({"pk": "county_survey"}, (_, _, 200, _, 200)),
    "county_responses": ({"code": "county"}, (_, _, 200, _, 200)),
    "county_responses_export": ({"code": "county"}, (_, _, 200, _, 200)),
}


def test_every_officers_url_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["officers"][1]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names == MATRIX.keys()


@pytest.fixture
def scene(county, learner, coordinator, officer, other_officer, staff):
    return {
        "learner": learner,
        "coordinator": coordinator,
        "officer": officer,
        "other_officer": other_officer,
        "staff": staff,
        "county_survey": Survey.objects.create(title="桐庐需求", county=county),
        "county": county,
    }


def url_for(name, scene):
    kwargs = {key: scene[value].pk for key, value in MATRIX[name][0].items()}
    return reverse(f"officers:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, scene, name):
    response = client.get(url_for(name, scene))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(client, scene, role, name):
    client.force_login(scene[role])
    assert client.get(url_for(name, scene)).status_code == MATRIX[name][1][ROLES.index(role)]


def test_a_coordinator_who_is_also_an_officer_sees_the_pages(client, scene, county):
    appoint(scene["coordinator"], county)
    client.force_login(scene["coordinator"])
    for name in MATRIX:
        assert client.get(url_for(name, scene)).status_code == 200, name


def test_another_countys_officer_cannot_post_a_response(client, scene, county):
    client.force_login(scene["other_officer"])
    url = reverse("officers:survey_respond", args=[scene["county_survey"].pk])
    data = {
        "client_key": uuid.uuid4(),
        "organisation_name": "某合作社",
        "organisation_kind": "cooperative",
        "county": county.pk,
    }
    assert client.post(url, data).status_code == 404


def test_an_ended_or_past_appointment_gives_no_access(client, county):
    from officers.services import appointments_end
    from tests import factories

    past = factories.UserFactory()
    appoint(past, county, start_days=-200, end_days=-1)
    ended = factories.UserFactory()
    appointments_end(appointments=[appoint(ended, county)])
    for user in (past, ended):
        client.force_login(user)
        assert client.get(reverse("officers:workspace")).status_code == 404
