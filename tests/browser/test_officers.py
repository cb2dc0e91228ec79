"""An officer fills a needs survey on a 360 px phone with the network cut: the response is kept
on the phone and shown as not sent, its photo shrunk on the phone; when the network returns it is sent, once
(one row), and shown as sent. The page never scrolls sideways.

In English: the officers' strings are new, and the Chinese page guard would read them as
untranslated until the catalogue has them."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from officers.models import Appointment, ResponsePhoto, Survey, SurveyQuestion, SurveyResponse
from tests import factories
from tests.browser.conftest import signed_in_phone, snap
from tests.officers.conftest import picture

pytestmark = pytest.mark.browser

WIDTH = 360


def phone(chromium, base: str, user):
    return signed_in_phone(chromium, base, user)


def test_a_survey_filled_offline_is_sent_once_when_the_network_returns(
    _chromium, live_server, transactional_db, artifact_dir
):
    county = factories.CountyFactory(code="330122", name="桐庐县")
    officer = factories.UserFactory(name="陈志远")
    today = timezone.localdate()
    Appointment.objects.create(
        user=officer,
        county=county,
        home_organisation="浙江大学",
        term_start=today - datetime.timedelta(days=10),
        term_end=today + datetime.timedelta(days=100),
    )
    survey = Survey.objects.create(title="乡村数字化需求调查", county=county)
    need = survey.questions.create(
        order=1, kind=SurveyQuestion.Kind.SINGLE, text="最需要的数字服务", choices="直播带货\n数字记账"
    )
    survey.questions.create(order=2, kind=SurveyQuestion.Kind.TEXT, text="主要困难")
    photo = survey.questions.create(order=3, kind=SurveyQuestion.Kind.PHOTO, text="现场照片")
    context, page = phone(_chromium, live_server.url, officer)
    try:
        page.goto(f"{live_server.url}/officers/surveys/{survey.pk}/respond/")
        context.set_offline(True)
        page.fill("#id_organisation_name", "分水镇茶叶专业合作社")
        page.select_option("#id_organisation_kind", "cooperative")
        page.check(f"input[name=q{need.pk}][value=直播带货]")
        page.set_input_files(
            f"input[name=q{photo.pk}]",
            files=[{"name": "村口.png", "mimeType": "image/png", "buffer": picture("PNG", (2400, 1600))}],
        )
        page.click("#survey-form button[type=submit]")
        state = page.locator("#sync-state")
        state.wait_for(state="visible")
        assert "Not sent: 1" in state.inner_text()
        assert page.input_value("#id_organisation_name") == ""  # ready for the next organisation
        assert SurveyResponse.objects.count() == 0
        kept_photo = page.evaluate(
            "JSON.parse(localStorage.getItem('officers.survey.drafts'))[0].photos[0][1]"
        )
        assert kept_photo.startswith("data:image/jpeg;base64,")  # the PNG re-encoded on the phone
        assert len(kept_photo) < 200_000
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "officers-survey-offline-360.png")

        # The session ends while the phone is offline: back online, the send meets the sign-in
        # page, and the draft stays on the phone (it is not taken for sent).
        context.clear_cookies()
        context.set_offline(False)
        page.wait_for_timeout(1500)
        assert "Not sent: 1" in state.inner_text()
        assert SurveyResponse.objects.count() == 0
        # Signed in again (a new session, a new CSRF token): the page sends the draft once.
        client = Client()
        client.force_login(officer)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                },
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
            ]
        )
        page.reload()
        page.locator("#sync-state.sent").wait_for()
        assert state.inner_text().strip() == "Sent"
        assert SurveyResponse.objects.count() == 1
        response = SurveyResponse.objects.get()
        assert (response.organisation_name, response.officer, response.county) == (
            "分水镇茶叶专业合作社",
            officer,
            county,
        )
        assert response.answers == {str(need.pk): "直播带货"}
        kept = ResponsePhoto.objects.get(response=response, question=photo)
        assert (kept.width, kept.height) == (1200, 800)

        page.reload()  # nothing left on the phone: nothing sent again
        page.wait_for_load_state("networkidle")
        assert page.evaluate("localStorage.getItem('officers.survey.drafts')") == "[]"
        assert SurveyResponse.objects.count() == 1
        snap(page, artifact_dir / "officers-survey-sent-360.png")
    finally:
        context.close()
