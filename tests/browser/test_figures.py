"""Programme staff open the figures on a phone and on a desktop, and drill into a province."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import snap
from tests.figures.conftest import _target_and_media, programme, refreshed  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_session(refreshed):  # noqa: F811 - the imported fixture
    return factories.StaffFactory(email="figures-staff@example.com")


@pytest.mark.parametrize("width", [360, 1280])
def test_staff_opens_the_dashboard_and_drills_into_a_province(
    staff_session, request, width, live_server, artifact_dir
):
    page = request.getfixturevalue(f"page_{width}")
    base = live_server.url
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill("figures-staff@example.com")
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{base}/")
    page.locator('nav a[href="/figures/"]').click()
    page.wait_for_url(f"{base}/figures/")
    assert page.locator("#kpi-learners").inner_text() == "5"
    assert page.locator("svg.chart[role=img]").count() == 5
    # Nothing wider than the screen but the tables, which scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    snap(page, artifact_dir / f"figures-dashboard-{width}.png")

    page.locator("#table-areas tbody a", has_text="浙江省").click()
    page.wait_for_url("**/figures/?*province=33*")
    assert page.locator("#kpi-learners").inner_text() == "3"
    assert page.locator("#table-areas tbody th").first.inner_text().startswith("杭州市")
    page.locator("#table-areas tbody a", has_text="杭州市").click()
    page.wait_for_url("**prefecture=3301*")
    assert page.locator("#table-areas tbody th").count() == 2
    snap(page, artifact_dir / f"figures-drilled-{width}.png")
