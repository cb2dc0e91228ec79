"""Employers sign up, staff verify (or reject, or suspend) them; only verified employers act."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import flag
from jobs.models import Employer, EmployerMember
from tests import factories
from tests.jobs.conftest import credit_code, make_employer

pytestmark = pytest.mark.django_db


def signup_data(county, **changes):
    return {
        "name": "桐庐县快递服务有限公司",
        "credit_code": credit_code(),
        "county": county.code,
        "address": "桐庐县迎春南路 8 号",
        "contact_name": "李娜",
        "contact_phone": "13800138000",
    } | changes


def test_signed_in_user_signs_up_an_employer_awaiting_verification(client, county):
    user = factories.UserFactory()
    client.force_login(user)
    data = signup_data(county)
    response = client.post(reverse("jobs:employer_signup"), data)
    assert response.status_code == 302
    employer = Employer.objects.get()
    assert employer.status == Employer.Status.PENDING
    assert employer.credit_code == data["credit_code"]
    assert employer.county == county
    assert EmployerMember.objects.get(user=user).role == EmployerMember.Role.OWNER
    assert not flag(user, "is_employer")
    assert 'id="nav-employer"' not in client.get(reverse("jobs:employer_home")).content.decode()
    page = client.get(reverse("jobs:employer_home"))
    assert 'id="employer-status"' in page.content.decode()
    # Not verified yet: no employer page beyond the status.
    assert client.get(reverse("jobs:post_create")).status_code == 404


@pytest.mark.parametrize("bad", ["91350100M000100Y44", "1234", "91350100M000100I43"])
def test_bad_credit_codes_are_refused(english, county, bad):
    english.force_login(factories.UserFactory())
    response = english.post(reverse("jobs:employer_signup"), signup_data(county, credit_code=bad))
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors
    assert not Employer.objects.exists()


def test_a_code_already_signed_up_is_refused(english, county):
    taken = make_employer(county)
    english.force_login(factories.UserFactory())
    response = english.post(
        reverse("jobs:employer_signup"), signup_data(county, credit_code=taken.credit_code)
    )
    assert "ask them to add you" in response.content.decode()
    assert Employer.objects.count() == 1


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("jobs:employer_signup"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_staff_verify_from_the_queue_and_the_role_flag_follows(client, county, staff):
    employer = make_employer(county, status=Employer.Status.PENDING)
    owner = employer.members.get().user
    client.force_login(staff)
    queue = client.get(reverse("jobs:staff_employers"))
    assert f'data-employer="{employer.pk}"' in queue.content.decode()
    response = client.post(reverse("jobs:staff_employer", args=[employer.pk]), {"decision": "verify"})
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.status == Employer.Status.VERIFIED
    assert employer.reviewed_by == staff
    assert flag(owner, "is_employer")
    client.force_login(owner)
    assert client.get(reverse("jobs:post_create")).status_code == 200
    home = client.get(reverse("jobs:employer_home")).content.decode()
    assert 'id="nav-employer"' in home  # the navigation link, shown by the role flag


def test_rejection_needs_a_reason_the_employer_reads(client, county, staff):
    employer = make_employer(county, status=Employer.Status.PENDING)
    client.force_login(staff)
    response = client.post(reverse("jobs:staff_employer", args=[employer.pk]), {"decision": "reject"})
    assert response.status_code == 200
    employer.refresh_from_db()
    assert employer.status == Employer.Status.PENDING
    client.post(
        reverse("jobs:staff_employer", args=[employer.pk]),
        {"decision": "reject", "reason": "营业执照与名称不符"},
    )
    employer.refresh_from_db()
    assert employer.status == Employer.Status.REJECTED
    client.force_login(employer.members.get().user)
    assert "营业执照与名称不符" in client.get(reverse("jobs:employer_home")).content.decode()


def test_suspended_employer_loses_the_employer_pages(client, county, staff):
    employer = make_employer(county)
    owner = employer.members.get().user
    client.force_login(staff)
    client.post(
        reverse("jobs:staff_employer", args=[employer.pk]), {"decision": "suspend", "reason": "投诉核实"}
    )
    employer.refresh_from_db()
    assert employer.status == Employer.Status.SUSPENDED
    assert not flag(owner, "is_employer")
    client.force_login(owner)
    assert client.get(reverse("jobs:post_create")).status_code == 404
    assert client.get(reverse("jobs:certificate_check")).status_code == 404


def test_staff_pages_are_404_for_others(client, county, learner):
    employer = make_employer(county, status=Employer.Status.PENDING)
    client.force_login(learner)
    assert client.get(reverse("jobs:staff_employers")).status_code == 404
    assert (
        client.post(reverse("jobs:staff_employer", args=[employer.pk]), {"decision": "verify"}).status_code
        == 404
    )
    employer.refresh_from_db()
    assert employer.status == Employer.Status.PENDING


def test_owner_invites_a_colleague_who_acts_for_the_employer_once_they_accept(client, county):
    employer = make_employer(county)
    colleague = factories.UserFactory(email="hr@example.com")
    client.force_login(employer.members.get().user)
    response = client.post(reverse("jobs:employer_members"), {"login": "HR@example.com"})
    assert response.status_code == 302
    invitation = EmployerMember.objects.get(user=colleague)
    assert invitation.employer == employer and invitation.is_pending
    assert not flag(colleague, "is_employer")
    client.force_login(colleague)
    assert client.get(reverse("jobs:employer_home")).status_code == 302  # not yet an employer page
    page = client.get(reverse("jobs:my_applications")).content.decode()
    assert f'data-invitation="{invitation.pk}"' in page
    client.post(reverse("jobs:invitation_answer", args=[invitation.pk]), {"answer": "accept"})
    assert flag(colleague, "is_employer")
    assert client.get(reverse("jobs:post_create")).status_code == 200


def test_staff_queue_query_count_does_not_grow(client, county, staff, django_assert_max_num_queries):
    for number in range(3):
        make_employer(county, status=Employer.Status.PENDING, name=f"公司{number}")
    client.force_login(staff)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("jobs:staff_employers"))
    for number in range(30):
        make_employer(county, status=Employer.Status.PENDING, name=f"公司B{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("jobs:staff_employers"))
