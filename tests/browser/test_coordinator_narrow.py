"""A coordinator's tables on a 360 px phone, in Chinese (issue 14, items 5, 6 and 9): the columns
that matter (a learner's status and the approve button, an import row's outcome) are on the
screen, the page never scrolls sideways, the roster's bulk approval works with a tap on "all",
and editing a class keeps its dates."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from coordinator.imports import import_job_check, import_job_start
from counties.models import Cohort, PlacementOutcome
from enrollment.models import Enrollment
from tests import factories
from tests.browser.conftest import snap
from tests.coordinator.conftest import upload

pytestmark = pytest.mark.browser

WIDTH = 360
STUDENTS = (
    "姓名,手机,邮箱,学校,性别,出生年份\n"
    "欧阳晓明,13800138001,ouyang.xiaoming@example.com,桐庐县职业技术学校电子商务专业,女,2006\n"
    "王强,13800138002,,桐庐县职业技术学校,男,2005\n"
    "刘洋,1380013,liuyang@example,桐庐县职业技术学校,男,1890\n"
).encode()


@pytest.fixture
def workspace(transactional_db, settings_media):
    county = factories.CountyFactory(code="330122", name="桐庐县")
    coordinator = factories.CoordinatorAssignmentFactory(county=county).coordinator
    cohort = factories.CohortFactory(
        county=county,
        course=factories.course_with_lessons(),
        name="桐庐职校 2026 春季 直播带货与农村电商运营 一班",
        requires_approval=True,
        capacity=60,
    )
    for index in range(3):
        learner = factories.LearnerProfileFactory(
            county=county, school="桐庐县职业技术学校电子商务专业", user__name=f"欧阳晓明{index}"
        ).user
        learner.mobile = f"1380013800{index}"
        learner.save(update_fields=["mobile"])
        factories.EnrollmentFactory(
            learner=learner, course=cohort.course, cohort=cohort, county=county, status="applied"
        )
    completed = factories.EnrollmentFactory(
        course=cohort.course, cohort=cohort, county=county, status="completed", completed_at=timezone.now()
    )
    PlacementOutcome.objects.create(
        learner=completed.learner,
        county=county,
        cohort=cohort,
        course=cohort.course,
        outcome="employed",
        employer="杭州某某电子商务有限公司桐庐分公司",
        role="直播运营助理",
        wage_band="4000_5999",
        outcome_date=timezone.localdate(),
    )
    factories.ClassSessionFactory(cohort=cohort, place="桐庐县职业技术学校实训楼三楼电商直播实训室")
    job = import_job_start(
        cohort=cohort,
        upload=upload(STUDENTS, "学生名单.csv"),
        created_by=coordinator,
        site_url="http://testserver/",
    )
    import_job_check(job_id=job.pk)
    return {"coordinator": coordinator, "cohort": cohort, "job": job, "county": county}


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(page, user, base: str) -> None:
    """The browser carries a session of ``user`` (signing in through the form is another test's)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


def right_edge(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, "not displayed"
    return box["x"] + box["width"]


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def test_the_coordinators_tables_fit_a_phone(workspace, page_360, live_server, artifact_dir):
    page, base = page_360, live_server.url
    cohort = workspace["cohort"]
    signed_in(page, workspace["coordinator"], base)
    classes = f"{base}/counties/coordinator/cohorts/{cohort.pk}/"

    # The roster: every row's status and approve button on the screen.
    page.goto(f"{classes}roster/")
    rows = page.locator("table.roster tbody tr")
    assert rows.count() == 4
    no_sideways_scroll(page)
    for index in range(rows.count()):
        assert right_edge(rows.nth(index).locator("td.status")) <= WIDTH
    approve = page.locator("button[name=approve]")
    assert approve.count() == 3
    for index in range(approve.count()):
        assert right_edge(approve.nth(index)) <= WIDTH
    snap(page, artifact_dir / "coordinator-roster-stacked-360.png")

    # Approve every request at once: "all" ticks the rows (the script), then one submit.
    page.locator("#id_everyone").check()
    assert page.locator("input[name=enrollment]:checked").count() == 4
    page.locator("select[name=action]").select_option("approve")
    page.locator("button[name=bulk]").click()
    page.wait_for_url(f"{classes}roster/")
    assert set(Enrollment.objects.filter(cohort=cohort).values_list("status", flat=True)) == {
        "active",
        "completed",
    }
    assert page.locator("button[name=approve]").count() == 0

    # The import preview: every row's outcome on the screen.
    page.goto(f"{classes}import/{workspace['job'].pk}/")
    outcomes = page.locator("table.import-rows tbody td.outcome")
    assert outcomes.count() == 3
    no_sideways_scroll(page)
    for index in range(outcomes.count()):
        assert right_edge(outcomes.nth(index)) <= WIDTH
    snap(page, artifact_dir / "coordinator-import-preview-stacked-360.png")

    # The classes and the placements.
    for url in (f"{classes}sessions/", f"{classes}placements/"):
        page.goto(url)
        no_sideways_scroll(page)
    page.goto(f"{base}/counties/coordinator/counties/{workspace['county'].code}/placements/")
    no_sideways_scroll(page)
    assert right_edge(page.locator("table.stack tbody td").last) <= WIDTH
    snap(page, artifact_dir / "coordinator-county-placements-360.png")


def test_editing_a_class_in_chinese_keeps_its_dates(workspace, page_360, live_server, artifact_dir):
    page, base = page_360, live_server.url
    cohort = workspace["cohort"]
    start, end = cohort.start_date, cohort.end_date
    signed_in(page, workspace["coordinator"], base)
    page.goto(f"{base}/counties/coordinator/cohorts/{cohort.pk}/edit/")
    assert page.locator("input[name=start_date]").input_value() == start.isoformat()
    assert page.locator("input[name=end_date]").input_value() == end.isoformat()
    snap(page, artifact_dir / "coordinator-edit-class-360.png")
    page.locator("input[name=capacity]").fill("50")
    page.locator("button[name=save]").click()
    page.wait_for_url(f"{base}/counties/coordinator/cohorts/{cohort.pk}/")
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert (cohort.capacity, cohort.start_date, cohort.end_date) == (50, start, end)
    assert end - start == datetime.timedelta(days=90)
