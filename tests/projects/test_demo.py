from __future__ import annotations

from django.urls import reverse

from officers.demo import seed_demo_officers
from projects.demo import seed_demo_projects
from projects.models import IndicatorPeriod, Project
from tests import factories


def test_the_demo_officer_has_two_projects_with_indicators_and_a_handed_over_one(client, county):
    learner = factories.LearnerProfileFactory(county=county, user__email="learner@example.com").user
    officer = seed_demo_officers(password="TalentDemo-2026")
    seed_demo_projects()
    seed_demo_projects()
    projects = Project.objects.filter(county=county, owner=officer)
    assert projects.count() == 3
    running = projects.filter(status=Project.Status.RUNNING)
    assert running.count() == 2
    for project in running:
        assert project.indicators.exists()
        assert IndicatorPeriod.objects.filter(indicator__project=project).exists()
        assert project.survey_responses.count() == 1
    handed = projects.get(status=Project.Status.HANDED_OVER)
    assert list(handed.successors.values_list("user", flat=True)) == [learner.pk]
    assert not handed.checklist.filter(done_on__isnull=True).exists()

    assert client.login(email="officer@example.com", password="TalentDemo-2026")
    page = client.get(reverse("projects:county_projects", args=[county.code])).content.decode()
    assert page.count('class="panel project-row"') == 3
    appointment = officer.officer_appointments.get()
    assert client.get(reverse("projects:term_report", args=[appointment.pk])).status_code == 200
