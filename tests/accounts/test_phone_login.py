"""Signing in with a mobile number: by SMS code (no password needed) or with the password, and
the limits on SMS codes."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import SmsSend
from accounts.services import sms_sends_purge
from tests import factories
from tests.accounts.conftest import sms_code
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")


@pytest.fixture
def phone_learner(county):
    user = factories.UserFactory(email=None, mobile="13800138000", password=None)
    factories.LearnerProfileFactory(user=user, county=county)
    return user


def test_learner_signs_in_by_sms_code_without_a_password(client, phone_learner, sms_outbox):
    response = client.post(REQUEST_CODE, {"phone": "13800138000"})
    assert response.status_code == 302
    assert response.url == CONFIRM_CODE

    response = client.post(CONFIRM_CODE, {"code": sms_code(sms_outbox, "13800138000")})

    assert response.status_code == 302
    assert client.get("/").context["user"] == phone_learner
    phone_learner.refresh_from_db()
    assert phone_learner.mobile_verified_at is not None  # the code proved the number


def test_wrong_code_is_refused_and_three_wrong_codes_end_the_attempt(client, phone_learner, sms_outbox):
    client.post(REQUEST_CODE, {"phone": "+8613800138000"})
    code = sms_code(sms_outbox, "13800138000")
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(CONFIRM_CODE, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors
    client.post(CONFIRM_CODE, {"code": wrong})
    response = client.post(CONFIRM_CODE, {"code": wrong})

    assert response.status_code == 302  # back to asking for a code: this one is spent
    response = client.post(CONFIRM_CODE, {"code": code})
    assert not client.get("/").context["user"].is_authenticated


def test_expired_code_is_refused(client, phone_learner, sms_outbox, monkeypatch, settings):
    client.post(REQUEST_CODE, {"phone": "13800138000"})
    code = sms_code(sms_outbox, "13800138000")
    later = time.time() + settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT + 1
    monkeypatch.setattr("allauth.account.internal.flows.code_verification.time.time", lambda: later)

    response = client.post(CONFIRM_CODE, {"code": code})

    assert response.status_code == 302
    assert response.url == REQUEST_CODE
    assert not client.get("/").context["user"].is_authenticated


def test_unknown_number_gets_the_same_answer_and_no_sms(client, db, sms_outbox):
    response = client.post(REQUEST_CODE, {"phone": "13900139000"})
    assert response.status_code == 302
    assert response.url == CONFIRM_CODE
    assert sms_outbox == []  # nobody is texted at the portal's cost for a number it does not know


def test_learner_with_a_password_signs_in_with_number_and_password(client, county, sms_outbox):
    learner = factories.UserFactory(mobile="13800138000", mobile_verified_at=timezone.now())
    response = client.post(LOGIN, {"login": "138 0013 8000", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner
    assert sms_outbox == []  # no code needed when the password is right


def test_login_page_offers_sign_in_by_code(client, db):
    content = client.get(LOGIN).content.decode()
    assert REQUEST_CODE in content


def test_codes_to_one_number_are_limited_per_minute(client, phone_learner, sms_outbox):
    client.post(REQUEST_CODE, {"phone": "13800138000"})
    other = type(client)()
    response = other.post(REQUEST_CODE, {"phone": "13800138000"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(sms_outbox) == 1


def test_codes_per_number_are_capped_per_day_in_the_database(client, phone_learner, sms_outbox, settings):
    settings.SMS_CODES_PER_NUMBER_PER_DAY = 2
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "request_login_code": "100/m/ip,100/m/key",
    }
    for _ in range(2):
        type(client)().post(REQUEST_CODE, {"phone": "13800138000"})

    response = client.post(REQUEST_CODE, {"phone": "13800138000"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Too many SMS codes" in str(response.context["form"].errors)
    assert len(sms_outbox) == 2
    assert SmsSend.objects.count() == 2


def test_codes_per_address_are_capped_per_day(client, county, sms_outbox, settings):
    settings.SMS_CODES_PER_ADDRESS_PER_DAY = 2
    for number in ("13800138001", "13800138002", "13800138003"):
        factories.UserFactory(mobile=number, mobile_verified_at=timezone.now())
    client.post(REQUEST_CODE, {"phone": "13800138001"})
    type(client)().post(REQUEST_CODE, {"phone": "13800138002"})

    response = type(client)().post(REQUEST_CODE, {"phone": "13800138003"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert [message.to for message in sms_outbox] == ["13800138001", "13800138002"]


def test_code_requests_are_rate_limited_per_address(client, county, sms_outbox, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_login_code": "2/m/ip,1/m/key"}
    for number in ("13800138001", "13800138002", "13800138003"):
        factories.UserFactory(mobile=number, mobile_verified_at=timezone.now())
    client.post(REQUEST_CODE, {"phone": "13800138001"})
    type(client)().post(REQUEST_CODE, {"phone": "13800138002"})

    response = type(client)().post(REQUEST_CODE, {"phone": "13800138003"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(sms_outbox) == 2


def test_programme_wide_daily_cap(client, county, sms_outbox, settings):
    settings.SMS_CODES_PER_DAY = 1
    for number in ("13800138001", "13800138002"):
        factories.UserFactory(mobile=number, mobile_verified_at=timezone.now())
    client.post(REQUEST_CODE, {"phone": "13800138001"})
    response = type(client)().post(REQUEST_CODE, {"phone": "13800138002"})
    assert response.context["form"].errors
    assert len(sms_outbox) == 1


def test_resending_over_the_cap_shows_the_limit_page(client, phone_learner, sms_outbox, settings):
    settings.SMS_CODES_PER_NUMBER_PER_DAY = 1
    client.post(REQUEST_CODE, {"phone": "13800138000"})

    response = client.post(CONFIRM_CODE, {"action": "resend"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert "Too many SMS codes" in response.content.decode()
    assert len(sms_outbox) == 1


def test_old_sms_counts_are_purged(db):
    SmsSend.objects.create(number_hash="a", address_hash="b")
    old = SmsSend.objects.create(number_hash="a", address_hash="b")
    SmsSend.objects.filter(pk=old.pk).update(sent_at=old.sent_at.replace(year=old.sent_at.year - 1))
    assert sms_sends_purge() == 1
    assert SmsSend.objects.count() == 1


def test_purge_task_runs_the_purge(db):
    from accounts.tasks import purge_sms_sends

    old = SmsSend.objects.create(number_hash="a", address_hash="b")
    SmsSend.objects.filter(pk=old.pk).update(sent_at=old.sent_at.replace(year=old.sent_at.year - 1))
    assert purge_sms_sends.delay().get() == 1
    assert not SmsSend.objects.exists()
