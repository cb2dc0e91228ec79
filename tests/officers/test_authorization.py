"""Every officers URL, requested by everyone who might try it.

anonymous → login; a learner → 404; the county's coordinator → 404 (unless also an officer);
the county's officer → the page; an officer of another county → 404 on the first county's pages,
surveys, photos and visits; staff → every page. A visit is its officer's: another officer of the
same county gets a 404 too. A new URL in the officers namespace without an entry in MATRIX fails
the test.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from officers.models import Survey, SurveyQuestion, Visit
from officers.services import survey_response_submit
from talentportal.images import compress
from tests import factories

from .conftest import appoint, picture

ROLES = ("learner", "coordinator", "officer", "other_officer", "staff")
_ = 404

# name → (kwargs, statuses for learner, coordinator, officer, other officer, staff)
MATRIX = {
    "workspace": ({}, (_, _, 200, 200, 200)),
    "survey_respond": ({"pk": "county_survey"}, (_, _, 200, _, 200)),
    "county_responses": ({"code": "county"}, (_, _, 200, _, 200)),
    "county_responses_export": ({"code": "county"}, (_, _, 200, _, 200)),
    "response_photo": ({"pk": "photo"}, (_, _, 200, _, 200)),
    "survey_list": ({}, (_, _, 200, 200, 200)),
    "survey_create": ({}, (_, _, 200, 200, 200)),
    "survey_edit": ({"pk": "county_survey"}, (_, _, 200, _, 200)),
    "county_visits": ({"code": "county"}, (_, _, 200, _, 200)),
    "visit_create": ({"code": "county"}, (_, _, 200, _, 200)),
    "visit_edit": ({"pk": "visit"}, (_, _, 200, _, 200)),
    "visit_delete": ({"pk": "visit"}, (_, _, 200, _, 200)),
    # Only for officers (a current appointment): staff would have every county to keep offline.
    "service_worker": ({}, (_, _, 200, 200, _)),
    "offline_bundle": ({}, (_, _, 200, 200, _)),
}
# Pages of an object that is the officer's own (another officer of the county: 404).
OWN = {"visit_edit", "visit_delete"}


def test_every_officers_url_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["officers"][1]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names == MATRIX.keys()


@pytest.fixture
def scene(county, learner, coordinator, officer, other_officer, staff):
    survey = Survey.objects.create(title="桐庐需求", county=county)
    photo_question = survey.questions.create(text="照片", kind=SurveyQuestion.Kind.PHOTO)
    response, _created = survey_response_submit(
        survey=survey,
        officer=officer,
        county=county,
        organisation_name="里湖村委会",
        organisation_kind="village",
        client_key=uuid.uuid4(),
        answers={},
        photos={photo_question: compress(picture(), max_side=400)},
    )
    return {
        "learner": learner,
        "coordinator": coordinator,
        "officer": officer,
        "other_officer": other_officer,
        "staff": staff,
        "county_survey": survey,
        "county": county,
        "photo": response.photos.get(),
        "visit": Visit.objects.create(
            officer=officer, county=county, visited_on=timezone.localdate(), minutes_spent=60
        ),
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
        assert client.get(url_for(name, scene)).status_code == (404 if name in OWN else 200), name


@pytest.mark.parametrize("name", sorted(OWN))
def test_another_officer_of_the_same_county_cannot_touch_a_visit(client, scene, county, name):
    colleague = factories.UserFactory()
    appoint(colleague, county)
    client.force_login(colleague)
    assert client.get(url_for(name, scene)).status_code == 404
    assert client.post(url_for(name, scene), {"minutes_spent": "1"}).status_code == 404
    assert Visit.objects.get().minutes_spent == 60


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

    past = factories.UserFactory()
    appoint(past, county, start_days=-200, end_days=-1)
    ended = factories.UserFactory()
    appointments_end(appointments=[appoint(ended, county)])
    for user in (past, ended):
        client.force_login(user)
        assert client.get(reverse("officers:workspace")).status_code == 404
