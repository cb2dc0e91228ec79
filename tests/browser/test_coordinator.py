"""The demo coordinator's day on a 360 px phone: create a class, import the school's GBK CSV,
take attendance, export the roster."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from counties.models import Attendance, Cohort
from courses.models import Course
from enrollment.models import Enrollment
from tests.browser.conftest import snap

pytestmark = pytest.mark.browser

STUDENTS_GBK = (
    "姓名,手机,邮箱,学校,性别,出生年份\n"
    "张晓,13800138001,zhangxiao@example.com,桐庐职校,女,2006\n"
    "王强,13800138002,,桐庐职校,男,2005\n"
    "刘洋,13800138003,liuyang@example.com,桐庐职校,男,2006\n"
).encode("gbk")


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", allow_production=True, stdout=StringIO())


def test_coordinator_creates_a_class_imports_takes_attendance_and_exports(
    demo, page_360, live_server, artifact_dir
):
    page = page_360
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill("coordinator@example.com")
    page.locator("input[name=password]").fill("TalentDemo-2026")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{base}/")
    page.locator('a[href="/counties/coordinator/"]').first.click()
    page.wait_for_url(f"{base}/counties/coordinator/")
    snap(page, artifact_dir / "coordinator-home-360.png")

    # Create a class.
    page.locator('a[href="/counties/coordinator/cohorts/new/"]').first.click()
    today = timezone.localdate()
    page.locator("input[name=name]").fill("桐庐职校 直播带货 二班")
    page.locator("select[name=course]").select_option(
        str(Course.objects.get(slug="rural-ecommerce-operations").pk)
    )
    page.locator("input[name=start_date]").fill(today.isoformat())
    page.locator("input[name=end_date]").fill((today + datetime.timedelta(days=45)).isoformat())
    page.locator("input[name=capacity]").fill("40")
    page.locator("select[name=status]").select_option("open")
    snap(page, artifact_dir / "coordinator-new-class-360.png")
    page.locator("button[name=save]").click()
    cohort = Cohort.objects.get(name="桐庐职校 直播带货 二班")
    page.wait_for_url(f"{base}/counties/coordinator/cohorts/{cohort.pk}/")
    assert cohort.join_code in page.locator("#join-code").inner_text()

    # Import the school's list, saved by Excel as GBK CSV: dry run, then commit.
    page.goto(f"{base}/counties/coordinator/cohorts/{cohort.pk}/import/")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "学生名单.csv", "mimeType": "text/csv", "buffer": STUDENTS_GBK}]
    )
    page.locator("button[name=check]").click()
    page.wait_for_selector("button[name=commit]")
    assert page.locator("tr.outcome-new").count() == 3
    snap(page, artifact_dir / "coordinator-import-preview-360.png")
    page.locator("button[name=commit]").click()
    page.wait_for_selector("#import-done")
    assert Enrollment.objects.filter(cohort=cohort, status="active").count() == 3

    # Schedule today's class and take the roll: everyone present but one.
    page.goto(f"{base}/counties/coordinator/cohorts/{cohort.pk}/sessions/new/")
    page.locator("input[name=date]").fill(today.isoformat())
    page.locator("input[name=start_time]").fill("14:00")
    page.locator("input[name=place]").fill("县职校电商实训室")
    page.locator("button[type=submit]").last.click()
    page.wait_for_url(f"{base}/counties/coordinator/cohorts/{cohort.pk}/sessions/")
    page.locator("a[href$='/roll-call/']").first.click()
    absent = Enrollment.objects.get(cohort=cohort, learner__name="王强").learner
    page.locator(f"input[name=learner_{absent.pk}][value=absent]").check()
    snap(page, artifact_dir / "coordinator-roll-call-360.png")
    page.locator("button[name=save]").click()
    page.wait_for_url(f"{base}/counties/coordinator/cohorts/{cohort.pk}/sessions/")
    statuses = dict(Attendance.objects.values_list("learner__name", "status"))
    assert statuses == {"张晓": "present", "王强": "absent", "刘洋": "present"}

    # The roster, then its CSV export.
    page.goto(f"{base}/counties/coordinator/cohorts/{cohort.pk}/roster/")
    assert page.locator("table.roster tbody tr").count() == 3
    snap(page, artifact_dir / "coordinator-roster-360.png")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert all(name in text for name in ("张晓", "王强", "刘洋"))
    assert "13800138002" in text
