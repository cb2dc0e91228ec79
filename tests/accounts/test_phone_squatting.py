"""A number (or an address) typed without proof gives nobody an account: only a number confirmed
by its SMS code signs in, and a newcomer who proves it takes it from an account holding it
unconfirmed (review of issue 20)."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests import factories
from tests.accounts.conftest import sms_code
from tests.factories import PASSWORD

REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
SIGNUP = "/accounts/signup/"
VERIFY = reverse("account_verify_phone")
CHANGE_PHONE = reverse("account_change_phone")
PROFILE = reverse("privacy:profile")


def signup_data(**overrides):
    data = {
        "county": "330122",
        "name": "李小红",
        "phone": "13900139000",
        "email": "",
        "password1": "",
        "password2": "",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def test_number_typed_into_another_account_does_not_sign_its_owner_into_it(county, sms_outbox):
    attacker = factories.UserFactory(email="att@example.com", mobile="13900139000")
    assert attacker.mobile_verified_at is None

    owner = Client()
    owner.post(REQUEST_CODE, {"phone": "13900139000"})

    # No code goes out for a number that signs nobody in, and nobody is signed in.
    assert [m.to for m in sms_outbox] == []
    assert owner.get("/").context["user"].is_authenticated is False


def test_password_sign_in_with_an_unconfirmed_number_is_refused(county):
    factories.UserFactory(email="att@example.com", mobile="13900139000")

    response = Client().post("/accounts/login/", {"login": "13900139000", "password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors


def test_confirmed_number_signs_in_by_code(county, sms_outbox):
    user = factories.UserFactory(email=None, mobile="13900139000", mobile_verified_at=timezone.now())
    client = Client()
    client.post(REQUEST_CODE, {"phone": "13900139000"})
    client.post(CONFIRM_CODE, {"code": sms_code(sms_outbox, "13900139000")})

    assert client.get("/").context["user"] == user


def test_imported_number_never_used_signs_in_by_code(county, sms_outbox):
    imported = factories.UserFactory(email=None, mobile="13900139000", password=None)
    client = Client()
    client.post(REQUEST_CODE, {"phone": "13900139000"})
    client.post(CONFIRM_CODE, {"code": sms_code(sms_outbox, "13900139000")})

    assert client.get("/").context["user"] == imported
    imported.refresh_from_db()
    assert imported.mobile_verified_at is not None


def test_abandoned_signup_does_not_squat_the_number(county, sms_outbox):
    squatter_data = signup_data(
        email="sq@example.com", password1="Zq8!long-pass-1", password2="Zq8!long-pass-1"
    )
    assert Client().post(SIGNUP, squatter_data).status_code == 302
    squatter = User.objects.get(email="sq@example.com")
    assert squatter.mobile == "13900139000" and squatter.mobile_verified_at is None

    cache.clear()  # allauth's one code a minute per number: the owner comes later
    owner = Client()
    sms_outbox.clear()
    response = owner.post(SIGNUP, signup_data())
    assert response.status_code == 302 and response.url == VERIFY
    owner.post(VERIFY, {"code": sms_code(sms_outbox, "13900139000")})

    newcomer = User.objects.get(mobile="13900139000")
    assert newcomer != squatter
    assert newcomer.mobile_verified_at is not None
    assert owner.get("/").context["user"] == newcomer
    squatter.refresh_from_db()
    assert squatter.mobile is None


def test_abandoned_phone_only_signup_with_a_password_is_replaced(county, sms_outbox):
    Client().post(SIGNUP, signup_data(password1="Zq8!long-pass-1", password2="Zq8!long-pass-1"))
    abandoned = User.objects.get(mobile="13900139000")

    cache.clear()  # allauth's one code a minute per number: the owner comes later
    owner = Client()
    sms_outbox.clear()
    owner.post(SIGNUP, signup_data(name="王五"))
    owner.post(VERIFY, {"code": sms_code(sms_outbox, "13900139000")})

    assert not User.objects.filter(pk=abandoned.pk).exists()
    assert owner.get("/").context["user"].name == "王五"


def test_signup_with_a_confirmed_number_creates_nothing(county, sms_outbox):
    holder = factories.UserFactory(email=None, mobile="13900139000", mobile_verified_at=timezone.now())

    response = Client().post(SIGNUP, signup_data(name="别人"))

    assert response.status_code == 302
    assert list(User.objects.filter(mobile="13900139000")) == [holder]
    # The holder is told an account exists; no code that would sign the stranger in.
    assert sms_outbox[-1].to == "13900139000"
    assert not re.search(r"\b\d{6}\b", sms_outbox[-1].body)


def test_profile_stores_a_changed_number_unconfirmed(client, learner):
    learner.mobile = "13700137000"
    learner.mobile_verified_at = timezone.now()
    learner.save()
    client.force_login(learner)
    data = {
        "name": "李四",
        "mobile": "13900139000",
        "county": "330122",
        "school": "",
        "preferred_language": "zh-hans",
        "remind_by_email": "on",
    }

    assert client.post(PROFILE, data).status_code == 302

    learner.refresh_from_db()
    assert (learner.mobile, learner.mobile_verified_at) == ("13900139000", None)
    assert (
        Client().post("/accounts/login/", {"login": "13900139000", "password": PASSWORD}).status_code == 200
    )


def test_phone_only_account_cannot_change_its_number_on_the_profile_page(client, county):
    user = factories.UserFactory(email=None, mobile="13700137000", mobile_verified_at=timezone.now())
    factories.LearnerProfileFactory(user=user, county=county)
    client.force_login(user)
    data = {"name": "李四", "mobile": "13900139000", "county": "330122", "preferred_language": "zh-hans"}

    response = client.post(PROFILE, data)

    assert response.status_code == 200
    assert response.context["form"].has_error("mobile")
    user.refresh_from_db()
    assert user.mobile == "13700137000"


def test_phone_change_with_code_takes_a_number_held_unconfirmed(client, county, sms_outbox):
    squatter = factories.UserFactory(email="att@example.com", mobile="13900139000")
    owner = factories.UserFactory(email=None, mobile="13700137000", mobile_verified_at=timezone.now())
    client.force_login(owner)

    change_phone(client, "13900139000")
    client.post(VERIFY, {"code": sms_code(sms_outbox, "13900139000")})

    owner.refresh_from_db()
    squatter.refresh_from_db()
    assert (owner.mobile, squatter.mobile) == ("13900139000", None)
    assert owner.mobile_verified_at is not None


def change_phone(client, phone):
    response = client.post(CHANGE_PHONE, {"phone": phone})
    if response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate")):
        client.post(response.url, {"password": PASSWORD})
        response = client.post(CHANGE_PHONE, {"phone": phone})
    return response


def test_phone_change_to_a_number_another_account_signs_in_with_is_refused(client, county, sms_outbox):
    holder = factories.UserFactory(email=None, mobile="13900139000", mobile_verified_at=timezone.now())
    other = factories.UserFactory(email="o@example.com", mobile=None)
    client.force_login(other)

    change_phone(client, "13900139000")
    # allauth answers as for a free number (no enumeration); the code proves nothing here.
    code = sms_code(sms_outbox, "13900139000")
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert response.context["form"].has_error("code")
    other.refresh_from_db()
    holder.refresh_from_db()
    assert other.mobile is None and holder.mobile == "13900139000"


def test_unconfirmed_email_of_a_phone_account_gets_no_password_reset(client, county, sms_outbox):
    client.post(SIGNUP, signup_data(email="victim@example.com"))
    client.post(VERIFY, {"code": sms_code(sms_outbox, "13900139000")})
    user = User.objects.get(mobile="13900139000")
    assert not EmailAddress.objects.get(user=user).verified
    mail.outbox.clear()

    with_commit = Client()
    response = with_commit.post(reverse("account_reset_password"), {"email": "victim@example.com"})

    assert response.status_code == 302
    assert not any("/password/reset/key/" in m.body for m in mail.outbox)


def test_confirmed_email_of_a_phone_account_gets_the_password_reset(
    county, django_capture_on_commit_callbacks
):
    user = factories.UserFactory(
        email="me@example.com", mobile="13900139000", mobile_verified_at=timezone.now()
    )
    EmailAddress.objects.create(user=user, email="me@example.com", verified=True, primary=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": "me@example.com"})

    assert any("/password/reset/key/" in m.body for m in mail.outbox)
