"""An officer fills a needs survey on a 360 px phone with the network cut: the response is kept
on the phone and shown as not sent, its photo shrunk on the phone; when the network returns it is sent, once
(one row), and shown as sent. The page never scrolls sideways. On a weak signal (the phone says
online, the send fails) the response stays on the phone. A draft the server refuses is shown with
its reason, can be opened to correct or discarded, and does not hold back the others. On a shared
phone, one officer's drafts are neither shown nor sent under another's account.

In English: the officers' strings are new, and the Chinese page guard would read them as
untranslated until the catalogue has them."""

from __future__ import annotations

import datetime
import uuid

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
            f"JSON.parse(localStorage.getItem('officers.survey.drafts.{officer.pk}'))[0].photos[0][1]"
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
        assert page.evaluate(f"localStorage.getItem('officers.survey.drafts.{officer.pk}')") == "[]"
        assert SurveyResponse.objects.count() == 1
        snap(page, artifact_dir / "officers-survey-sent-360.png")
    finally:
        context.close()


def _scene():
    county = factories.CountyFactory(code="330122", name="桐庐县")
    today = timezone.localdate()
    officers = []
    for name in ("陈志远", "王晓明"):
        officer = factories.UserFactory(name=name)
        Appointment.objects.create(
            user=officer,
            county=county,
            home_organisation="浙江大学",
            term_start=today - datetime.timedelta(days=10),
            term_end=today + datetime.timedelta(days=100),
        )
        officers.append(officer)
    survey = Survey.objects.create(title="乡村数字化需求调查", county=county)
    need = survey.questions.create(
        order=1, kind=SurveyQuestion.Kind.SINGLE, text="最需要的数字服务", choices="直播带货\n数字记账"
    )
    return county, officers, survey, need


def _fill(page, organisation: str, need) -> None:
    page.fill("#id_organisation_name", organisation)
    page.select_option("#id_organisation_kind", "cooperative")
    page.check(f"input[name=q{need.pk}][value=直播带货]")
    page.click("#survey-form button[type=submit]")
    page.wait_for_function("document.getElementById('id_organisation_name').value === ''")


def _sign_in_as(context, base: str, user) -> None:
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base},
        ]
    )


def test_a_send_lost_on_a_weak_signal_stays_on_the_phone(_chromium, live_server, transactional_db):
    _county, (officer, _other), survey, need = _scene()
    context, page = phone(_chromium, live_server.url, officer)
    url = f"{live_server.url}/officers/surveys/{survey.pk}/respond/"

    def weak_signal(route):
        if route.request.method == "POST":
            route.abort("connectionreset")
        else:
            route.continue_()

    try:
        page.goto(url)
        page.route("**/respond/", weak_signal)
        assert page.evaluate("navigator.onLine") is True
        _fill(page, "分水镇茶叶专业合作社", need)
        page.locator("#sync-state.pending").wait_for()
        assert "Not sent: 1" in page.inner_text("#sync-state")
        assert SurveyResponse.objects.count() == 0
        page.unroute("**/respond/")
        page.reload()
        page.locator("#sync-state.sent").wait_for()
        assert SurveyResponse.objects.get().organisation_name == "分水镇茶叶专业合作社"
        page.reload()
        page.wait_for_load_state("networkidle")
        assert SurveyResponse.objects.count() == 1
    finally:
        context.close()


