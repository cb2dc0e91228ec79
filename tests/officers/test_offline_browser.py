"""An officer on a 360 px phone keeps the survey pages for offline use; with no signal and the
browser closed (a fresh page opened cold, the context offline) the survey opens from the phone's
copy with the "offline" banner, a response filled in there is kept on the phone, and it is sent
and recorded once the connection is back; so is a visit logged on the kept visit form, and one the
server refuses shows why and opens again to correct. Another officer signed in on the same phone
is served nothing of the first one's copy, and signing out deletes it.

In English: the offline strings are new, and the Chinese page guard would read them as
untranslated until the catalogue has them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from officers.models import Survey, SurveyQuestion, SurveyResponse, Visit
from tests import factories
from tests.browser.conftest import PageGuard, artifact_dir, signed_in_phone, snap  # noqa: F401

from .conftest import appoint

pytestmark = pytest.mark.browser

WIDTH = 360


def _scene():
    county = factories.CountyFactory(code="330122", name="桐庐县")
    officer = factories.UserFactory(name="陈志远")
    appoint(officer, county)
    survey = Survey.objects.create(title="乡村数字化需求调查", county=county)
    need = survey.questions.create(
        order=1, kind=SurveyQuestion.Kind.SINGLE, text="最需要的数字服务", choices="直播带货\n数字记账"
    )
    return county, officer, survey, need


def _keep(page, base: str) -> None:
    page.goto(base + reverse("officers:workspace"))
    page.locator("#offline-keep-button").click()
    page.locator('#officers-offline[data-state="saved"]').wait_for()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def _cold(context, url: str):
    """A page opened cold: a new tab navigating straight to ``url`` (nothing of the old tab)."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.guard = PageGuard(page, chinese=False)
    page.goto(url)
    return page


def test_a_survey_kept_for_offline_opens_cold_without_signal_and_its_response_is_sent_later(
    _chromium,
    live_server,
    transactional_db,
    artifact_dir,  # noqa: F811
):
    county, officer, survey, need = _scene()
    base = live_server.url
    survey_url = base + reverse("officers:survey_respond", args=[survey.pk])
    context, page = signed_in_phone(_chromium, base, officer)
    try:
        _keep(page, base)
        assert "Kept on this phone on" in page.inner_text("#offline-keep-state")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "officers-keep-offline-360.png")
        page.close()  # the browser is closed

        context.set_offline(True)
        cold = _cold(context, survey_url)
        assert cold.inner_text("h1") == survey.title
        banner = cold.locator("#offline-banner")
        banner.wait_for(state="visible")
        assert "Offline: this page is the copy kept on this phone on" in banner.inner_text()
        assert cold.evaluate("document.documentElement.scrollWidth") <= WIDTH
        # The page's own scripts and styles came from the copy too.
        assert (
            cold.evaluate("getComputedStyle(document.getElementById('offline-banner')).borderLeftStyle")
            == "solid"
        )

        cold.fill("#id_organisation_name", "分水镇茶叶专业合作社")
        cold.select_option("#id_organisation_kind", "cooperative")
        cold.check(f"input[name=q{need.pk}][value=直播带货]")
        cold.click("#survey-form button[type=submit]")
        state = cold.locator("#sync-state")
        state.wait_for(state="visible")
        assert "Not sent: 1" in state.inner_text()
        assert SurveyResponse.objects.count() == 0
        snap(cold, artifact_dir / "officers-survey-cold-offline-360.png")

        # A page not kept says so, from the worker.
        other = _cold(context, base + reverse("officers:county_responses", args=[county.code]))
        assert other.inner_text("h1") == "You are offline"
        other.close()

        context.set_offline(False)
        cold.locator("#sync-state.sent").wait_for()
        response = SurveyResponse.objects.get()
        assert (response.survey, response.officer, response.county) == (survey, officer, county)
        assert response.organisation_name == "分水镇茶叶专业合作社"
        assert response.answers == {str(need.pk): "直播带货"}
        assert cold.evaluate(f"localStorage.getItem('officers.survey.drafts.{officer.pk}')") == "[]"
        # The workspace kept is the list of surveys, offline too.
        context.set_offline(True)
        workspace = _cold(context, base + reverse("officers:workspace"))
        assert workspace.locator(f'#surveys li[data-survey="{survey.pk}"]').count() == 1
        workspace.locator("#offline-banner").wait_for(state="visible")
        context.set_offline(False)
    finally:
        context.close()


