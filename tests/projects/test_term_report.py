"""The officer's term report: visits within the term (count, hours, townships), needs surveys,
projects by status, indicators achieved and on track, local talents trained; as a page and as a
PDF with the same figures."""

from __future__ import annotations

import pypdfium2
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from counties.models import Township
from enrollment.models import Enrollment
from officers.models import Survey, SurveyResponse, Visit
from projects.models import Project, Successor
from projects.selectors import term_report
from tests import factories

from .conftest import add_indicator, appoint, days, make_project


@pytest.fixture
def term(county, other_county, learner):
    """An officer's term (60 days ago to 150 days ahead) with what they did, and what falls
    outside it: a visit before the term, one in another county, another officer's project."""
    officer = factories.UserFactory(name="陈志远")
    appointment = appoint(officer, county, home_organisation="浙江大学计算机学院")
    fenshui = Township.objects.create(code="330122100", name="分水镇", county=county)
    jiangnan = Township.objects.create(code="330122101", name="江南镇", county=county)
    for when, township, village, minutes in [
        (days(-50), fenshui, "里湖村", 90),
        (days(-20), fenshui, "里湖村", 60),
        (days(-5), jiangnan, "环溪村", 30),
    ]:
        Visit.objects.create(
            officer=officer,
            county=county,
            visited_on=when,
            township=township,
            village=village,
            minutes_spent=minutes,
        )
    Visit.objects.create(officer=officer, county=county, visited_on=days(-90), minutes_spent=600)
    Visit.objects.create(officer=officer, county=other_county, visited_on=days(-5), minutes_spent=600)
    survey = Survey.objects.create(title="需求调查")
    for name in ("合作社", "村委会"):
        SurveyResponse.objects.create(
            survey=survey, officer=officer, county=county, organisation_name=name, organisation_kind="village"
        )

    live = make_project(county, officer, title="直播基地")
    add_indicator(live, target=10, actuals=[(days(-30), days(0), 12)])  # achieved
    add_indicator(live, name="主播人数", target=10, actuals=[(days(-30), days(0), 6)])  # on track
    add_indicator(live, name="订单数", target=100, actuals=[(days(-30), days(0), 10)])  # behind
    books = make_project(county, officer, title="数字记账")
    Successor.objects.create(project=books, user=learner, role="记账员")
    Project.objects.filter(pk=books.pk).update(status=Project.Status.HANDED_OVER)
    cohort = factories.CohortFactory(county=county)
    books.cohorts.add(cohort)
    for status in (Enrollment.Status.COMPLETED, Enrollment.Status.COMPLETED, Enrollment.Status.ACTIVE):
        factories.EnrollmentFactory(
            cohort=cohort,
            course=cohort.course,
            county=county,
            status=status,
            completed_at=timezone.now() if status == Enrollment.Status.COMPLETED else None,
        )
    # The successor also completed the cohort: counted once.
    factories.EnrollmentFactory(
        learner=learner,
        cohort=cohort,
        course=cohort.course,
        county=county,
        status=Enrollment.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    make_project(county, factories.UserFactory(), title="别人的项目")
    return appointment


def test_the_report_counts_what_the_officer_did_within_the_term(term):
    report = term_report(term)
    assert (report.visits, report.hours, report.villages) == (3, 3, 2)
    assert report.townships == ["分水镇", "江南镇"]
    assert report.surveys == 2
    assert {value: count for value, _label, count in report.by_status} == {
        "planned": 0,
        "running": 1,
        "handed_over": 1,
        "ended": 0,
        "stalled": 0,
    }
    assert (report.indicators, report.achieved, report.on_track) == (3, 1, 2)
    assert report.talents == 3  # the successor (who also completed) and two other completers
    books = Project.objects.get(title="数字记账")
    assert report.talents_by_project[books.pk] == 3


def test_the_page_shows_the_figures(client, term):
    client.force_login(term.user)
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        page = client.get(reverse("projects:term_report", args=[term.pk])).content.decode()
    assert '<dd data-figure="visits">3</dd>' in page
    assert '<dd data-figure="surveys">2</dd>' in page
    assert '<dd data-figure="achieved">1/3</dd>' in page
    assert '<dd data-figure="on_track">2/3</dd>' in page
    assert '<dd data-figure="talents">3</dd>' in page
    assert 'data-status="handed_over" data-count="1"' in page
    assert "分水镇、江南镇" in page


def test_the_pdf_holds_the_same_figures_in_chinese(client, term):
    client.force_login(term.user)
    response = client.get(reverse("projects:term_report_pdf", args=[term.pk]))
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    assert b"/FontFile2" in data
    text = pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range()
    assert "陈志远" in text and "浙江大学计算机学院" in text
    assert "分水镇、江南镇" in text
    compact = text.replace(" ", "")
    report = term_report(term)
    assert str(report.visits) in compact and "直播基地" in text and "数字记账" in text


def test_the_pdf_in_english(client, term, settings):
    client.force_login(term.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = client.get(reverse("projects:term_report_pdf", args=[term.pk])).content
    text = pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range()
    assert "3 visits, 3.0 hours, 2 villages" in text
    assert "1 of 3 achieved, 2 on track" in text
    assert "3 people" in text