def test_a_refused_draft_shows_its_reason_and_the_others_are_sent(
    _chromium, live_server, transactional_db, artifact_dir
):
    from officers.services import survey_response_submit

    county, (officer, _other), survey, need = _scene()
    context, page = phone(_chromium, live_server.url, officer)
    key = f"officers.survey.drafts.{officer.pk}"
    try:
        page.goto(f"{live_server.url}/officers/surveys/{survey.pk}/respond/")
        context.set_offline(True)
        for organisation in ("一号合作社", "二号合作社", "三号合作社"):
            _fill(page, organisation, need)
        assert "Not sent: 3" in page.inner_text("#sync-state")
        keys = page.evaluate(
            f"JSON.parse(localStorage.getItem('{key}'))"
            ".map(d => d.fields.find(f => f[0] === 'client_key')[1])"
        )
        # The first and the third keys were recorded meanwhile with other answers (the form sent
        # again after going Back): the server refuses those drafts with 409.
        for index in (0, 2):
            survey_response_submit(
                survey=survey,
                officer=officer,
                county=county,
                organisation_name="别的答案",
                organisation_kind="other",
                client_key=uuid.UUID(keys[index]),
                answers={},
            )
        context.set_offline(False)
        page.locator("#drafts li.draft-refused >> nth=1").wait_for()
        assert SurveyResponse.objects.filter(organisation_name="二号合作社").count() == 1
        refused = page.locator("#drafts li.draft-refused")
        assert refused.count() == 2
        assert "already sent with other answers" in refused.nth(0).inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "officers-survey-refused-360.png")

        refused.nth(1).locator("button[data-action=discard]").click()
        assert page.locator("#drafts li.draft-refused").count() == 1
        page.locator("#drafts li.draft-refused button[data-action=open]").click()
        assert page.input_value("#id_organisation_name") == "一号合作社"
        assert page.input_value("input[name=client_key]") != keys[0]
        assert page.is_checked(f"input[name=q{need.pk}][value=直播带货]")
        page.click("#survey-form button[type=submit]")
        page.locator("#sync-state.sent").wait_for()
        assert SurveyResponse.objects.filter(organisation_name="一号合作社").count() == 1
        assert SurveyResponse.objects.filter(organisation_name="三号合作社").count() == 0
        assert page.evaluate(f"localStorage.getItem('{key}')") == "[]"
        assert page.locator("#drafts").is_hidden()
    finally:
        context.close()


def test_a_draft_opened_to_correct_stays_on_the_phone_until_the_correction_is_sent(
    _chromium, live_server, transactional_db
):
    from officers.services import survey_response_submit

    county, (officer, _other), survey, need = _scene()
    context, page = phone(_chromium, live_server.url, officer)
    key = f"officers.survey.drafts.{officer.pk}"
    stored_keys = (
        f"JSON.parse(localStorage.getItem('{key}')).map(d => d.fields.find(f => f[0] === 'client_key')[1])"
    )
    try:
        page.goto(f"{live_server.url}/officers/surveys/{survey.pk}/respond/")
        context.set_offline(True)
        _fill(page, "一号合作社", need)
        first_key = page.evaluate(stored_keys)[0]
        survey_response_submit(
            survey=survey,
            officer=officer,
            county=county,
            organisation_name="别的答案",
            organisation_kind="other",
            client_key=uuid.UUID(first_key),
            answers={},
        )
        context.set_offline(False)
        page.locator("#drafts li.draft-refused").wait_for()
        page.locator("#drafts li.draft-refused button[data-action=open]").click()
        assert page.input_value("#id_organisation_name") == "一号合作社"
        assert page.locator("#drafts li.draft-correcting").count() == 1

        page.reload()  # the phone is closed before the correction is sent: nothing is lost
        page.wait_for_load_state("networkidle")
        assert page.evaluate(stored_keys) == [first_key]
        assert page.locator("#drafts li.draft-refused").count() == 1
        assert SurveyResponse.objects.filter(organisation_name="一号合作社").count() == 0

        page.locator("#drafts li.draft-refused button[data-action=open]").click()
        page.click("#survey-form button[type=submit]")
        page.locator("#sync-state.sent").wait_for()
        assert SurveyResponse.objects.filter(organisation_name="一号合作社").count() == 1
        assert page.evaluate(f"localStorage.getItem('{key}')") == "[]"
        assert page.locator("#drafts").is_hidden()
    finally:
        context.close()


