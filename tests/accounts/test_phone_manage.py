"""Adding an email address to a phone account, and a mobile number to an email account."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests import factories
from tests.accounts.conftest import sms_code
from tests.factories import PASSWORD

EMAIL = reverse("account_email")
CHANGE_PHONE = reverse("account_change_phone")
VERIFY_PHONE = reverse("account_verify_phone")
REAUTHENTICATE = reverse("account_reauthenticate")


def test_phone_learner_adds_an_email_address_and_confirms_it(
    client, county, mailoutbox, django_capture_on_commit_callbacks
):
    learner = factories.UserFactory(email=None, mobile="13800138000", password=None)
    client.force_login(learner)
    assert client.get(EMAIL).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EMAIL, {"action_add": "", "email": "Li@Example.com"})

    assert response.status_code == 302
    address = EmailAddress.objects.get(user=learner)
    assert (address.email, address.verified) == ("li@example.com", False)
    [message] = mailoutbox
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", message.body).group(1)
    client.post(link)
    address.refresh_from_db()
    assert address.verified
    learner.refresh_from_db()
    assert learner.email == "li@example.com"
    assert learner.mobile == "13800138000"


def test_phone_learner_with_an_address_may_sign_in_with_it_by_code(
    client, county, mailoutbox, django_capture_on_commit_callbacks
):
    learner = factories.UserFactory(email=None, mobile="13800138000", password=None)
    EmailAddress.objects.create(user=learner, email="li@example.com", verified=True, primary=True)
    User.objects.filter(pk=learner.pk).update(email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_request_login_code"), {"email": "li@example.com"})
    code = re.search(r"^\s*([A-Z0-9-]{6,})\s*$", mailoutbox[-1].body, re.M).group(1)
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert client.get("/").context["user"] == learner


def test_email_learner_adds_a_mobile_number_confirmed_by_sms_code(client, learner, sms_outbox):
    client.force_login(learner)
    assert client.get(CHANGE_PHONE).status_code == 200

    response = client.post(CHANGE_PHONE, {"phone": "139 0013 9000"})
    if response.url.startswith(REAUTHENTICATE):  # a password account confirms its password first
        response = client.post(response.url, {"password": PASSWORD})
        response = client.post(CHANGE_PHONE, {"phone": "139 0013 9000"})
    assert response.url == VERIFY_PHONE
    learner.refresh_from_db()
    assert learner.mobile is None  # stored only once proven

    response = client.post(VERIFY_PHONE, {"code": sms_code(sms_outbox, "13900139000")})

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.mobile == "13900139000"
    assert learner.mobile_verified_at is not None
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"login": "13900139000", "password": PASSWORD})
    assert client.get("/").context["user"] == learner


def test_a_number_of_another_account_is_not_taken_over(client, learner, sms_outbox):
    other = factories.UserFactory(mobile="13900139000", mobile_verified_at=timezone.now())
    client.force_login(learner)
    response = client.post(CHANGE_PHONE, {"phone": "13900139000"})
    if response.url.startswith(REAUTHENTICATE):
        client.post(response.url, {"password": PASSWORD})
        client.post(CHANGE_PHONE, {"phone": "13900139000"})
    for message in sms_outbox:
        code = re.search(r"\b(\d{6})\b", message.body)
        if code:
            client.post(VERIFY_PHONE, {"code": code.group(1)})
    learner.refresh_from_db()
    other.refresh_from_db()
    assert learner.mobile is None
    assert other.mobile == "13900139000"


def test_management_pages_link_each_other_in_the_portal_layout(client, learner):
    client.force_login(learner)
    for url in (EMAIL, CHANGE_PHONE):
        content = client.get(url).content.decode()
        assert 'class="brand"' in content
        assert CHANGE_PHONE in content and EMAIL in content and reverse("mfa_index") in content


def test_two_accounts_asking_for_one_number_within_a_minute_get_the_limit_page(client, county, sms_outbox):
    first, second = factories.UserFactory(password=None), factories.UserFactory(password=None)
    client.force_login(first)
    client.post(CHANGE_PHONE, {"phone": "13900139000"})
    other = type(client)()
    other.force_login(second)

    response = other.post(CHANGE_PHONE, {"phone": "13900139000"})

    assert response.status_code == 429
    assert len(sms_outbox) == 1
