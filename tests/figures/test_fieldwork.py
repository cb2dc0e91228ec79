"""The technology officers' figures on the dashboard: officers deployed, counties covered,
visits, needs surveys, projects by status, indicators on track and local talents trained, per
area with the drill-down, and the projects' own table."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from counties.models import Cohort
from figures.models import FigureFieldwork, FigurePerson, FigureProject
from figures.services import figures_refresh
from officers.models import Appointment, Survey, SurveyResponse, Visit
from projects.models import Indicator, IndicatorPeriod, Project, Successor
from tests import factories

from .conftest import NOW

TODAY = timezone.localdate(NOW)
DAY = datetime.timedelta(days=1)


def _officer(county, *, term_end=TODAY + 60 * DAY):
    user = factories.UserFactory()
    Appointment.objects.create(
        user=user,
        county=county,
        home_organisation="浙江大学",
        term_start=TODAY - 100 * DAY,
        term_end=term_end,
    )
    return user


def _project(county, owner, title, status, **dates):
    return Project.objects.create(
        county=county,
        title=title,
        owner=owner,
        partner_name="合作社",
        partner_kind="cooperative",
        start_date=dates.get("start", TODAY - 100 * DAY),
        end_date=dates.get("end", TODAY + 100 * DAY),
        status=status,
    )


def _indicator(project, *, actual, target=Decimal(10)):
    indicator = Indicator.objects.create(
        project=project, name="直播场次", unit="场", baseline=0, target=target
    )
    IndicatorPeriod.objects.create(
        indicator=indicator, period_start=TODAY - 30 * DAY, period_end=TODAY, actual=Decimal(actual)
    )


@pytest.fixture
def fieldwork(programme):
    tonglu, chun_an, wanshan = programme.tonglu, programme.chun_an, programme.wanshan
    officer = _officer(tonglu)
    _officer(chun_an)
    # An appointment over (yesterday) deploys no one.
    _officer(wanshan, term_end=TODAY - DAY)
    survey = Survey.objects.create(title="需求调研")
    for name in ("桐庐茶叶合作社", "富春江村委会"):
        SurveyResponse.objects.create(
            survey=survey,
            officer=officer,
            county=tonglu,
            organisation_name=name,
            organisation_kind="cooperative",
        )
    Visit.objects.create(officer=officer, county=tonglu, visited_on=TODAY - 5 * DAY, minutes_spent=90)
    Visit.objects.create(officer=officer, county=tonglu, visited_on=TODAY - 2 * DAY, minutes_spent=60)

    live = _project(tonglu, officer, "村播基地", Project.Status.RUNNING)
    _indicator(live, actual=6)  # 60 % of the way at half the time: on track
    _indicator(live, actual=2)  # 20 %: behind
    books = _project(tonglu, officer, "合作社数字记账", Project.Status.HANDED_OVER)
    _indicator(books, actual=10)  # reached
    l1, l2 = programme.learners[:2]
    Successor.objects.create(project=books, user=l1, role="记账员")
    Successor.objects.create(project=books, user=l2, role="管理员")
    # l1 also completed in the linked class: counted once.
    books.cohorts.add(Cohort.objects.get(county=tonglu))
    _project(chun_an, None, "标注工坊", Project.Status.STALLED)
    figures_refresh(now=NOW)
    return programme


def test_programme_rows_sum_the_counties(fieldwork):
    programme = FigureFieldwork.objects.get(level="programme")
    assert programme.counties_covered == 2
    assert (programme.visits, programme.visit_minutes, programme.surveys) == (2, 150, 2)
    assert programme.projects == 3
    assert (programme.projects_running, programme.projects_handed_over, programme.projects_stalled) == (
        1,
        1,
        1,
    )
    assert (programme.indicators, programme.indicators_achieved, programme.indicators_on_track) == (3, 1, 2)
    tonglu = FigureFieldwork.objects.get(level="county", county_id=fieldwork.tonglu.pk)
    assert (tonglu.counties_covered, tonglu.projects) == (1, 2)
    people = sorted(FigurePerson.objects.values_list("county_id", "kind"))
    tonglu_code, chun_an_code = fieldwork.tonglu.pk, fieldwork.chun_an.pk
    assert people == sorted(
        [
            (tonglu_code, "officer"),
            (chun_an_code, "officer"),
            (tonglu_code, "talent"),
            (tonglu_code, "talent"),
        ]
    )


def test_a_second_refresh_counts_the_same(fieldwork):
    def counted(snapshot_id):
        row = FigureFieldwork.objects.get(level="programme", snapshot_id=snapshot_id)
        people = FigurePerson.objects.filter(snapshot_id=snapshot_id)
        return (
            row.counties_covered,
            row.visits,
            row.projects,
            sorted(people.values_list("kind", "person_id")),
        )

    first = FigureFieldwork.objects.get(level="programme").snapshot_id
    latest = figures_refresh(now=NOW).pk
    assert counted(first) == counted(latest)
    assert FigureProject.objects.filter(snapshot_id=latest).count() == 3


def test_staff_see_the_officers_figures(english, staff, fieldwork):
    english.force_login(staff)
    page = english.get(reverse("figures:dashboard")).content.decode()
    assert '<dd id="kpi-officers">2</dd>' in page
    assert '<dd id="kpi-visits">2</dd>' in page
    assert '<dd id="kpi-projects">3</dd>' in page
    assert '<dd id="kpi-on-track">66.7%</dd>' in page
    assert '<dd id="kpi-talents">2</dd>' in page
    assert 'id="table-fieldwork"' in page
    assert "村播基地" in page and "标注工坊" in page
    assert "County digital projects by status" in page


def test_a_coordinator_sees_only_their_counties_officers(english, fieldwork):
    coordinator = factories.CoordinatorAssignmentFactory(county=fieldwork.chun_an).coordinator
    english.force_login(coordinator)
    page = english.get(reverse("figures:dashboard")).content.decode()
    assert '<dd id="kpi-officers">1</dd>' in page
    assert '<dd id="kpi-projects">1</dd>' in page
    assert "标注工坊" in page
    assert "村播基地" not in page


def test_drilling_into_a_county_shows_its_projects(english, staff, fieldwork):
    english.force_login(staff)
    page = english.get(reverse("figures:dashboard"), {"county": fieldwork.tonglu.pk}).content.decode()
    assert '<dd id="kpi-visits">2</dd>' in page
    assert "村播基地" in page
    assert "标注工坊" not in page


def test_the_officers_tables_export(english, staff, fieldwork):
    english.force_login(staff)
    response = english.get(reverse("figures:export", args=["projects", "csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Key", "Project", "County"]
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title["合作社数字记账"][3] == "Handed over"
    assert by_title["合作社数字记账"][-1] == "2"
    response = english.get(reverse("figures:export", args=["fieldwork", "csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][1:4] == ["Area", "Officers", "Counties covered"]


def test_an_officer_reads_the_figures_of_their_counties_only(english, fieldwork):
    officer = Appointment.objects.get(county=fieldwork.chun_an).user
    english.force_login(officer)
    page = english.get(reverse("officers:workspace")).content.decode()
    assert 'id="officer-figures"' in page
    response = english.get(reverse("figures:dashboard"))
    assert response.status_code == 200
    assert [row["key"] for row in response.context["page"].tables[0]["rows"]] == ["33"]  # its province only
    assert '<dd id="kpi-projects">1</dd>' in response.content.decode()
    assert english.get(reverse("figures:dashboard"), {"county": fieldwork.tonglu.pk}).status_code == 404
    # Read only: a refresh is staff's.
    assert english.post(reverse("figures:refresh")).status_code == 404


def test_an_officer_whose_term_ended_sees_no_figures(english, fieldwork):
    officer = Appointment.objects.get(county=fieldwork.wanshan).user
    english.force_login(officer)
    assert english.get(reverse("figures:dashboard")).status_code == 404


def test_a_person_counts_once_in_an_area(english, staff, fieldwork):
    """An officer of two counties is one officer deployed; a successor of two projects and a
    learner of a class linked to both are one local talent each."""
    tonglu, chun_an = fieldwork.tonglu, fieldwork.chun_an
    officer = Appointment.objects.get(county=tonglu).user
    Appointment.objects.create(
        user=officer,
        county=chun_an,
        home_organisation="浙江大学",
        term_start=TODAY - DAY,
        term_end=TODAY + DAY,
    )
    l1 = fieldwork.learners[0]
    stalled = Project.objects.get(title="标注工坊")
    live = Project.objects.get(title="村播基地")
    Successor.objects.create(project=live, user=l1, role="主播")
    figures_refresh(now=NOW)
    english.force_login(staff)
    response = english.get(reverse("figures:dashboard"))
    page = response.content.decode()
    assert '<dd id="kpi-officers">2</dd>' in page  # three appointments, two people
    assert '<dd id="kpi-talents">2</dd>' in page  # l1 in two projects, l2 in one
    zhejiang = next(row for row in response.context["page"].fieldwork_tables[0]["rows"] if row["key"] == "33")
    assert (zhejiang["officers"], zhejiang["talents"]) == (2, 2)
    tonglu_page = english.get(reverse("figures:dashboard"), {"county": tonglu.pk})
    assert tonglu_page.context["page"].fieldwork["talents"] == 2
    projects = {
        row["name"]: row["talents"] for row in tonglu_page.context["page"].fieldwork_tables[1]["rows"]
    }
    assert projects == {"村播基地": 1, "合作社数字记账": 2}
    assert stalled.county_id == chun_an.pk
