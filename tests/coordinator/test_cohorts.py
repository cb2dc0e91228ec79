from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from certificates.models import Certificate
from counties.models import Cohort
from courses.models import Course
from enrollment.models import LessonProgress
from tests import factories
from tests.coordinator.conftest import enrol

NEW = "/counties/coordinator/cohorts/new/"


def form_data(course, county, **overrides):
    today = timezone.localdate()
    data = {
        "name": "2026春 电商班",
        "course": course.pk,
        "county": county.pk,
        "start_date": today.isoformat(),
        "end_date": (today + datetime.timedelta(days=60)).isoformat(),
        "capacity": 40,
        "delivery": "blended",
        "requires_approval": "",
        "min_attendance_percent": 60,
        "status": "open",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_cohort_in_their_county(client, coordinator, county):
    course = factories.CourseFactory()
    client.force_login(coordinator)
    response = client.post(NEW, form_data(course, county))
    cohort = Cohort.objects.get()
    assert response.url == f"/counties/coordinator/cohorts/{cohort.pk}/"
    assert (cohort.county, cohort.course, cohort.created_by, cohort.capacity) == (
        county,
        course,
        coordinator,
        40,
    )
    assert len(cohort.join_code) == 8


def test_cohort_cannot_be_created_in_another_county(client, coordinator, other_county):
    client.force_login(coordinator)
    response = client.post(NEW, form_data(factories.CourseFactory(), other_county))
    assert response.status_code == 200
    assert "county" in response.context["form"].errors
    assert not Cohort.objects.exists()


@pytest.mark.parametrize("name", ["2026春\r\nBcc: x@example.com", "电商\t班"])
def test_a_class_name_with_a_line_break_is_refused(client, coordinator, county, name):
    # The name goes into announcement subjects, export file names and sheet titles.
    client.force_login(coordinator)
    response = client.post(NEW, form_data(factories.CourseFactory(), county, name=name))
    assert response.status_code == 200
    assert response.context["form"].has_error("name", code="single_line")
    assert not Cohort.objects.exists()


def test_only_published_courses_can_be_chosen(client, coordinator, county):
    draft = factories.CourseFactory(status=Course.Status.DRAFT)
    client.force_login(coordinator)
    response = client.post(NEW, form_data(draft, county))
    assert "course" in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "value"),
    [("capacity", 0), ("min_attendance_percent", 101), ("end_date", "2020-01-01"), ("status", "nope")],
)
def test_invalid_cohort_settings_are_shown_next_to_the_field(client, coordinator, county, field, value):
    client.force_login(coordinator)
    response = client.post(NEW, form_data(factories.CourseFactory(), county, **{field: value}))
    assert field in response.context["form"].errors
    assert not Cohort.objects.exists()


def test_edit_keeps_course_and_county_once_learners_are_in(client, coordinator, cohort, county):
    enrol(cohort)
    client.force_login(coordinator)
    url = f"/counties/coordinator/cohorts/{cohort.pk}/edit/"
    other_course = factories.CourseFactory()
    response = client.post(url, form_data(other_course, county, name="改名", capacity=50))
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.name, cohort.capacity) == ("改名", 50)
    assert cohort.course != other_course


def test_capacity_cannot_drop_below_the_learners_in_the_class(client, coordinator, cohort, county):
    enrol(cohort)
    enrol(cohort)
    client.force_login(coordinator)
    response = client.post(
        f"/counties/coordinator/cohorts/{cohort.pk}/edit/", form_data(cohort.course, county, capacity=1)
    )
    assert "capacity" in response.context["form"].errors


def test_lowering_the_minimum_attendance_completes_learners_who_now_qualify(
    client, coordinator, county, django_capture_on_commit_callbacks
):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(county=county, course=course, min_attendance_percent=80)
    enrollment = enrol(cohort, progress_percent=100)
    LessonProgress.objects.create(enrollment=enrollment, lesson=course.modules.get().lessons.get())
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/counties/coordinator/cohorts/{cohort.pk}/edit/",
            form_data(course, county, min_attendance_percent=0),
        )
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"
    assert Certificate.objects.filter(enrollment=enrollment).exists()


def test_join_code_regenerates_and_the_old_one_stops_working(client, coordinator, cohort):
    old = cohort.join_code
    client.force_login(coordinator)
    response = client.post(f"/counties/coordinator/cohorts/{cohort.pk}/join-code/")
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.join_code != old
    assert not Cohort.objects.filter(join_code=old).exists()


def test_qr_code_is_an_svg_of_the_join_link(client, coordinator, cohort):
    client.force_login(coordinator)
    response = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith((b"<?xml", b"<svg"))
    assert b"<path" in response.content


def test_poster_shows_the_code_big_the_qr_and_the_join_url(client, coordinator, cohort):
    client.force_login(coordinator)
    html = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/poster/").content.decode()
    assert f'<p class="join-code poster-code">{cohort.join_code}</p>' in html
    assert f"http://testserver/learn/join/{cohort.join_code}/" in html
    assert f"/counties/coordinator/cohorts/{cohort.pk}/qr.svg" in html


def test_cohort_page_shows_join_code_and_waiting_requests(client, coordinator, cohort):
    enrol(cohort, status="applied")
    client.force_login(coordinator)
    response = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/")
    assert cohort.join_code in response.content.decode()
    assert response.context["pending_count"] == 1


def test_cohort_list_filters_by_status(client, coordinator, county):
    factories.CohortFactory(county=county, status="open", name="开放班")
    factories.CohortFactory(county=county, status="planned", name="筹备班")
    client.force_login(coordinator)
    response = client.get("/counties/coordinator/cohorts/?status=planned")
    assert [c.name for c in response.context["page"]] == ["筹备班"]
