"""Demo data: two verified employers with open posts in the demo counties, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import flag
from jobs.models import Employer, JobPost


@pytest.fixture(autouse=True)
def _debug_on(settings):
    settings.DEBUG = True


def seed():
    call_command("seed_demo", stdout=StringIO())


def demo_state():
    return (
        sorted(Employer.objects.values_list("name", "credit_code", "county_id", "status")),
        sorted(JobPost.objects.values_list("employer__name", "title", "status", "county_id", "is_remote")),
        sorted(JobPost.required_courses.through.objects.values_list("jobpost__title", "course__slug")),
    )


@pytest.mark.django_db
def test_demo_has_two_verified_employers_with_open_posts_in_demo_counties(client):
    seed()
    employers = Employer.objects.verified()
    assert employers.count() == 2
    assert set(employers.values_list("county_id", flat=True)) == {"330122", "520603"}
    for employer in employers:
        employer.full_clean()  # the credit codes are valid
        assert JobPost.objects.open().filter(employer=employer).count() == 2
        member = employer.members.get().user
        assert flag(member, "is_employer")
    assert not JobPost.objects.open().filter(required_courses__isnull=True).exists()

    first = demo_state()
    seed()
    assert demo_state() == first

    client.force_login(employer.members.get().user)
    assert client.get(reverse("jobs:employer_home")).status_code == 200
