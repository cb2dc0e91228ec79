"""Exports are files whatever the data holds: class names that sheet titles forbid, cells longer
than a spreadsheet holds, control characters; formulas stay neutralised (talentportal.spreadsheets,
through the roster and the figures exports)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from counties.models import LearnerProfile
from courses.models import Course
from figures.services import figures_refresh
from talentportal import spreadsheets
from talentportal.spreadsheets import MAX_CELL_CHARS, csv_bytes, xlsx_bytes
from tests import factories

# The exported fields are shorter than a cell holds (32,767): the pages' tests lower the limit
# below what the database keeps (PostgreSQL enforces the fields' lengths).
CELL_LIMIT = 60
LONG = "长" * 100
# The marker at the end of a cut cell, in the portal's default language (the requests below are in it).
CUT = "（已截断：超出表格单元格的容量）"


@pytest.fixture
def cell_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_CELL_CHARS", CELL_LIMIT)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def roster(county, coordinator):
    """A cohort named as coordinators name them ("2026/春季班"), with a learner whose school is
    longer than a cell holds (see CELL_LIMIT) and whose name hides a control character before a
    formula."""
    cohort = factories.CohortFactory(county=county, name="2026/春季班 [一]: A*B?\\C")
    learner = factories.LearnerProfileFactory(county=county).user
    User.objects.filter(pk=learner.pk).update(name='\x01=HYPERLINK("http://evil")')
    LearnerProfile.objects.filter(user=learner).update(school=LONG)
    factories.EnrollmentFactory(learner=learner, course=cohort.course, cohort=cohort, county=county)
    return cohort


@pytest.mark.usefixtures("cell_limit")
def test_roster_xlsx_of_a_class_named_with_forbidden_characters(client, coordinator, roster):
    client.force_login(coordinator)
    response = client.get(reverse("coordinator:roster_export", args=[roster.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = xlsx_sheet(response)
    assert sheet.title.startswith("2026-春季班")
    assert not set(sheet.title) & set("/\\?*[]:")
    assert len(sheet.title) <= 31
    disposition = response["Content-Disposition"]
    assert "2026-%E6%98%A5%E5%AD%A3%E7%8F%AD" in disposition and "%2F" not in disposition
    name, _mobile, _email, school, *_rest = next(sheet.iter_rows(min_row=2, values_only=True))
    # The control character is dropped, and the formula it hid stays text.
    assert name == '\'=HYPERLINK("http://evil")'
    assert len(school) == CELL_LIMIT
    assert school.startswith("长长长") and school.endswith(CUT)


@pytest.mark.usefixtures("cell_limit")
def test_roster_csv_with_a_cell_longer_than_a_spreadsheet_holds(client, coordinator, roster):
    client.force_login(coordinator)
    response = client.get(reverse("coordinator:roster_export", args=[roster.pk, "csv"]))
    assert response.status_code == 200
    [_headers, row] = csv_rows(response)
    assert row[0] == '\'=HYPERLINK("http://evil")'
    assert len(row[3]) == CELL_LIMIT
    assert row[3].startswith("长长长") and row[3].endswith(CUT)


@pytest.fixture
def course_figures(county):
    """A course whose title is longer than a cell holds (see CELL_LIMIT) and hides a control
    character before a formula, with a learner in it, in the figures."""
    course = factories.CourseFactory(title="x")
    Course.objects.filter(pk=course.pk).update(title="\x02=1+1" + LONG)
    learner = factories.LearnerProfileFactory(county=county).user
    factories.EnrollmentFactory(learner=learner, course=course, county=county)
    figures_refresh()
    return course


@pytest.mark.usefixtures("cell_limit")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_figures_export_of_a_course_with_a_long_title(client, staff, course_figures, fmt):
    client.force_login(staff)
    response = client.get(reverse("figures:export", args=["courses", fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        title = csv_rows(response)[1][1]
    else:
        title = next(xlsx_sheet(response).iter_rows(min_row=2, values_only=True))[1]
    assert title.startswith("'=1+1长")  # the control character dropped, the formula neutralised
    assert len(title) == CELL_LIMIT
    assert title.endswith(CUT)


def test_a_cell_is_cut_at_excels_limit_with_a_marker():
    # Longer than a cell holds and than Python's csv reader takes (131,072).
    huge = "长" * 140_000
    cell = load_workbook(io.BytesIO(xlsx_bytes(["a"], [[huge]]))).active.cell(row=2, column=1).value
    [_header, [text]] = csv.reader(io.StringIO(csv_bytes(["a"], [[huge]]).decode("utf-8-sig")))
    for value in (cell, text):
        assert len(value) == MAX_CELL_CHARS
        assert value.startswith("长长长") and value.endswith(CUT)


def test_a_moment_from_the_database_is_written_in_the_portals_time_zone():
    """A UTC moment (as the database returns it) is written as Beijing wall-clock time, in CSV and
    in XLSX: 16:30 UTC is half past midnight the next day in 县城."""
    moment = datetime.datetime(2026, 12, 2, 16, 30, tzinfo=datetime.UTC)

    text = csv_bytes(["at"], [[moment]]).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["at"], [[moment]]))).active

    assert text.splitlines()[1] == "2026-12-03 00:30"
    assert sheet.cell(row=2, column=1).value == datetime.datetime(2026, 12, 3, 0, 30)
