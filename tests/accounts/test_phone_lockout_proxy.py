"""Failed sign-ins are counted per number, and behind the proxy the SMS caps per address count
the visitor's forwarded address (review of issue 20)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
REQUEST_CODE = reverse("account_request_login_code")


def confirmed(mobile: str, **fields):
    return factories.UserFactory(email=None, mobile=mobile, mobile_verified_at=timezone.now(), **fields)


def test_wrong_passwords_on_one_number_do_not_lock_out_another(county):
    victim = confirmed("13800138000")
    confirmed("13900139000")
    for attempt in range(6):
        Client(REMOTE_ADDR=f"10.9.0.{attempt}").post(LOGIN, {"login": "13900139000", "password": "wrong"})

    client = Client(REMOTE_ADDR="10.1.1.1")
    response = client.post(LOGIN, {"login": "13800138000", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/").context["user"] == victim


def test_wrong_passwords_on_one_number_lock_that_number(county):
    confirmed("13900139000")
    for attempt in range(6):
        Client(REMOTE_ADDR=f"10.9.0.{attempt}").post(
            LOGIN, {"login": "+86 139 0013 9000", "password": "wrong"}
        )

    response = Client(REMOTE_ADDR="10.1.1.1").post(LOGIN, {"login": "13900139000", "password": PASSWORD})

    assert response.status_code == 200  # the sixth guess in five minutes: refused even when right


def test_behind_the_proxy_the_address_cap_counts_the_forwarded_address(county, sms_outbox, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.SMS_CODES_PER_ADDRESS_PER_DAY = 1
    for number in ("13800138001", "13800138002", "13800138003"):
        confirmed(number)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    Client(**proxy).post(REQUEST_CODE, {"phone": "13800138001"}, HTTP_X_FORWARDED_FOR="203.0.113.5")
    # Another visitor behind the same proxy is not capped by the first one's code...
    Client(**proxy).post(REQUEST_CODE, {"phone": "13800138002"}, HTTP_X_FORWARDED_FOR="203.0.113.6")
    # ...while the first visitor, from the same forwarded address, is.
    refused = Client(**proxy).post(REQUEST_CODE, {"phone": "13800138003"}, HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert [message.to for message in sms_outbox] == ["13800138001", "13800138002"]
    assert refused.context["form"].errors


def test_the_daily_cap_per_number_answers_the_same_for_a_number_without_account(county, sms_outbox, settings):
    settings.SMS_CODES_PER_NUMBER_PER_DAY = 2
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "request_login_code": "100/m/ip,100/m/key",
    }
    confirmed("13800138000")
    answers = {}
    for number in ("13800138000", "13900139000"):  # with an account, without one
        for _attempt in range(2):
            Client().post(REQUEST_CODE, {"phone": number})
        third = Client().post(REQUEST_CODE, {"phone": number}, HTTP_ACCEPT_LANGUAGE="en")
        answers[number] = (third.status_code, "Too many SMS codes" in str(third.context["form"].errors))

    assert answers["13800138000"] == answers["13900139000"] == (200, True)
    assert [message.to for message in sms_outbox] == ["13800138000", "13800138000"]
