"""Appointing officers (the admin), the role flag and the officer's workspace."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from officers.models import Appointment
from tests import factories

from .conftest import appoint


def test_staff_appoint_an_officer_in_the_admin(client, staff, county):
    person = factories.UserFactory()
    client.force_login(staff)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:officers_appointment_add"),
        {
            "user": person.pk,
            "county": county.pk,
            "home_organisation": "阿里巴巴",
            "term_start": today.isoformat(),
            "term_end": (today + datetime.timedelta(days=180)).isoformat(),
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(user=person)
    assert (appointment.county, appointment.appointed_by) == (county, staff)
    client.force_login(person)
    page = client.get(reverse("officers:workspace")).content.decode()
    assert f'data-county="{county.code}"' in page
    assert 'id="nav-officer"' in page


def test_the_admin_refuses_a_term_ending_before_it_starts(client, staff, county):
    client.force_login(staff)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:officers_appointment_add"),
        {
            "user": factories.UserFactory().pk,
            "county": county.pk,
            "home_organisation": "阿里巴巴",
            "term_start": today.isoformat(),
            "term_end": (today - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert not Appointment.objects.exists()


def test_staff_end_appointments_with_the_admin_action(client, staff, officer):
    client.force_login(staff)
    appointment = Appointment.objects.get(user=officer)
    response = client.post(
        reverse("admin:officers_appointment_changelist"),
        {"action": "end_today", "_selected_action": [appointment.pk]},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.ended_on == timezone.localdate()
    client.force_login(officer)
    assert client.get(reverse("officers:workspace")).status_code == 404
    assert 'id="nav-officer"' not in client.get(reverse("learn:dashboard")).content.decode()


def test_the_nav_link_follows_the_term(client, county):
    future = factories.UserFactory()
    appoint(future, county, start_days=3)
    client.force_login(future)
    assert 'id="nav-officer"' not in client.get(reverse("learn:dashboard")).content.decode()


def test_the_workspace_lists_the_officers_counties_and_their_cohorts_only(
    client, officer, county, other_county
):
    mine = factories.CohortFactory(county=county, name="桐庐电商班")
    theirs = factories.CohortFactory(county=other_county, name="万山标注班")
    factories.EnrollmentFactory(cohort=mine, course=mine.course, county=county)
    client.force_login(officer)
    page = client.get(reverse("officers:workspace")).content.decode()
    assert f'data-cohort="{mine.pk}"' in page
    assert f'data-cohort="{theirs.pk}"' not in page
    assert f'data-county="{other_county.code}"' not in page
    assert "<td>1</td>" in page  # the enrolled count
    assert "<form" not in page.split("<main", 1)[1]  # read only


def test_the_workspace_lists_every_county_of_several_appointments(client, officer, other_county):
    appoint(officer, other_county)
    client.force_login(officer)
    page = client.get(reverse("officers:workspace")).content.decode()
    assert page.count('class="panel officer-county"') == 2


def test_the_workspace_query_count_does_not_grow_with_cohorts(
    client, officer, county, django_assert_num_queries
):
    client.force_login(officer)
    factories.CohortFactory(county=county)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("officers:workspace"))
    queries = len(one)
    for _ in range(4):
        factories.CohortFactory(county=county)
    with django_assert_num_queries(queries):
        assert client.get(reverse("officers:workspace")).content.decode().count("data-cohort=") == 5
