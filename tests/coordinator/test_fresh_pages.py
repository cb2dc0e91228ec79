"""The roster, the class page and the coordinator home are built afresh on every request: each
change shows on the next page view, the forms post with a valid CSRF token, and a coordinator
never sees another county's class."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from counties.models import CoordinatorAssignment, ImportJob
from courses.models import Lesson
from enrollment import services
from tests import factories
from tests.coordinator.conftest import enrol, upload

HOME = reverse("coordinator:coordinator_home")
DASHBOARD = reverse("learn:dashboard")


def roster_url(cohort, query: str = "") -> str:
    return reverse("coordinator:roster", args=[cohort.pk]) + query


def cohort_url(cohort, suffix: str = "") -> str:
    return f"/counties/coordinator/cohorts/{cohort.pk}/{suffix}"


def without_messages(client) -> None:
    # Shown once by the page after a post: drop them, as the browser does after that page.
    client.cookies.pop("messages", None)


@pytest.fixture
def held_session(cohort):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return factories.ClassSessionFactory(cohort=cohort, date=yesterday)


# --- each change shows on the next page view -----------------------------------------------------


def test_roll_call_shows_on_the_roster_at_once(english, coordinator, cohort, held_session):
    enrollment = enrol(cohort)
    english.force_login(coordinator)
    assert english.get(roster_url(cohort)).context["page"][0].attendance_rate == 0
    english.post(
        cohort_url(cohort, f"sessions/{held_session.pk}/roll-call/"),
        {f"learner_{enrollment.learner_id}": "present"},
    )
    without_messages(english)
    response = english.get(roster_url(cohort))
    assert response.context["page"][0].attendance_rate == 100
    assert '<td data-label="Attendance">100%</td>' in response.content.decode()


def test_roll_call_meeting_the_minimum_shows_the_completion_on_the_learners_dashboard(
    english, coordinator, county
):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(county=county, course=course, min_attendance_percent=50)
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())
    enrollment = enrol(cohort)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=course))
    learner = Client()
    learner.cookies["django_language"] = "en"
    learner.force_login(enrollment.learner)
    assert "attend at least 50%" in learner.get(DASHBOARD).content.decode()
    english.force_login(coordinator)
    english.post(
        cohort_url(cohort, f"sessions/{session.pk}/roll-call/"),
        {f"learner_{enrollment.learner_id}": "present"},
    )
    page = learner.get(DASHBOARD).content.decode()
    assert 'data-status="completed"' in page
    assert "attend at least 50%" not in page


def test_import_shows_the_new_learners_on_the_roster_and_the_home(english, coordinator, cohort):
    english.force_login(coordinator)
    assert english.get(roster_url(cohort)).context["page"].paginator.count == 0
    assert english.get(HOME).context["page"][0].learner_count == 0
    english.post(cohort_url(cohort, "import/"), {"file": upload(b"name,mobile\nZhang San,13800138000\n")})
    job = ImportJob.objects.get()
    english.post(cohort_url(cohort, f"import/{job.pk}/commit/"))
    without_messages(english)
    response = english.get(roster_url(cohort))
    assert [e.learner.name for e in response.context["page"]] == ["Zhang San"]
    assert english.get(HOME).context["page"][0].learner_count == 1


def test_import_shows_the_class_on_an_existing_learners_dashboard(english, coordinator, cohort):
    learner = factories.LearnerProfileFactory(county=cohort.county, user__mobile="13800138000").user
    client = Client()
    client.force_login(learner)
    assert cohort.name not in client.get(DASHBOARD).content.decode()
    english.force_login(coordinator)
    english.post(cohort_url(cohort, "import/"), {"file": upload(b"name,mobile\nZhang San,13800138000\n")})
    english.post(cohort_url(cohort, f"import/{ImportJob.objects.get().pk}/commit/"))
    assert cohort.name in client.get(DASHBOARD).content.decode()


def test_withdrawal_shows_on_the_roster_at_once(english, coordinator, cohort):
    enrollment = enrol(cohort)
    english.force_login(coordinator)
    assert (
        '<td data-label="Status" class="status">Withdrawn</td>'
        not in english.get(roster_url(cohort)).content.decode()
    )
    response = english.post(
        cohort_url(cohort, f"enrolments/{enrollment.pk}/withdraw/"), {"reason": "moved away"}
    )
    assert response.status_code == 302
    without_messages(english)
    assert (
        '<td data-label="Status" class="status">Withdrawn</td>'
        in english.get(roster_url(cohort)).content.decode()
    )


def test_approval_shows_on_the_roster_at_once(english, coordinator, cohort):
    enrollment = enrol(cohort, status="applied")
    english.force_login(coordinator)
    assert 'name="approve"' in english.get(roster_url(cohort)).content.decode()
    english.post(cohort_url(cohort, f"enrolments/{enrollment.pk}/approve/"))
    without_messages(english)
    assert 'name="approve"' not in english.get(roster_url(cohort)).content.decode()


def test_new_class_shows_on_the_home_at_once(english, coordinator, county):
    english.force_login(coordinator)
    assert "Evening class" not in english.get(HOME).content.decode()
    today = timezone.localdate()
    english.post(
        reverse("coordinator:cohort_create"),
        {
            "name": "Evening class",
            "course": factories.CourseFactory().pk,
            "county": county.pk,
            "start_date": today.isoformat(),
            "end_date": (today + datetime.timedelta(days=60)).isoformat(),
            "capacity": 40,
            "delivery": "blended",
            "min_attendance_percent": 0,
            "status": "open",
        },
    )
    without_messages(english)
    assert "Evening class" in english.get(HOME).content.decode()


def test_priority_set_in_the_admin_shows_on_the_home_at_once(english, coordinator, county, staff):
    english.force_login(coordinator)
    assert "Priority county" not in english.get(HOME).content.decode()
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        reverse("admin:counties_county_changelist"),
        {"action": "mark_priority", "_selected_action": [county.pk]},
    )
    assert response.status_code == 302
    assert "Priority county" in english.get(HOME).content.decode()


def test_a_new_join_code_shows_on_the_class_page_at_once(english, coordinator, cohort):
    english.force_login(coordinator)
    old_code = cohort.join_code
    assert f'id="join-code">{old_code}<' in english.get(cohort_url(cohort)).content.decode()
    english.post(cohort_url(cohort, "join-code/"))
    without_messages(english)
    cohort.refresh_from_db()
    assert cohort.join_code != old_code
    assert f'id="join-code">{cohort.join_code}<' in english.get(cohort_url(cohort)).content.decode()


def test_a_county_assigned_later_shows_on_the_home_at_once(english, coordinator, other_county):
    factories.CohortFactory(county=other_county, name="Second county class")
    english.force_login(coordinator)
    assert "Second county class" not in english.get(HOME).content.decode()
    CoordinatorAssignment.objects.create(coordinator=coordinator, county=other_county)
    assert "Second county class" in english.get(HOME).content.decode()


def test_roster_forms_post_with_a_valid_csrf_token(coordinator, cohort):
    enrollment = enrol(cohort, status="applied")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(coordinator)
    page = browser.get(roster_url(cohort)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = browser.post(
        cohort_url(cohort, f"enrolments/{enrollment.pk}/approve/"), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "active"


# --- nobody sees another county's class ----------------------------------------------------------


def test_another_countys_coordinator_gets_404_for_the_roster(client, coordinator, other_coordinator, cohort):
    client.force_login(coordinator)
    assert client.get(roster_url(cohort)).status_code == 200
    client.force_login(other_coordinator)
    assert client.get(roster_url(cohort)).status_code == 404


def test_a_learner_gets_404_for_the_home(client, coordinator, learner, cohort):
    client.force_login(coordinator)
    assert client.get(HOME).status_code == 200
    client.force_login(learner)
    assert client.get(HOME).status_code == 404


def test_a_removed_assignment_takes_effect_at_once(client, coordinator, cohort):
    client.force_login(coordinator)
    assert client.get(roster_url(cohort)).status_code == 200
    assert client.get(HOME).status_code == 200
    CoordinatorAssignment.objects.get(coordinator=coordinator).delete()
    assert client.get(roster_url(cohort)).status_code == 404
    assert client.get(HOME).status_code == 404


def test_a_cohort_moved_to_another_county_is_404_at_once(client, coordinator, other_county, cohort):
    client.force_login(coordinator)
    assert client.get(roster_url(cohort)).status_code == 200
    cohort.county = other_county
    cohort.save()
    assert client.get(roster_url(cohort)).status_code == 404
