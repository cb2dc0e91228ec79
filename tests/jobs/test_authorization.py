"""Every jobs URL, requested by everyone who might try it.

anonymous → login; a learner → the learner pages (and the employer sign-up), 404 on employer
and staff pages; the employer who owns the objects → the page (or a redirect after a POST);
another verified employer → 404 on the first employer's posts and applicants; the county's
coordinator → the job fairs they organise; staff → the staff queues and every fair. An
applicant who withdrew their consent is a 404 even for the employer they applied to.
A new URL in the jobs namespace without an entry in MATRIX fails the test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from jobs.models import ContactRequest, EmployerMember, JobFair, JobPost, TalentProfile
from jobs.services import application_revoke
from tests import factories
from tests.jobs.conftest import apply, make_employer, make_post

ROLES = ("learner", "employer", "other_employer", "coordinator", "staff")
_ = 404  # shorthand: refused as if it did not exist

# name → (method, kwargs, statuses for learner, employer, other employer, coordinator, staff)
MATRIX = {
    "board": ("get", [], (200, 200, 200, 200, 200)),
    "post_detail": ("get", ["post"], (200, 200, 200, 200, 200)),
    "apply": ("get", ["post"], (200, 200, 200, 200, 200)),
    "my_applications": ("get", [], (200, 200, 200, 200, 200)),
    "application_revoke": ("get", ["own_application"], (200, _, _, _, _)),
    "employer_signup": ("get", [], (200, 302, 302, 200, 200)),
    "employer_home": ("get", [], (302, 200, 200, 302, 302)),
    "employer_members": ("get", [], (_, 200, 200, _, _)),
    "employer_member_remove": ("post", ["member"], (_, 302, _, _, _)),
    "invitation_answer": ("post", ["invitation"], (302, _, _, _, _)),
    "post_create": ("get", [], (_, 200, 200, _, _)),
    "post_edit": ("get", ["draft"], (_, 200, _, _, _)),
    "post_submit": ("post", ["draft"], (_, 302, _, _, _)),
    "post_close": ("post", ["post"], (_, 302, _, _, _)),
    "post_applicants": ("get", ["post"], (_, 200, _, _, _)),
    "application_detail": ("get", ["application"], (_, 200, _, _, _)),
    "application_move": ("post", ["application"], (_, 302, _, _, _)),
    "certificate_check": ("get", [], (_, 200, 200, _, _)),
    "staff_employers": ("get", [], (_, _, _, _, 200)),
    "staff_employer": ("get", ["employer"], (_, _, _, _, 200)),
    "staff_posts": ("get", [], (_, _, _, _, 200)),
    "staff_post": ("get", ["post"], (_, _, _, _, 200)),
    "talent_profile": ("get", [], (200, 200, 200, 200, 200)),
    "contact_answer": ("post", ["contact"], (302, _, _, _, _)),
    "talent_search": ("get", [], (_, 200, 200, _, _)),
    "contact_request": ("post", ["profile"], (_, 302, 302, _, _)),
    "contact_requests": ("get", [], (_, 200, 200, _, _)),
    "fairs": ("get", [], (200, 200, 200, 200, 200)),
    "fair_detail": ("get", ["fair"], (200, 200, 200, 200, 200)),
    "fair_manage_list": ("get", [], (_, _, _, 200, 200)),
    "fair_create": ("get", [], (_, _, _, 200, 200)),
    "fair_edit": ("get", ["fair"], (_, _, _, 200, 200)),
}


def jobs_url_names() -> set[str]:
    resolver = get_resolver().namespace_dict["jobs"][1]
    return {pattern.name for pattern in resolver.url_patterns if pattern.name}


def test_every_jobs_url_is_in_the_matrix():
    names = jobs_url_names()
    assert names - MATRIX.keys() == set(), "add the new jobs URL to MATRIX"
    assert MATRIX.keys() - names == set(), "MATRIX names a URL that no longer exists"


@pytest.fixture
def scene(county, other_county, learner, coordinator, staff):
    employer = make_employer(county)
    other = make_employer(other_county, name="万山数据标注中心")
    post = make_post(employer)
    applicant = factories.LearnerProfileFactory(county=county).user
    profile = TalentProfile.objects.create(learner=learner, is_visible=True, skills="客服")
    return {
        "learner": learner,
        "employer": employer.members.get().user,
        "other_employer": other.members.get().user,
        "coordinator": coordinator,
        "staff": staff,
        "objects": {
            "post": post,
            "draft": make_post(employer, status=JobPost.Status.DRAFT, title="草稿"),
            "application": apply(post, applicant),
            "own_application": apply(make_post(employer, title="另一岗位"), learner),
            "employer": employer,
            "member": EmployerMember.objects.create(employer=employer, user=factories.UserFactory()),
            "invitation": EmployerMember.objects.create(
                employer=other, user=learner, is_pending=True, role=EmployerMember.Role.RECRUITER
            ),
            "profile": profile,
            "contact": ContactRequest.objects.create(employer=employer, learner=learner),
            "fair": JobFair.objects.create(
                county=county,
                title="桐庐招聘会",
                date=timezone.localdate() + timedelta(days=3),
                place="县体育馆",
            ),
        },
    }


def url_for(name: str, scene: dict) -> str:
    return reverse(f"jobs:{name}", args=[scene["objects"][key].pk for key in MATRIX[name][1]])


def request(client, name: str, scene: dict):
    method = MATRIX[name][0]
    data = (
        {"to": "interview"}
        if name == "application_move"
        else {"answer": "accept"}
        if name == "contact_answer"
        else {}
    )
    return getattr(client, method)(url_for(name, scene), data)


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


def test_another_employers_applicant_is_not_listed_nor_shown(client, scene):
    client.force_login(scene["other_employer"])
    application = scene["objects"]["application"]
    assert client.get(reverse("jobs:application_detail", args=[application.pk])).status_code == 404
    assert application.shared["name"] not in client.get(reverse("jobs:employer_home")).content.decode()


def test_an_applicant_who_withdrew_consent_is_404_for_their_employer(client, scene):
    application = application_revoke(application=scene["objects"]["application"])
    client.force_login(scene["employer"])
    for name in ("application_detail", "application_move"):
        assert request(client, name, scene).status_code == 404, name
    listing = client.get(reverse("jobs:post_applicants", args=[scene["objects"]["post"].pk]))
    assert f'data-application="{application.pk}"' not in listing.content.decode()


def test_a_pending_employer_is_refused_like_a_learner(client, scene, county):
    pending = make_employer(county, status="pending", name="待审核公司")
    client.force_login(pending.members.get().user)
    for name in ("post_create", "certificate_check", "employer_members"):
        assert request(client, name, scene).status_code == 404, name


def test_post_only_urls_refuse_get(client, scene):
    client.force_login(scene["employer"])
    for name, (method, _kwargs, _statuses) in MATRIX.items():
        if method == "post":
            assert client.get(url_for(name, scene)).status_code == 405, name
