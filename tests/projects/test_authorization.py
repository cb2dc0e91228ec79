"""Every projects URL, requested by everyone who might try it.

anonymous → login; a learner → 404; the county's coordinator → reads the county's projects and
its officers' term reports, changes nothing (404); a coordinator of another county → 404; the
county's officer → every page; an officer of another county → 404 on the first county's
projects and terms; staff → every page. A new URL in the projects namespace without an entry in
MATRIX fails the test.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse

from projects.models import ChecklistItem, Milestone, ProjectUpdate, Successor

from .conftest import add_indicator, appoint, picture

ROLES = ("learner", "coordinator", "other_coordinator", "officer", "other_officer", "staff")
_ = 404
READ = (_, 200, _, 200, _, 200)
EDIT = (_, _, _, 200, _, 200)
CHANGE = (_, _, _, 302, _, 302)

# name → (method, kwargs, statuses for learner, coordinator, other coordinator, officer, other officer, staff)
MATRIX = {
    "home": ("get", {}, (_, 200, 200, 200, 200, 200)),
    "county_projects": ("get", {"code": "county"}, READ),
    "project_create": ("get", {"code": "county"}, EDIT),
    "project_detail": ("get", {"pk": "project"}, READ),
    "project_edit": ("get", {"pk": "project"}, EDIT),
    "milestone_add": ("get", {"pk": "project"}, EDIT),
    "milestone_mark": ("post", {"pk": "milestone"}, CHANGE),
    "update_add": ("get", {"pk": "project"}, EDIT),
    "update_photo": ("get", {"pk": "update"}, READ),
    "indicator_add": ("get", {"pk": "project"}, EDIT),
    "period_add": ("get", {"pk": "indicator"}, EDIT),
    "handover": ("get", {"pk": "project"}, EDIT),
    "successor_remove": ("post", {"pk": "successor"}, CHANGE),
    "checklist_mark": ("post", {"pk": "item"}, CHANGE),
    "term_report": ("get", {"pk": "appointment"}, READ),
    "term_report_pdf": ("get", {"pk": "appointment"}, READ),
}


def test_every_projects_url_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["projects"][1]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names == MATRIX.keys()


@pytest.fixture
def scene(county, learner, coordinator, other_coordinator, officer, other_officer, staff, project):
    update = ProjectUpdate(project=project, author=officer, text="进展", width=10, height=10)
    update.image.save("photo.jpg", ContentFile(picture(size=(10, 10))), save=True)
    return {
        "learner": learner,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "officer": officer,
        "other_officer": other_officer,
        "staff": staff,
        "county": county,
        "project": project,
        "milestone": Milestone.objects.create(project=project, title="开通网店", due_on=project.end_date),
        "update": update,
        "indicator": add_indicator(project),
        "successor": Successor.objects.create(project=project, user=learner, role="店长"),
        "item": ChecklistItem.objects.create(project=project, text="交接账号"),
        "appointment": officer.officer_appointments.get(),
    }


def url_for(name, scene):
    kwargs = {key: scene[value].pk for key, value in MATRIX[name][1].items()}
    return reverse(f"projects:{name}", kwargs=kwargs)


def request(client, name, scene):
    method = MATRIX[name][0]
    return getattr(client, method)(url_for(name, scene), {"done": "1"} if method == "post" else None)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, scene, name):
    response = request(client, name, scene)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(client, scene, role, name):
    client.force_login(scene[role])
    assert request(client, name, scene).status_code == MATRIX[name][2][ROLES.index(role)]


def test_post_only_urls_refuse_a_get(client, scene):
    client.force_login(scene["officer"])
    for name, (method, _kwargs, _statuses) in MATRIX.items():
        if method == "post":
            assert client.get(url_for(name, scene)).status_code == 405, name


def test_a_coordinator_cannot_post_a_change(client, scene):
    client.force_login(scene["coordinator"])
    project = scene["project"]
    data = {
        "title": "改名",
        "partner_name": "x",
        "partner_kind": "other",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "status": "ended",
    }
    assert client.post(reverse("projects:project_edit", args=[project.pk]), data).status_code == 404
    assert (
        client.post(
            reverse("projects:milestone_add", args=[project.pk]), {"title": "x", "due_on": "2026-01-01"}
        ).status_code
        == 404
    )
    project.refresh_from_db()
    assert project.title == "直播带货基地"


def test_an_ended_term_gives_no_access_to_the_countys_projects_but_keeps_its_report(client, county, project):
    from officers.services import appointments_end
    from tests import factories

    past = factories.UserFactory()
    appointment = appoint(past, county)
    appointments_end(appointments=[appointment])
    client.force_login(past)
    assert client.get(reverse("projects:project_detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("projects:county_projects", args=[county.code])).status_code == 404
    assert client.get(reverse("projects:term_report", args=[appointment.pk])).status_code == 200


def test_an_officer_of_two_counties_sees_both(client, scene, other_county):
    appoint(scene["officer"], other_county)
    client.force_login(scene["officer"])
    assert client.get(reverse("projects:county_projects", args=[other_county.code])).status_code == 200
