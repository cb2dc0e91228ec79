"""An officer on a 360 px phone without JavaScript creates a project, adds an indicator and a
period, and sees the indicator's bar on the project page; the project page, the county's list and
the term report never scroll sideways. In English: the projects' strings are new and not yet in
the Chinese catalogue."""

from __future__ import annotations

import pytest
from django.utils import timezone

from projects.models import Indicator, Project
from tests import factories
from tests.browser.conftest import artifact_dir, signed_in_phone, snap  # noqa: F401

from .conftest import appoint

pytestmark = pytest.mark.browser

WIDTH = 360


def test_an_officer_runs_a_project_on_a_phone_without_javascript(
    _chromium,
    live_server,
    transactional_db,
    artifact_dir,  # noqa: F811
):
    county = factories.CountyFactory(code="330122", name="桐庐县")
    officer = factories.UserFactory(name="陈志远")
    appointment = appoint(officer, county)
    today = timezone.localdate()
    base = live_server.url
    context, page = signed_in_phone(_chromium, base, officer, javascript=False)
    try:
        page.goto(f"{base}/projects/counties/{county.code}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        page.click("#new-project")
        page.fill("#id_title", "村级直播带货基地")
        page.fill("#id_partner_name", "分水镇茶叶专业合作社")
        page.select_option("#id_partner_kind", "cooperative")
        page.fill("#id_start_date", (today.replace(day=1)).isoformat())
        page.fill("#id_end_date", today.replace(year=today.year + 1).isoformat())
        page.select_option("#id_status", "running")
        page.click("#project-form button[type=submit]")
        project = Project.objects.get(title="村级直播带货基地")
        assert page.url.endswith(f"/projects/{project.pk}/")

        page.click(f"a[href='/projects/{project.pk}/indicators/new/']")
        page.fill("#id_name", "网店月销售额")
        page.fill("#id_unit", "万元")
        page.fill("#id_baseline", "0")
        page.fill("#id_target", "20")
        page.click("#add-form button[type=submit]")
        indicator = Indicator.objects.get(project=project)
        page.click(f"a[href='/projects/indicators/{indicator.pk}/periods/new/']")
        page.fill("#id_period_start", today.replace(day=1).isoformat())
        page.fill("#id_period_end", today.isoformat())
        page.fill("#id_actual", "20")
        page.click("#add-form button[type=submit]")

        section = page.locator(f"[data-indicator='{indicator.pk}']")
        assert section.get_attribute("data-achieved") == "1"
        bar = section.locator("svg.indicator-bar").bounding_box()
        assert 0 < bar["width"] <= WIDTH
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "projects-detail-360.png")

        page.goto(f"{base}/projects/terms/{appointment.pk}/")
        assert page.locator("[data-figure='achieved']").inner_text() == "1/1"
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "projects-term-report-360.png")
    finally:
        context.close()
