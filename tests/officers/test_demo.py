from __future__ import annotations

from django.urls import reverse

from officers.demo import seed_demo_officers
from officers.models import Appointment, Survey, SurveyResponse


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
