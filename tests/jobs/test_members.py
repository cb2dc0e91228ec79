"""Only an owner invites people; an invitation counts once accepted; the answer to an invitation
never tells whether a login exists; owners remove people, but the last owner stays."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import flag
from jobs.models import EmployerMember
from tests import factories

pytestmark = pytest.mark.django_db


def recruiter_of(employer, **user_fields):
    user = factories.UserFactory(**user_fields)
    EmployerMember.objects.create(employer=employer, user=user, role=EmployerMember.Role.RECRUITER)
    return user


def test_a_recruiter_cannot_add_anyone(client, employer):
    recruiter = recruiter_of(employer)
    target = factories.UserFactory(email="target@example.com")
    client.force_login(recruiter)
    assert client.get(reverse("jobs:employer_members")).status_code == 200
    response = client.post(reverse("jobs:employer_members"), {"login": "target@example.com"})
    assert response.status_code == 404
    assert not EmployerMember.objects.filter(user=target).exists()


def test_the_answer_is_the_same_whether_or_not_the_login_exists(client, employer_user, english):
    factories.UserFactory(email="exists@example.com")
    client.force_login(employer_user)
    answers = []
    for login in ("exists@example.com", "nobody@example.com"):
        response = client.post(reverse("jobs:employer_members"), {"login": login}, follow=True)
        assert response.status_code == 200
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1]
    assert "If they have an account, they have been invited" in answers[0][0]


def test_inviting_someone_acting_for_another_employer_changes_nothing(client, employer_user, other_employer):
    other_owner = other_employer.members.get().user
    client.force_login(employer_user)
    client.post(reverse("jobs:employer_members"), {"login": other_owner.email})
    assert EmployerMember.objects.get(user=other_owner).employer == other_employer


def test_an_invited_user_declines_and_stays_a_learner(client, employer, employer_user):
    invited = factories.UserFactory(email="invited@example.com")
    client.force_login(employer_user)
    client.post(reverse("jobs:employer_members"), {"login": "invited@example.com"})
    invitation = EmployerMember.objects.get(user=invited)
    client.force_login(invited)
    board = client.get(reverse("jobs:board")).content.decode()
    assert f'data-invitation="{invitation.pk}"' in board
    client.post(reverse("jobs:invitation_answer", args=[invitation.pk]), {"answer": "decline"})
    assert not EmployerMember.objects.filter(user=invited).exists()
    assert not flag(invited, "is_employer")


def test_someone_elses_invitation_cannot_be_answered(client, employer, employer_user, learner):
    invited = factories.UserFactory(email="invited@example.com")
    client.force_login(employer_user)
    client.post(reverse("jobs:employer_members"), {"login": "invited@example.com"})
    invitation = EmployerMember.objects.get(user=invited)
    client.force_login(learner)
    response = client.post(reverse("jobs:invitation_answer", args=[invitation.pk]), {"answer": "accept"})
    assert response.status_code == 404
    assert EmployerMember.objects.get(pk=invitation.pk).is_pending


def test_owner_removes_a_member_but_not_themselves_as_last_owner(client, employer, employer_user):
    recruiter = recruiter_of(employer)
    client.force_login(employer_user)
    client.post(reverse("jobs:employer_member_remove", args=[recruiter.employer_membership.pk]))
    assert not EmployerMember.objects.filter(user=recruiter).exists()
    own = employer_user.employer_membership
    client.post(reverse("jobs:employer_member_remove", args=[own.pk]))
    assert EmployerMember.objects.filter(pk=own.pk).exists()


def test_a_recruiter_cannot_remove_anyone(client, employer, employer_user):
    recruiter = recruiter_of(employer)
    client.force_login(recruiter)
    response = client.post(
        reverse("jobs:employer_member_remove", args=[employer_user.employer_membership.pk])
    )
    assert response.status_code == 404
    assert EmployerMember.objects.filter(user=employer_user).exists()


def test_an_owner_cannot_remove_another_employers_member(client, employer_user, other_employer):
    other_owner = other_employer.members.get()
    client.force_login(employer_user)
    client.post(reverse("jobs:employer_member_remove", args=[other_owner.pk]))
    assert EmployerMember.objects.filter(pk=other_owner.pk).exists()
