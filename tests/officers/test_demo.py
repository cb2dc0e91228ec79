from __future__ import annotations

from django.urls import reverse

from officers.demo import seed_demo_officers
from officers.models import Appointment, Survey, SurveyResponse, Visit


def test_the_demo_officer_sees_the_survey_and_two_responses_and_a_rerun_adds_nothing(client, county):
    officer = seed_demo_officers(password="TalentDemo-2026")
    seed_demo_officers(password="TalentDemo-2026")
    assert officer.email == "officer@example.com"
    assert Appointment.objects.get(user=officer).county == county
    assert Survey.objects.count() == 1
    assert SurveyResponse.objects.filter(officer=officer, county=county).count() == 2
    assert client.login(email="officer@example.com", password="TalentDemo-2026")
    page = client.get(reverse("officers:county_responses", args=[county.code])).content.decode()
    assert page.count("data-response=") == 2
    assert 'data-choice="直播带货" data-count="1"' in page


def test_the_demo_officer_has_three_visits_with_their_responses_and_defined_the_survey(client, county):
    officer = seed_demo_officers(password="TalentDemo-2026")
    seed_demo_officers(password="TalentDemo-2026")
    visits = Visit.objects.filter(officer=officer, county=county)
    assert visits.count() == 3
    assert sum(visit.responses.count() for visit in visits) == 2
    assert Survey.objects.get().created_by == officer
    assert client.login(email="officer@example.com", password="TalentDemo-2026")
    page = client.get(reverse("officers:county_visits", args=[county.code])).content.decode()
    assert page.count("data-visit=") == 3
    assert 'data-visits="3" data-minutes="360"' in page
    assert "data-survey=" in client.get(reverse("officers:survey_list")).content.decode()
