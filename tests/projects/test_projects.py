"""Projects through their pages: the county's list (constant queries), creating and editing a
project with its links, milestones, dated updates with a compressed photo, indicators and their
periods with progress toward the target."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from officers.models import Survey, SurveyResponse
from projects.models import Indicator, IndicatorPeriod, Milestone, Project, ProjectUpdate
from projects.selectors import indicator_progress
from tests import factories

from .conftest import add_indicator, appoint, days, make_project, picture


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _response(county, officer, name="江南镇环溪村村委会"):
    survey = Survey.objects.get_or_create(title="需求调查")[0]
    return SurveyResponse.objects.create(
        survey=survey, officer=officer, county=county, organisation_name=name, organisation_kind="village"
    )


def test_officer_creates_a_project_linked_to_surveys_and_cohorts(client, county, officer):
    response = _response(county, officer)
    cohort = factories.CohortFactory(county=county)
    client.force_login(officer)
    form = client.get(reverse("projects:project_create", args=[county.code])).content.decode()
    assert f'value="{response.pk}"' in form and f'value="{cohort.pk}"' in form
    page = client.post(
        reverse("projects:project_create", args=[county.code]),
        {
            "title": "村级直播带货基地",
            "description": "帮助合作社开网店",
            "owner": officer.pk,
            "partner_name": "分水镇茶叶专业合作社",
            "partner_kind": "cooperative",
            "start_date": "2026-03-01",
            "end_date": "2026-12-31",
            "status": "running",
            "survey_responses": [response.pk],
            "cohorts": [cohort.pk],
        },
    )
    project = Project.objects.get(title="村级直播带货基地")
    assert page.url == reverse("projects:project_detail", args=[project.pk])
    assert (project.county, project.owner, project.status) == (county, officer, "running")
    assert list(project.survey_responses.all()) == [response]
    assert list(project.cohorts.all()) == [cohort]
    detail = client.get(page.url).content.decode()
    assert f'data-response="{response.pk}"' in detail and f'data-cohort="{cohort.pk}"' in detail


def test_another_countys_survey_or_cohort_cannot_be_linked(
    client, county, other_county, officer, other_officer
):
    foreign = _response(other_county, other_officer)
    client.force_login(officer)
    page = client.post(
        reverse("projects:project_create", args=[county.code]),
        {
            "title": "数字记账",
            "partner_name": "环溪村",
            "partner_kind": "village",
            "start_date": "2026-03-01",
            "end_date": "2026-12-31",
            "status": "planned",
            "survey_responses": [foreign.pk],
        },
    )
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert not Project.objects.exists()


def test_a_project_cannot_end_before_it_starts(client, county, officer):
    client.force_login(officer)
    page = client.post(
        reverse("projects:project_create", args=[county.code]),
        {
            "title": "数字记账",
            "partner_name": "环溪村",
            "partner_kind": "village",
            "start_date": "2026-12-01",
            "end_date": "2026-03-01",
            "status": "planned",
        },
    )
    assert "The project cannot end before it starts." in page.content.decode()
    assert not Project.objects.exists()


def test_officer_edits_a_project(client, project, officer):
    client.force_login(officer)
    form = client.get(reverse("projects:project_edit", args=[project.pk])).content.decode()
    assert 'value="直播带货基地"' in form
    client.post(
        reverse("projects:project_edit", args=[project.pk]),
        {
            "title": "直播带货基地（二期）",
            "partner_name": project.partner_name,
            "partner_kind": "enterprise",
            "start_date": project.start_date.isoformat(),
            "end_date": project.end_date.isoformat(),
            "status": "stalled",
        },
    )
    project.refresh_from_db()
    assert (project.title, project.partner_kind, project.status) == (
        "直播带货基地（二期）",
        "enterprise",
        "stalled",
    )


def test_milestones_are_added_and_marked_done(client, project, officer):
    client.force_login(officer)
    client.post(
        reverse("projects:milestone_add", args=[project.pk]),
        {"title": "开通网店", "due_on": days(10).isoformat()},
    )
    milestone = Milestone.objects.get(project=project)
    assert (milestone.title, milestone.due_on, milestone.done_on) == ("开通网店", days(10), None)
    client.post(reverse("projects:milestone_mark", args=[milestone.pk]), {"done": "1"})
    milestone.refresh_from_db()
    assert milestone.done_on == days(0)
    page = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert f'data-milestone="{milestone.pk}" data-done="1"' in page
    client.post(reverse("projects:milestone_mark", args=[milestone.pk]), {"done": "0"})
    milestone.refresh_from_db()
    assert milestone.done_on is None


def test_an_update_photo_is_compressed_served_to_readers_and_deleted_with_the_row(
    client, project, officer, learner, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    upload = SimpleUploadedFile("IMG_0001.png", picture("PNG"), content_type="image/png")
    page = client.post(
        reverse("projects:update_add", args=[project.pk]),
        {"written_on": days(-1).isoformat(), "text": "第一场直播卖出 200 斤茶叶", "photo": upload},
    )
    assert page.status_code == 302
    update = ProjectUpdate.objects.get(project=project)
    assert (update.author, update.written_on, update.text) == (officer, days(-1), "第一场直播卖出 200 斤茶叶")
    assert "IMG_0001" not in update.image.name and update.image.name.endswith(".jpg")
    assert max(update.width, update.height) == 1200
    path = Path(update.image.path)
    with Image.open(path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1200

    url = reverse("projects:update_photo", args=[update.pk])
    detail = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert f'src="{url}"' in detail
    assert client.get(url)["Content-Type"] == "image/jpeg"
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    client.force_login(learner)
    assert client.get(url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        project.delete()
    assert not path.exists()


def test_a_file_that_is_not_a_picture_is_refused(client, project, officer):
    client.force_login(officer)
    upload = SimpleUploadedFile("notes.png", b"not a picture", content_type="image/png")
    page = client.post(
        reverse("projects:update_add", args=[project.pk]),
        {"written_on": days(0).isoformat(), "text": "照片", "photo": upload},
    )
    assert "This file is not a picture" in page.content.decode()
    assert not ProjectUpdate.objects.exists()


def test_indicators_and_periods_show_progress_toward_the_target(client, project, officer):
    client.force_login(officer)
    client.post(
        reverse("projects:indicator_add", args=[project.pk]),
        {"name": "网店月销售额", "unit": "万元", "baseline": "0", "target": "10"},
    )
    indicator = Indicator.objects.get(project=project)
    assert (indicator.baseline, indicator.target) == (Decimal(0), Decimal(10))
    url = reverse("projects:period_add", args=[indicator.pk])
    client.post(
        url, {"period_start": days(-90).isoformat(), "period_end": days(-60).isoformat(), "actual": "2"}
    )
    client.post(
        url, {"period_start": days(-59).isoformat(), "period_end": days(0).isoformat(), "actual": "6.5"}
    )
    assert IndicatorPeriod.objects.filter(indicator=indicator).count() == 2
    # Half the project's time has gone at the latest period's end; 65 % of the way is on track.
    page = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert f'data-indicator="{indicator.pk}" data-percent="65" data-achieved="0" data-on-track="1"' in page
    assert '<rect width="65"' in page
    # A correction of the same period replaces its value.
    client.post(
        url, {"period_start": days(-59).isoformat(), "period_end": days(0).isoformat(), "actual": "12"}
    )
    assert IndicatorPeriod.objects.filter(indicator=indicator).count() == 2
    page = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert f'data-indicator="{indicator.pk}" data-percent="100" data-achieved="1" data-on-track="1"' in page
    assert "Target reached" in page


def test_a_period_cannot_end_before_it_starts(client, project, officer):
    indicator = add_indicator(project)
    client.force_login(officer)
    page = client.post(
        reverse("projects:period_add", args=[indicator.pk]),
        {"period_start": days(0).isoformat(), "period_end": days(-5).isoformat(), "actual": "1"},
    )
    assert "The period cannot end before it starts." in page.content.decode()
    assert not IndicatorPeriod.objects.exists()


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "percent", "achieved", "on_track"),
    [
        (0, 100, 40, 40, False, False),  # 40 % of the way, 50 % of the time: behind
        (0, 100, 50, 50, False, True),
        (0, 100, 120, 100, True, True),
        (20, 5, 10, 66, False, True),  # a falling target (hours of bookkeeping by hand)
        (20, 5, 4, 100, True, True),
    ],
)
def test_progress_counts_the_way_from_baseline_to_target(
    county, baseline, target, actual, percent, achieved, on_track
):
    project = make_project(county, start_date=days(-100), end_date=days(100))
    indicator = add_indicator(
        project, baseline=baseline, target=target, actuals=[(days(-10), days(0), actual)]
    )
    progress = indicator_progress(Indicator.objects.prefetch_related("periods").get(pk=indicator.pk), project)
    assert (progress.percent, progress.achieved, progress.on_track) == (percent, achieved, on_track)


def test_an_indicator_without_a_value_is_not_judged(county):
    project = make_project(county)
    progress = indicator_progress(add_indicator(project), project)
    assert (progress.latest, progress.on_track, progress.achieved) == (None, None, False)


def _fill(county, officer, n):
    for i in range(n):
        project = make_project(county, officer, title=f"项目{i}")
        add_indicator(project, actuals=[(days(-10), days(0), 60)])
        add_indicator(project, name="培训人数", unit="人", actuals=[(days(-10), days(0), 10)])
        Milestone.objects.create(project=project, title="开通", due_on=days(5), done_on=days(0))


@pytest.mark.parametrize("n", [1, 30])
def test_the_county_list_costs_the_same_queries_for_1_or_30_projects(
    client, county, officer, n, django_assert_num_queries
):
    _fill(county, officer, n)
    client.force_login(officer)
    url = reverse("projects:county_projects", args=[county.code])
    client.get(url)
    # The signed-in user, the county, the page's count and projects (with their counts as
    # subqueries), indicators, periods, whether the user may edit: the same for 1 or 30.
    with django_assert_num_queries(7):
        page = client.get(url).content.decode()
    assert page.count('class="panel project-row"') == n
    assert page.count('data-milestones="1/1"') == n
    assert page.count('data-on-track="1/2"') == n


def test_the_home_lists_the_officers_counties_and_terms(client, county, officer, project):
    client.force_login(officer)
    page = client.get(reverse("projects:home")).content.decode()
    assert f'data-county="{county.code}"' in page
    assert "1 project" in page
    appointment = officer.officer_appointments.get()
    assert reverse("projects:term_report", args=[appointment.pk]) in page


@pytest.mark.parametrize("n", [1, 5])
def test_the_home_costs_the_same_queries_for_1_or_5_counties(client, staff, n, django_assert_num_queries):
    prefecture = factories.PrefectureFactory()
    for i in range(n):
        county = factories.CountyFactory(code=f"3301{50 + i}", prefecture=prefecture)
        officer = factories.UserFactory()
        appoint(officer, county)
        make_project(county, officer)
    client.force_login(staff)
    url = reverse("projects:home")
    client.get(url)
    with django_assert_num_queries(5):
        page = client.get(url).content.decode()
    assert page.count("data-officer-term=") == n
