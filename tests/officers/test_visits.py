"""The visits log: an officer logs a visit (date, township of the county, village, organisations
met, time, notes, their responses of that county), lists their visits per county with totals,
edits and deletes their own; staff see every visit; another county's visit is 404."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from counties.models import Township
from officers.models import SurveyResponse, Visit
from tests import factories

from .conftest import appoint
from .test_surveys import filled, respond_url


def visit_data(**overrides):
    data = {
        "visited_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "township": "",
        "village": "里湖村",
        "organisations_met": "分水镇茶叶合作社\n\n里湖村村委会\n",
        "minutes_spent": "90",
        "notes": "合作社想做直播。",
    }
    return data | overrides


def new_url(county):
    return reverse("officers:visit_create", args=[county.code])


def list_url(county):
    return reverse("officers:county_visits", args=[county.code])


@pytest.fixture
def response_of(survey, county):
    def respond(user, organisation="分水镇茶叶合作社", where=county):
        browser = Client()
        browser.force_login(user)
        browser.post(respond_url(survey), filled(survey, where, organisation_name=organisation))
        return SurveyResponse.objects.get(organisation_name=organisation, officer=user)

    return respond


def test_an_officer_logs_a_visit_with_their_responses(client, officer, county, township, response_of):
    mine = response_of(officer)
    client.force_login(officer)
    page = client.get(new_url(county), {"responses": [mine.pk]}).content.decode()
    assert f'value="{township.code}"' in page
    assert re.search(rf'<input type="checkbox" name="responses" value="{mine.pk}"[^>]* checked', page)
    response = client.post(new_url(county), visit_data(township=township.code, responses=[mine.pk]))
    assert response.status_code == 302 and response.url == list_url(county)
    visit = Visit.objects.get()
    assert (visit.officer, visit.county, visit.township, visit.village) == (
        officer,
        county,
        township,
        "里湖村",
    )
    assert visit.organisation_list == ["分水镇茶叶合作社", "里湖村村委会"]
    assert (visit.minutes_spent, visit.notes) == (90, "合作社想做直播。")
    assert list(visit.responses.all()) == [mine]


def test_the_county_list_shows_the_visits_with_totals(client, officer, county):
    client.force_login(officer)
    client.post(new_url(county), visit_data(minutes_spent="90"))
    client.post(new_url(county), visit_data(minutes_spent="60", village="环溪村"))
    page = client.get(list_url(county)).content.decode()
    assert page.count("data-visit=") == 2
    assert 'data-visits="2" data-minutes="150"' in page
    assert "2.5" in page.split('id="visit-totals"', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize(
    "field, value",
    [("minutes_spent", "0"), ("minutes_spent", "lots"), ("visited_on", "2999-01-01"), ("visited_on", "")],
)
def test_invalid_visits_are_refused(client, officer, county, field, value):
    client.force_login(officer)
    response = client.post(new_url(county), visit_data(**{field: value}))
    assert response.status_code == 200 and response.context["form"].has_error(field)
    assert not Visit.objects.exists()


def test_a_township_or_a_response_of_another_county_is_not_taken(
    client, officer, other_officer, county, other_county, survey, response_of
):
    elsewhere = Township.objects.create(code="520603100", name="万山镇", county=other_county)
    theirs = response_of(other_officer, "万山合作社", other_county)
    client.force_login(officer)
    refused = client.post(new_url(county), visit_data(township=elsewhere.code))
    assert refused.status_code == 200 and refused.context["form"].has_error("township")
    refused = client.post(new_url(county), visit_data(responses=[theirs.pk]))
    assert refused.status_code == 200 and refused.context["form"].has_error("responses")
    assert not Visit.objects.exists()


def test_an_officer_edits_and_deletes_their_own_visit(client, officer, county, response_of):
    mine = response_of(officer)
    client.force_login(officer)
    client.post(new_url(county), visit_data(responses=[mine.pk]))
    visit = Visit.objects.get()
    edit = reverse("officers:visit_edit", args=[visit.pk])
    assert "里湖村" in client.get(edit).content.decode()
    assert client.post(edit, visit_data(village="环溪村", minutes_spent="30")).status_code == 302
    visit.refresh_from_db()
    assert (visit.village, visit.minutes_spent, visit.responses.count()) == ("环溪村", 30, 0)
    delete = reverse("officers:visit_delete", args=[visit.pk])
    assert client.get(delete).status_code == 200 and Visit.objects.exists()
    assert client.post(delete).status_code == 302
    assert not Visit.objects.exists()
    assert SurveyResponse.objects.filter(pk=mine.pk).exists()  # the response stays


def test_another_officers_visit_is_404_and_not_listed(client, officer, county, other_county):
    colleague = factories.UserFactory()
    appoint(colleague, county)
    elsewhere = factories.UserFactory()
    appoint(elsewhere, other_county)
    for user, where in ((colleague, county), (elsewhere, other_county)):
        browser = Client()
        browser.force_login(user)
        browser.post(new_url(where), visit_data(village=f"{user.pk}村"))
    client.force_login(officer)
    assert "data-visit=" not in client.get(list_url(county)).content.decode()
    assert client.get(list_url(other_county)).status_code == 404
    assert client.post(new_url(other_county), visit_data()).status_code == 404
    for visit in Visit.objects.all():
        for name in ("visit_edit", "visit_delete"):
            url = reverse(f"officers:{name}", args=[visit.pk])
            assert client.get(url).status_code == 404
            assert client.post(url, visit_data()).status_code == 404
    assert Visit.objects.count() == 2


def test_staff_see_every_visit_of_a_county(client, staff, officer, county):
    colleague = factories.UserFactory()
    appoint(colleague, county)
    for user in (officer, colleague):
        browser = Client()
        browser.force_login(user)
        browser.post(new_url(county), visit_data())
    client.force_login(staff)
    page = client.get(list_url(county)).content.decode()
    assert page.count("data-visit=") == 2 and 'data-visits="2" data-minutes="180"' in page


def test_the_visits_page_query_count_does_not_grow(
    client, officer, county, response_of, django_assert_num_queries
):
    mine = response_of(officer)
    client.force_login(officer)
    client.post(new_url(county), visit_data(responses=[mine.pk]))
    with CaptureQueriesContext(connection) as one:
        client.get(list_url(county))
    queries = len(one)  # now: the log it reads is cleared by the next request
    for _ in range(4):
        client.post(new_url(county), visit_data(responses=[mine.pk]))
    with django_assert_num_queries(queries):
        assert client.get(list_url(county)).content.decode().count("data-visit=") == 5


def test_the_visits_list_is_paginated_and_the_totals_count_every_visit(client, officer, county):
    day = timezone.localdate()
    Visit.objects.bulk_create(
        Visit(officer=officer, county=county, visited_on=day, minutes_spent=60) for _ in range(51)
    )
    client.force_login(officer)
    first = client.get(list_url(county)).content.decode()
    assert first.count("data-visit=") == 50 and 'data-visits="51"' in first
    assert client.get(list_url(county), {"page": 2}).content.decode().count("data-visit=") == 1


def test_the_responses_page_offers_to_log_a_visit_with_the_responses(client, officer, county, response_of):
    mine = response_of(officer)
    client.force_login(officer)
    page = client.get(reverse("officers:county_responses", args=[county.code])).content.decode()
    form = page.split('id="responses-to-visit"', 1)[1]
    assert f'name="responses" value="{mine.pk}"' in form
    assert f'action="{new_url(county)}"' in page


def test_an_erased_officers_visits_stay_without_the_link(client, officer, county):
    client.force_login(officer)
    client.post(new_url(county), visit_data())
    from officers.services import user_officer_data_erase

    user_officer_data_erase(user=officer)
    assert Visit.objects.get().officer is None


def test_the_privacy_export_lists_the_visits(client, officer, county):
    import json

    client.force_login(officer)
    client.post(new_url(county), visit_data())
    exported = json.loads(client.get(reverse("privacy:data_export")).content)["officers"]
    assert exported["visits"][0]["village"] == "里湖村"
    assert exported["visits"][0]["organisations_met"] == ["分水镇茶叶合作社", "里湖村村委会"]