@pytest.mark.parametrize(
    ("status", "reason"),
    [(403, "sign in again and reopen the page"), (413, "remove a photo")],
)
def test_a_draft_answered_403_or_413_shows_why(_chromium, live_server, transactional_db, status, reason):
    _county, (officer, _other), survey, need = _scene()
    context, page = phone(_chromium, live_server.url, officer)
    url = f"{live_server.url}/officers/surveys/{survey.pk}/respond/"

    def refuse(route):
        if route.request.method == "POST":
            route.fulfill(status=status, content_type="text/html", body="<h1>refused</h1>")
        else:
            route.continue_()

    try:
        page.goto(url)
        page.route("**/respond/", refuse)
        _fill(page, "一号合作社", need)
        refused = page.locator("#drafts li.draft-refused")
        refused.wait_for()
        assert reason in refused.inner_text()
        assert "Not sent" not in (page.inner_text("#sync-state") if page.is_visible("#sync-state") else "")
        assert SurveyResponse.objects.count() == 0
        page.unroute("**/respond/")
        if status == 403:  # signed in again and the page reopened: the draft is sent
            page.reload()
            page.locator("#sync-state.sent").wait_for()
            assert SurveyResponse.objects.get().organisation_name == "一号合作社"
    finally:
        context.close()


def test_drafts_waiting_are_sent_again_every_minute(_chromium, live_server, transactional_db):
    _county, (officer, _other), survey, need = _scene()
    context, page = phone(_chromium, live_server.url, officer)

    def weak_signal(route):
        if route.request.method == "POST":
            route.abort("connectionreset")
        else:
            route.continue_()

    try:
        page.clock.install()
        page.goto(f"{live_server.url}/officers/surveys/{survey.pk}/respond/")
        page.route("**/respond/", weak_signal)
        _fill(page, "一号合作社", need)
        page.locator("#sync-state.pending").wait_for()
        page.unroute("**/respond/")
        page.clock.run_for(30_000)
        page.wait_for_timeout(500)
        assert SurveyResponse.objects.count() == 0  # not before the minute
        page.clock.run_for(31_000)
        page.locator("#sync-state.sent").wait_for()
        assert SurveyResponse.objects.get().organisation_name == "一号合作社"
    finally:
        context.close()


def test_on_a_shared_phone_another_officers_drafts_are_neither_shown_nor_sent(
    _chromium, live_server, transactional_db
):
    _county, (officer, colleague), survey, need = _scene()
    context, page = phone(_chromium, live_server.url, officer)
    try:
        page.goto(f"{live_server.url}/officers/surveys/{survey.pk}/respond/")
        context.set_offline(True)
        _fill(page, "一号合作社", need)
        _sign_in_as(context, live_server.url, colleague)
        context.set_offline(False)
        page.reload()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        assert page.locator("#sync-state").is_hidden()
        assert page.locator("#drafts").is_hidden()
        assert SurveyResponse.objects.count() == 0
        _fill(page, "二号合作社", need)
        page.locator("#sync-state.sent").wait_for()
        assert list(SurveyResponse.objects.values_list("organisation_name", "officer")) == [
            ("二号合作社", colleague.pk)
        ]
        # Back to the first officer: their draft is still on the phone and is sent under their name.
        _sign_in_as(context, live_server.url, officer)
        page.reload()
        page.locator("#sync-state.sent").wait_for()
        assert SurveyResponse.objects.get(organisation_name="一号合作社").officer == officer
    finally:
        context.close()


def test_the_survey_definition_and_visits_pages_fit_a_phone_without_javascript(
    _chromium, live_server, transactional_db, artifact_dir
):
    county, (officer, _other), _survey, _need = _scene()
    context, page = signed_in_phone(_chromium, live_server.url, officer, javascript=False)
    try:
        page.goto(f"{live_server.url}/officers/surveys/new/")
        page.fill("#id_title", "合作社需求")
        page.fill("#id_questions-0-text", "最需要的服务")
        page.select_option("#id_questions-0-kind", "single")
        page.fill("#id_questions-0-choices", "直播带货\n数字记账")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "officers-survey-define-360.png")
        page.click("#survey-definition button[type=submit]")
        page.wait_for_url("**/edit/")
        survey = Survey.objects.get(title="合作社需求")
        assert survey.questions.get().choice_list == ["直播带货", "数字记账"]

        page.goto(f"{live_server.url}/officers/counties/{county.code}/visits/new/")
        page.fill("#id_village", "里湖村")
        page.fill("#id_organisations_met", "分水镇茶叶专业合作社")
        page.fill("#id_minutes_spent", "90")
        page.click("#visit-form button[type=submit]")
        page.wait_for_url(f"**/counties/{county.code}/visits/")
        assert page.locator("#visits li").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "officers-visits-360.png")
    finally:
        context.close()
