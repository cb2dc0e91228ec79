"""The officer's pages offline, over HTTP: the service worker and the list of addresses a phone
keeps answer only to an officer, and list only that officer's surveys and counties. The kept
pages carry what the worker and the script need. A visit sent from a phone (logged offline) is
logged once per key and answered in JSON. (The journey offline from a cold start is
tests/officers/test_offline_browser.py.)"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from officers.models import Survey
from tests import factories

from .conftest import appoint


def _bundle(client, user):
    client.force_login(user)
    response = client.get(reverse("officers:offline_bundle"))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.json()


def test_the_bundle_lists_the_officers_own_surveys_visit_forms_and_files(
    client, officer, other_officer, county, other_county
):
    everywhere = Survey.objects.create(title="全县通用调查")
    mine = Survey.objects.create(title="桐庐调查", county=county)
    theirs = Survey.objects.create(title="万山调查", county=other_county)
    closed = Survey.objects.create(title="已关闭调查", county=county, is_active=False)

    bundle = _bundle(client, officer)

    urls = bundle["urls"]
    assert bundle["prefix"] == f"officers-{officer.pk}-"
    assert reverse("officers:workspace") in urls
    assert reverse("officers:survey_respond", args=[everywhere.pk]) in urls
    assert reverse("officers:survey_respond", args=[mine.pk]) in urls
    assert reverse("officers:survey_respond", args=[theirs.pk]) not in urls
    assert reverse("officers:survey_respond", args=[closed.pk]) not in urls
    assert reverse("officers:visit_create", args=[county.code]) in urls
    assert reverse("officers:visit_create", args=[other_county.code]) not in urls
    assert static("js/officers-survey.js") in urls and static("css/portal.css") in urls

    # The other officer's list is theirs: their survey, their county, their cache.
    other = _bundle(client, other_officer)
    assert reverse("officers:survey_respond", args=[theirs.pk]) in other["urls"]
    assert reverse("officers:survey_respond", args=[mine.pk]) not in other["urls"]
    assert reverse("officers:visit_create", args=[county.code]) not in other["urls"]
    assert other["prefix"] == f"officers-{other_officer.pk}-"


def test_every_address_in_the_bundle_opens_for_the_officer(client, officer, county):
    Survey.objects.create(title="桐庐调查", county=county)
    for url in _bundle(client, officer)["urls"]:
        if url.startswith("/static/"):
            continue  # served by the web server (whitenoise), not by the test client
        assert client.get(url).status_code == 200, url


def test_the_bundle_costs_the_same_queries_for_one_survey_or_thirty(
    client, officer, county, django_assert_max_num_queries
):
    client.force_login(officer)
    Survey.objects.create(title="调查 0", county=county)
    with django_assert_max_num_queries(6) as one:
        client.get(reverse("officers:offline_bundle"))
    Survey.objects.bulk_create([Survey(title=f"调查 {n}", county=county) for n in range(1, 30)])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("officers:offline_bundle"))
    assert sum("/respond/" in url for url in response.json()["urls"]) == 30


def test_the_service_worker_answers_only_an_officer(client, officer, learner, staff):
    url = reverse("officers:service_worker")
    assert client.get(url).status_code == 302  # signed out: to the sign-in page

    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    script = response.content.decode()
    assert 'addEventListener("fetch"' in script and 'var PREFIX = "officers-"' in script
    assert "tp_offline_user" in script  # only the signed-in user's copies are served

    for somebody in (learner, staff):  # no appointment: neither the worker nor the list
        client.force_login(somebody)
        assert client.get(url).status_code == 404
        assert client.get(reverse("officers:offline_bundle")).status_code == 404


def test_an_officer_whose_term_ended_gets_no_bundle(client, county):
    former = factories.UserFactory()
    appoint(former, county, start_days=-200, end_days=-1)
    client.force_login(former)
    assert client.get(reverse("officers:offline_bundle")).status_code == 404
    assert client.get(reverse("officers:service_worker")).status_code == 404


def test_the_kept_pages_carry_the_offline_marks_and_script(client, officer, county):
    survey = Survey.objects.create(title="桐庐调查", county=county)
    client.force_login(officer)
    for url in (
        reverse("officers:workspace"),
        reverse("officers:survey_respond", args=[survey.pk]),
        reverse("officers:visit_create", args=[county.code]),
    ):
        page = client.get(url).content.decode()
        # Exactly one mark the worker turns into "cache" when it answers from the phone's copy.
        assert page.count('data-offline-from="network"') == 1, url
        assert f'data-user="{officer.pk}"' in page
        assert static("js/officers-offline.js") in page
        assert 'id="offline-banner"' in page
    workspace = client.get(reverse("officers:workspace")).content.decode()
    assert 'id="offline-keep-button"' in workspace


# --- a visit logged offline, sent later ----------------------------------------------------------


def test_a_visit_sent_twice_with_its_key_is_logged_once(client, officer, county):
    from officers.models import Visit

    from .test_visits import new_url, visit_data

    client.force_login(officer)
    page = client.get(new_url(county)).content.decode()
    assert 'name="client_key"' in page and 'data-offline-queue="visit"' in page
    key = str(uuid.uuid4())
    answers = [
        client.post(new_url(county), visit_data(client_key=key), HTTP_ACCEPT="application/json")
        for _ in range(2)
    ]
    [visit] = Visit.objects.all()
    assert [answer.status_code for answer in answers] == [200, 200]
    assert [answer.json() for answer in answers] == [{"visit": visit.pk}] * 2
    assert (visit.officer, visit.county, visit.village, visit.client_key) == (
        officer,
        county,
        "里湖村",
        uuid.UUID(key),
    )
    # Another key is another visit; a visit without a key (an old page) is logged as before.
    client.post(new_url(county), visit_data(client_key=str(uuid.uuid4())))
    client.post(new_url(county), visit_data())
    assert Visit.objects.count() == 3


def test_a_key_of_another_officers_visit_is_refused_with_a_reason(client, officer, county):
    """A form's key already used by another account's visit logs nothing and says why (400),
    rather than failing with a server error."""
    from officers.models import Visit

    from .test_visits import new_url, visit_data

    colleague = factories.UserFactory(name="王技术官")
    appoint(colleague, county)
    key = str(uuid.uuid4())
    client.force_login(colleague)
    assert client.post(new_url(county), visit_data(client_key=key)).status_code == 302
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = client.post(new_url(county), visit_data(client_key=key), HTTP_ACCEPT="application/json")
    assert answer.status_code == 400
    assert "already used to log a visit" in answer.json()["error"]
    page = client.post(new_url(county), visit_data(client_key=key))
    assert page.status_code == 200 and "already used to log a visit" in page.content.decode()
    assert list(Visit.objects.values_list("officer", flat=True)) == [colleague.pk]


def test_a_refused_visit_answers_the_phone_with_its_reason(client, officer, county):
    from officers.models import Visit

    from .test_visits import new_url, visit_data

    client.force_login(officer)
    answer = client.post(
        new_url(county),
        visit_data(client_key=str(uuid.uuid4()), minutes_spent="0"),
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 400
    assert "minutes_spent" in answer.json()["errors"] and answer.json()["error"]
    assert not Visit.objects.exists()


def test_staff_are_offered_nothing_to_keep(client, staff, officer, county):
    client.force_login(staff)
    page = client.get(reverse("officers:workspace")).content.decode()
    assert 'id="offline-keep-button"' not in page
    assert 'data-sw=""' in page
