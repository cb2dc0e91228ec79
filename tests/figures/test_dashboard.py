"""The dashboard page, its exports and its scoping, through HTTP."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import localize
from openpyxl import load_workbook

from counties.models import County
from courses.models import Track
from figures import charts
from figures.forms import FigureFilterForm
from figures.services import FigureScope, figures_refresh, latest_snapshot
from figures.tasks import refresh_figures
from figures.views import _Numbers
from tests import factories

URL = reverse("figures:dashboard")
SVG = "{http://www.w3.org/2000/svg}"


def export_url(table: str, fmt: str = "csv") -> str:
    return reverse("figures:export", args=[table, fmt])


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# --- who may see what ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_learner_gets_404(client, learner):
    client.force_login(learner)
    assert client.get(URL).status_code == 404
    assert client.get(export_url("areas")).status_code == 404


def test_staff_sees_the_programme(client, staff, refreshed):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["page"].headline["learners"] == 5
    assert [row["key"] for row in response.context["page"].tables[0]["rows"]] == ["33", "52"]


def test_coordinator_sees_only_their_counties(client, refreshed):
    coordinator = factories.CoordinatorAssignmentFactory(county=refreshed.wanshan).coordinator
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    headline = response.context["page"].headline
    assert (headline["learners"], headline["enrolled"], headline["completed"], headline["counties"]) == (
        2,
        1,
        0,
        1,
    )
    assert [row["key"] for row in response.context["page"].tables[0]["rows"]] == ["52"]
    courses = response.context["page"].tables[2]["rows"]
    assert [(row["name"], row["enrolled"]) for row in courses] == [("农村电商运营", 1)]
    page = response.content.decode()
    assert "桐庐县" not in page and "淳安县" not in page and "浙江省" not in page


@pytest.mark.parametrize(
    "query",
    ["?province=33", "?prefecture=3301", "?county=330122", "?county=330127&province=52", "?county=999999"],
)
def test_coordinator_cannot_drill_into_another_area(client, refreshed, query):
    coordinator = factories.CoordinatorAssignmentFactory(county=refreshed.wanshan).coordinator
    client.force_login(coordinator)
    assert client.get(URL + query).status_code == 404
    assert client.get(export_url("areas") + query).status_code == 404
    assert client.get(export_url("courses", "xlsx") + query).status_code == 404


def test_coordinator_exports_hold_only_their_counties(client, refreshed):
    coordinator = factories.CoordinatorAssignmentFactory(county=refreshed.wanshan).coordinator
    client.force_login(coordinator)
    rows = csv_rows(client.get(export_url("areas")))
    assert [row[0] for row in rows[1:]] == ["52"]
    drilled = csv_rows(client.get(export_url("areas") + "?province=52&prefecture=5206"))
    assert [row[0] for row in drilled[1:]] == ["520603"]
    gender = csv_rows(client.get(export_url("gender")))
    assert sum(int(row[4]) for row in gender[1:]) == 1  # enrolments (after key, name, learners, trained)


def test_coordinator_drills_into_their_own_county(client, refreshed):
    coordinator = factories.CoordinatorAssignmentFactory(county=refreshed.wanshan).coordinator
    client.force_login(coordinator)
    response = client.get(URL + "?county=520603")
    assert response.status_code == 200
    assert response.context["page"].headline["learners"] == 2


def test_workspace_and_navigation_link_to_the_dashboard(client, staff, refreshed):
    coordinator = factories.CoordinatorAssignmentFactory(county=refreshed.wanshan).coordinator
    client.force_login(coordinator)
    assert f'href="{URL}"' in client.get(reverse("coordinator:coordinator_home")).content.decode()
    client.force_login(staff)
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()


# --- the page -------------------------------------------------------------------------------------


def test_drill_down_links_carry_the_filters(english, staff, refreshed):
    english.force_login(staff)
    track = refreshed.course_a.track.pk
    response = english.get(URL + f"?track={track}")
    zhejiang = next(row for row in response.context["page"].tables[0]["rows"] if row["key"] == "33")
    assert f"track={track}" in zhejiang["href"] and "province=33" in zhejiang["href"]
    drilled = english.get(URL + zhejiang["href"])
    hangzhou = drilled.context["page"].tables[0]["rows"][0]
    assert hangzhou["key"] == "3301" and "prefecture=3301" in hangzhou["href"]
    in_hangzhou = english.get(URL + hangzhou["href"]).context
    assert [row["key"] for row in in_hangzhou["page"].tables[0]["rows"]] == ["330122", "330127"]
    assert [name for name, _href in in_hangzhou["crumbs"]] == [
        "Programme",
        "浙江省",
        "杭州市",
    ]


def test_tables_sort_from_the_url(client, staff, refreshed):
    client.force_login(staff)
    rows = client.get(URL + "?sort_areas=-enrolled").context["page"].tables[0]["rows"]
    assert [row["key"] for row in rows] == ["33", "52"]
    rows = client.get(URL + "?sort_areas=enrolled").context["page"].tables[0]["rows"]
    assert [row["key"] for row in rows] == ["52", "33"]
    rows = client.get(URL + "?sort_areas=nonsense").context["page"].tables[0]["rows"]
    assert [row["key"] for row in rows] == ["33", "52"]


def test_page_states_how_fresh_the_figures_are(english, staff, refreshed):
    english.force_login(staff)
    page = english.get(URL).content.decode()
    assert "Figures as of" in page and "refreshed every 15 minutes" in page


def test_a_bad_date_is_shown_next_to_the_field_and_ignored(english, staff, refreshed):
    english.force_login(staff)
    response = english.get(URL + "?date_from=2026-05-01&date_to=2026-01-01")
    assert response.status_code == 200
    assert "date_to" in response.context["form"].errors
    assert response.context["page"].headline["enrolled"] == 5


def test_without_a_snapshot_staff_can_refresh_now(client, staff, programme):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["figures"] is None
    assert reverse("figures:refresh") in response.content.decode()
    assert client.post(reverse("figures:refresh")).status_code == 302
    assert latest_snapshot() is not None
    assert client.get(URL).context["page"].headline["learners"] == 5


def test_a_coordinator_cannot_refresh(client, refreshed):
    coordinator = factories.CoordinatorAssignmentFactory(county=refreshed.wanshan).coordinator
    client.force_login(coordinator)
    assert client.post(reverse("figures:refresh")).status_code == 404


def test_charts_are_valid_svg_with_a_title_and_description(client, staff, refreshed):
    client.force_login(staff)
    page = client.get(URL).content.decode()
    assert page.count('<svg class="chart"') == 5  # funnel, weekly, areas, target, projects by status
    for chart in page.split('<svg class="chart"')[1:]:
        svg = ET.fromstring('<svg class="chart"' + chart.split("</svg>")[0] + "</svg>")  # noqa: S314 - our own SVG
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert svg.find(f"{SVG}title").get("id") == title_id and svg.find(f"{SVG}title").text
        assert svg.find(f"{SVG}desc").get("id") == desc_id


def test_chart_text_is_escaped():
    svg = charts.bar_chart(title="<b>", desc="a & b", items=[("<script>", 3), ("二", 1)])
    root = ET.fromstring(str(svg))  # noqa: S314 - our own SVG
    assert root.find(f"{SVG}title").text == "<b>"
    assert "<script>" not in str(svg)
    line = charts.line_chart(title="t", desc="d", labels=[], series=[("a", [])])
    ET.fromstring(str(line))  # noqa: S314 - our own SVG


def test_filter_selects_render_as_djangos_select(refreshed):
    for data in ({}, {"province": "33", "track": "999"}, {"province": "nowhere"}):
        form = FigureFilterForm(data, scope=FigureScope(county_codes=None))
        form.is_valid()
        for name in ("track", "province"):
            djangos = form[name].as_widget(widget=forms.Select(choices=form.fields[name].choices))
            assert _spaces(str(form[name])) == _spaces(str(djangos))


def _spaces(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_table_numbers_read_as_the_templates_would_write_them(language):
    with translation.override(language):
        numbers = _Numbers()
        for value in (0, 7, 999, 1000, 123456, 200000, 12345678):
            assert numbers.number(value) == intcomma(value)
        for value in (0.0, 33.3, 100.0, 1234.5):
            assert numbers.percent(value) == f"{localize(value)}%"


# --- what is cached and what is read afresh ------------------------------------------------------


def _areas_table(response) -> str:
    page = response.content.decode()
    return page[page.index('id="table-areas"') :].split("</section>")[0]


def _cube_queries(queries: CaptureQueriesContext) -> list[str]:
    cubes = re.compile(r"enrollment_figure(activity|demographic|learners|placement|countyreach)")
    return [query["sql"] for query in queries.captured_queries if cubes.search(query["sql"])]


def test_numbers_are_counted_once_per_snapshot_scope_and_filters(english, staff, refreshed):
    english.force_login(staff)
    english.get(URL)
    for other_view in ("?sort_areas=-enrolled", "?page_courses=2"):
        with CaptureQueriesContext(connection) as queries:
            assert english.get(URL + other_view).status_code == 200
        assert not _cube_queries(queries)
    english.cookies["django_language"] = "zh-hans"
    with CaptureQueriesContext(connection) as queries:
        english.get(URL)
    assert not _cube_queries(queries)


def test_each_language_and_sort_gets_its_own_page(client, staff, refreshed):
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    assert "At a glance" in client.get(URL).content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "At a glance" not in client.get(URL).content.decode()
    ascending = _areas_table(client.get(URL + "?sort_areas=name"))
    descending = _areas_table(client.get(URL + "?sort_areas=-name"))
    assert ascending.index(">浙江省<") < ascending.index(">贵州省<")
    assert descending.index(">贵州省<") < descending.index(">浙江省<")


def test_a_track_renamed_shows_at_once(client, staff, refreshed):
    client.force_login(staff)
    assert "电商" in client.get(URL).content.decode()
    Track.objects.filter(pk=refreshed.course_a.track_id).update(name="直播电商")  # no signal, no save()
    page = client.get(URL).content.decode()
    assert ">直播电商</option>" in page  # the filter
    assert ">直播电商<" in page[page.index('id="table-tracks"') :]  # the breakdown by track


def test_coordinators_of_the_same_counties_share_the_figures_not_the_page(client, refreshed):
    first, second = (
        factories.CoordinatorAssignmentFactory(county=refreshed.wanshan).coordinator for _ in "ab"
    )
    client.force_login(first)
    client.get(URL)
    client.force_login(second)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(URL).content.decode()
    assert not _cube_queries(queries)
    assert 'id="kpi-learners">2<' in page


# --- exports --------------------------------------------------------------------------------------


def test_export_csv_and_xlsx_with_the_filters(client, staff, refreshed):
    client.force_login(staff)
    rows = csv_rows(client.get(export_url("areas") + "?province=33&prefecture=3301&sort_areas=-completed"))
    assert [row[0] for row in rows[1:]] == ["330122", "330127"]
    response = client.get(export_url("courses", "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert len(values) == 3  # header + two courses
    assert client.get(export_url("nonsense")).status_code == 404
    assert client.get(export_url("areas", "pdf")).status_code == 404


def test_exports_neutralise_formulas(client, staff, refreshed):
    refreshed.course_a.title = '=HYPERLINK("http://evil")'
    refreshed.course_a.save()
    client.force_login(staff)
    rows = csv_rows(client.get(export_url("courses")))
    assert any(row[1].startswith("'=HYPERLINK") for row in rows[1:])


# --- query counts -----------------------------------------------------------------------------


def _programme_of(size: int):
    """``size`` counties of one prefecture, each with a learner enrolled in its own course."""
    prefecture = factories.PrefectureFactory(code="3302", name="宁波市")
    for n in range(size):
        county = factories.CountyFactory(code=f"3302{n:02d}", prefecture=prefecture)
        learner = factories.LearnerProfileFactory(county=county).user
        factories.EnrollmentFactory(learner=learner, course=factories.CourseFactory(), county=county)
    figures_refresh()


@pytest.mark.parametrize("size", [1, 50])
@pytest.mark.parametrize(
    ("who", "query", "first", "again"),
    [("staff", "", 26, 4), ("staff", "?province=33&prefecture=3302", 29, 7), ("coordinator", "", 27, 5)],
)
def test_query_count_does_not_grow_with_the_data(db, client, settings, size, who, query, first, again):
    """``first``: the numbers computed from the cubes; ``again``: the numbers and the page's
    fragment from the cache, the names and the filters read afresh."""
    _programme_of(size)
    if who == "staff":
        user = factories.StaffFactory()
    else:
        user = factories.UserFactory()
        for county in County.objects.filter(code__startswith="3302"):
            factories.CoordinatorAssignmentFactory(coordinator=user, county=county)
    client.force_login(user)
    for expected in (first, again):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL + query)
        assert response.status_code == 200
        assert len(queries) == expected, "\n".join(q["sql"] for q in queries.captured_queries)
    assert f'id="kpi-enrolled">{size}<' in response.content.decode()


# --- the task and the command -------------------------------------------------------------------


def test_task_and_command_refresh_the_figures(refreshed):
    before = latest_snapshot()
    refresh_figures.delay()
    assert latest_snapshot() != before
    out = io.StringIO()
    call_command("refresh_figures", stdout=out)
    assert "Figures refreshed as of" in out.getvalue()
