"""A project's dates hold together (projects/dates.py), through the pages: milestones are due
within the project, indicator periods lie within it, end after they start and do not overlap
one another, and the project's dates cannot change so that existing milestones or periods fall
outside; the error names which. Nothing is written when a rule refuses. The services and the
admin apply the same rules."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from projects import services
from projects.models import IndicatorPeriod, Milestone, Project

from .conftest import add_indicator, days


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _iso(day: datetime.date) -> str:
    return day.isoformat()


def _field_errors(response, name: str) -> str:
    """The text of the error block of field ``name`` on the page (empty when it has none)."""
    page = response.content.decode()
    marker = f'id="id_{name}_errors"'
    if marker not in page:
        return ""
    return page.split(marker, 1)[1].split("</div>", 1)[0]


# --- milestones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (-101, "A milestone cannot be due before the project starts ({start})."),
        (101, "A milestone cannot be due after the project ends ({end})."),
    ],
)
def test_a_milestone_outside_the_project_is_refused_on_the_form(client, project, officer, due, message):
    client.force_login(officer)
    response = client.post(
        reverse("projects:milestone_add", args=[project.pk]), {"title": "开通网店", "due_on": _iso(days(due))}
    )
    assert response.status_code == 200
    expected = message.format(start=_iso(project.start_date), end=_iso(project.end_date))
    assert expected in _field_errors(response, "due_on")
    assert not Milestone.objects.exists()


def test_a_milestone_on_the_projects_first_and_last_day_is_added(client, project, officer):
    client.force_login(officer)
    url = reverse("projects:milestone_add", args=[project.pk])
    for title, day in (("启动", project.start_date), ("验收", project.end_date)):
        response = client.post(url, {"title": title, "due_on": _iso(day)})
        assert response.status_code == 302
    assert sorted(Milestone.objects.values_list("due_on", flat=True)) == [
        project.start_date,
        project.end_date,
    ]


# --- indicator periods ----------------------------------------------------------------------------


def _period(client, indicator, start: int, end: int, actual: str = "1"):
    return client.post(
        reverse("projects:period_add", args=[indicator.pk]),
        {"period_start": _iso(days(start)), "period_end": _iso(days(end)), "actual": actual},
    )


def test_a_period_starting_before_or_ending_after_the_project_is_refused(client, project, officer):
    indicator = add_indicator(project)
    client.force_login(officer)
    early = _period(client, indicator, -110, -90)
    assert early.status_code == 200
    assert (
        f"The period cannot start before the project starts ({_iso(project.start_date)})."
        in _field_errors(early, "period_start")
    )
    late = _period(client, indicator, 90, 120)
    assert f"The period cannot end after the project ends ({_iso(project.end_date)})." in _field_errors(
        late, "period_end"
    )
    assert not IndicatorPeriod.objects.exists()


def test_a_period_ending_before_it_starts_is_refused_on_its_end(client, project, officer):
    indicator = add_indicator(project)
    client.force_login(officer)
    response = _period(client, indicator, 0, -5)
    assert "The period cannot end before it starts." in _field_errors(response, "period_end")
    assert not IndicatorPeriod.objects.exists()


def test_overlapping_periods_of_one_indicator_are_refused(client, project, officer):
    indicator = add_indicator(project, actuals=[(days(-90), days(-61), 2)])
    other_indicator = add_indicator(project, name="培训人数", unit="人")
    client.force_login(officer)

    response = _period(client, indicator, -61, -30)  # shares the day -61
    assert response.status_code == 200
    assert (
        f"This period overlaps the period {_iso(days(-90))} – {_iso(days(-61))} of this indicator."
        in _field_errors(response, "period_start")
    )
    inside = _period(client, indicator, -80, -70)  # within the recorded one
    assert "overlaps" in _field_errors(inside, "period_start")
    assert IndicatorPeriod.objects.filter(indicator=indicator).count() == 1

    # The next day onwards is not an overlap; nor is another indicator's period.
    assert _period(client, indicator, -60, -30).status_code == 302
    assert _period(client, other_indicator, -90, -30).status_code == 302
    # Correcting a recorded period (same start) is not an overlap with itself...
    assert _period(client, indicator, -60, -30, actual="5").status_code == 302
    assert IndicatorPeriod.objects.get(indicator=indicator, period_start=days(-60)).actual == Decimal(5)
    # ...but stretching it over the previous one is.
    stretched = _period(client, indicator, -90, -40)
    assert f"{_iso(days(-60))} – {_iso(days(-30))}" in _field_errors(stretched, "period_start")
    assert IndicatorPeriod.objects.get(indicator=indicator, period_start=days(-90)).period_end == days(-61)
    assert IndicatorPeriod.objects.filter(indicator=indicator).count() == 2


# --- the project's own dates ----------------------------------------------------------------------


def _project_data(project: Project, **changes) -> dict:
    data = {
        "title": project.title,
        "description": project.description,
        "owner": project.owner_id or "",
        "partner_name": project.partner_name,
        "partner_kind": project.partner_kind,
        "start_date": _iso(project.start_date),
        "end_date": _iso(project.end_date),
        "status": project.status,
    }
    return {**data, **changes}


def test_moving_the_projects_dates_past_its_milestones_and_periods_names_them(client, project, officer):
    services.milestone_add(project=project, title="完成需求调研", due_on=days(-80))
    services.milestone_add(project=project, title="开通网店", due_on=days(0))
    services.milestone_add(project=project, title="验收", due_on=days(95))
    add_indicator(project, name="网店月销售额", actuals=[(days(-90), days(-61), 2), (days(-60), days(-1), 5)])
    client.force_login(officer)
    before = (project.start_date, project.end_date)

    response = client.post(
        reverse("projects:project_edit", args=[project.pk]),
        _project_data(project, start_date=_iso(days(-70)), end_date=_iso(days(90))),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "These milestones would fall outside the project&#x27;s dates: "
        f"完成需求调研 ({_iso(days(-80))}), 验收 ({_iso(days(95))})." in page
    )
    assert (
        "These indicator periods would fall outside the project&#x27;s dates: "
        f"网店月销售额 {_iso(days(-90))} – {_iso(days(-61))}." in page
    )
    assert "开通网店" not in page.split('role="alert"', 1)[1].split("</div>", 1)[0]
    project.refresh_from_db()
    assert (project.start_date, project.end_date) == before

    # Dates that keep everything inside are saved.
    response = client.post(
        reverse("projects:project_edit", args=[project.pk]),
        _project_data(project, start_date=_iso(days(-95)), end_date=_iso(days(95))),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.start_date, project.end_date) == (days(-95), days(95))


def test_a_long_list_of_milestones_in_the_way_is_cut_with_a_count(client, project, officer):
    Milestone.objects.bulk_create(
        [Milestone(project=project, title=f"里程碑{n:02d}", due_on=days(-90 + n)) for n in range(13)]
    )
    client.force_login(officer)
    response = client.post(
        reverse("projects:project_edit", args=[project.pk]), _project_data(project, start_date=_iso(days(0)))
    )
    page = response.content.decode()
    assert "里程碑09" in page and "里程碑10" not in page
    assert "and 3 more" in page
    assert Project.objects.get(pk=project.pk).start_date == days(-100)


def test_a_project_ending_before_it_starts_is_refused(client, county, officer):
    client.force_login(officer)
    response = client.post(
        reverse("projects:project_create", args=[county.code]),
        {
            "title": "村级直播带货基地",
            "partner_name": "分水镇茶叶专业合作社",
            "partner_kind": "cooperative",
            "start_date": _iso(days(10)),
            "end_date": _iso(days(0)),
            "status": Project.Status.PLANNED,
            "owner": officer.pk,
        },
    )
    assert response.status_code == 200
    assert "The project cannot end before it starts." in _field_errors(response, "end_date")
    assert not Project.objects.exists()


def test_staff_changing_the_dates_in_the_admin_meet_the_same_rule(client, project, staff):
    services.milestone_add(project=project, title="开通网店", due_on=days(50))
    client.force_login(staff)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = {
        "county": project.county_id,
        "title": project.title,
        "description": "",
        "owner": project.owner_id,
        "partner_name": project.partner_name,
        "partner_kind": project.partner_kind,
        "start_date": _iso(project.start_date),
        "end_date": _iso(days(20)),
        "status": project.status,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"开通网店 ({_iso(days(50))})" in response.content.decode()
    assert Project.objects.get(pk=project.pk).end_date == days(100)
    response = client.post(url, {**data, "end_date": _iso(days(60))})
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).end_date == days(60)


def test_the_services_refuse_what_the_forms_refuse(project):
    """Any other way in (the demo, an import) goes through the services: the same rules."""
    indicator = add_indicator(project, actuals=[(days(-90), days(-61), 2)])
    with pytest.raises(ValidationError) as refused:
        services.milestone_add(project=project, title="太早", due_on=days(-101))
    assert set(refused.value.message_dict) == {"due_on"}
    with pytest.raises(ValidationError) as refused:
        services.period_record(indicator=indicator, period_start=days(-70), period_end=days(-50), actual=1)
    assert set(refused.value.message_dict) == {"period_start"}
    with pytest.raises(ValidationError):
        services.project_edit(project=project, start_date=days(-80))
    with pytest.raises(ValidationError):
        services.project_create(
            county=project.county,
            title="x",
            partner_name="y",
            partner_kind="other",
            start_date=days(1),
            end_date=days(0),
        )
    assert (Milestone.objects.count(), IndicatorPeriod.objects.count(), Project.objects.count()) == (0, 1, 1)