def test_a_visit_logged_on_the_kept_form_without_signal_is_logged_once_back_online(
    _chromium, live_server, transactional_db
):
    county, officer, _, _ = _scene()
    base = live_server.url
    context, page = signed_in_phone(_chromium, base, officer)
    try:
        _keep(page, base)
        page.close()
        context.set_offline(True)
        visit_page = _cold(context, base + reverse("officers:visit_create", args=[county.code]))
        visit_page.locator("#offline-banner").wait_for(state="visible")
        visit_page.fill("#id_village", "里湖村")
        visit_page.fill("#id_minutes_spent", "90")
        visit_page.click("#visit-form button[type=submit]")
        visit_page.locator('#visit-sync[data-pending="1"]').wait_for()
        assert (
            "Visits kept on this phone, to be logged when the connection returns: 1"
            in visit_page.inner_text("#visit-sync")
        )
        assert visit_page.input_value("#id_village") == ""  # ready for the next visit
        assert visit_page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        assert not Visit.objects.exists()

        context.set_offline(False)
        visit_page.locator('#visit-sync[data-pending="0"]').wait_for()
        assert visit_page.inner_text("#visit-sync") == "The visits kept on this phone are logged."
        visit = Visit.objects.get()
        assert (visit.officer, visit.county, visit.village, visit.minutes_spent) == (
            officer,
            county,
            "里湖村",
            90,
        )
        assert visit.visited_on == timezone.localdate()
        assert visit_page.evaluate(f"localStorage.getItem('officers.visit.drafts.{officer.pk}')") == "[]"
    finally:
        context.close()


def _sign_in_on(context, base: str, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )


def test_a_shared_phone_serves_nobody_another_officers_copy_and_sign_out_deletes_it(
    _chromium, live_server, transactional_db
):
    county, officer, survey, _ = _scene()
    colleague = factories.UserFactory(name="王晓明")
    appoint(colleague, county)
    base = live_server.url
    survey_url = base + reverse("officers:survey_respond", args=[survey.pk])
    context, page = signed_in_phone(_chromium, base, officer)
    try:
        _keep(page, base)
        assert any(name.startswith(f"officers-{officer.pk}-") for name in page.evaluate("caches.keys()"))

        # The colleague signs in on this phone (no sign-out): nothing of the first officer's copy.
        _sign_in_on(context, base, colleague)
        page.goto(base + reverse("officers:workspace"))
        page.wait_for_load_state("networkidle")
        context.set_offline(True)
        cold = _cold(context, survey_url)
        assert cold.inner_text("h1") == "You are offline"
        cold.close()
        context.set_offline(False)

        # Back to the first officer, who signs out: the copy goes.
        _sign_in_on(context, base, officer)
        page.goto(base + reverse("officers:workspace"))
        page.wait_for_load_state("networkidle")
        page.locator("form[action$='/accounts/logout/'] button").click()
        page.wait_for_url(lambda url: "/officers/" not in url)
        assert [name for name in page.evaluate("caches.keys()") if name.startswith("officers-")] in (
            [],
            ["officers-offline-state"],
        )
        context.set_offline(True)
        cold = _cold(context, survey_url)
        assert cold.inner_text("h1") == "You are offline"
    finally:
        context.close()


def test_a_visit_refused_after_the_signal_returns_shows_why_and_opens_to_correct(
    _chromium, live_server, transactional_db
):
    county, officer, _, _ = _scene()
    base = live_server.url
    visit_url = base + reverse("officers:visit_create", args=[county.code])
    context, page = signed_in_phone(_chromium, base, officer)
    try:
        _keep(page, base)
        page.close()
        context.set_offline(True)
        form = _cold(context, visit_url)
        form.fill("#id_village", "里湖村")
        form.fill("#id_minutes_spent", "0")  # refused by the server: at least a minute
        form.click("#visit-form button[type=submit]")
        form.locator('#visit-sync[data-pending="1"]').wait_for()

        context.set_offline(False)
        form.locator('#visit-refused[data-count="1"]').wait_for()
        assert "Ensure this value is greater than or equal to 1." in form.inner_text("#visit-refused")
        assert form.get_attribute("#visit-sync", "data-pending") == "0"
        assert not Visit.objects.exists()
        assert form.evaluate("document.documentElement.scrollWidth") <= WIDTH

        form.click("#visit-refused a.btn")  # open to correct: the form again, with the entries
        assert form.input_value("#id_village") == "里湖村"
        assert form.input_value("#id_minutes_spent") == "0"
        form.fill("#id_minutes_spent", "45")
        form.click("#visit-form button[type=submit]")  # online: the plain form
        form.wait_for_url(base + reverse("officers:county_visits", args=[county.code]))
        visit = Visit.objects.get()
        assert (visit.village, visit.minutes_spent) == ("里湖村", 45)
        assert form.evaluate(f"localStorage.getItem('officers.visit.drafts.{officer.pk}')") == "[]"
    finally:
        context.close()
