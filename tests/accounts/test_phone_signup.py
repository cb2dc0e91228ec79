"""Sign-up with a mobile number: the number is confirmed by an SMS code, email and password are
optional, and the county is still picked."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from counties.models import LearnerProfile
from tests import factories
from tests.accounts.conftest import sms_code

SIGNUP = "/accounts/signup/"
VERIFY = reverse("account_verify_phone")


def phone_signup_data(**overrides):
    data = {
        "county": "330122",
        "name": "李小红",
        "phone": "138 0013 8000",
        "email": "",
        "password1": "",
        "password2": "",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def test_signup_with_mobile_number_only_confirms_it_by_sms_code(client, county, sms_outbox):
    response = client.post(SIGNUP, phone_signup_data())

    assert response.status_code == 302
    assert response.url == VERIFY
    user = User.objects.get(mobile="13800138000")
    assert user.email is None
    assert not user.has_usable_password()
    assert user.mobile_verified_at is None
    assert user.learner_profile.county == county
    assert [message.to for message in sms_outbox] == ["13800138000"]
    assert sms_outbox[0].body.startswith("【数字人才学习平台】")

    response = client.post(VERIFY, {"code": sms_code(sms_outbox, "13800138000")})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.mobile_verified_at is not None
    assert client.get("/").context["user"] == user


def test_wrong_code_at_signup_is_refused_and_signs_nobody_in(client, county, sms_outbox):
    client.post(SIGNUP, phone_signup_data())
    code = sms_code(sms_outbox, "13800138000")
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(VERIFY, {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not client.get("/").context["user"].is_authenticated
    assert User.objects.get(mobile="13800138000").mobile_verified_at is None


def test_signup_accepts_every_usual_way_of_writing_the_number(client, county, sms_outbox):
    client.post(SIGNUP, phone_signup_data(phone="+86 139-0013-9000"))
    assert User.objects.filter(mobile="13900139000").exists()


def test_signup_refuses_a_number_that_is_not_a_mainland_mobile(client, county, sms_outbox):
    for number in ("12345678901", "0571-88888888", "+14155552671"):
        response = client.post(SIGNUP, phone_signup_data(phone=number))
        assert response.status_code == 200
        assert "phone" in response.context["form"].errors
    assert not User.objects.exists()
    assert sms_outbox == []


def test_signup_needs_a_number_or_an_address(client, county, sms_outbox):
    response = client.post(SIGNUP, phone_signup_data(phone=""))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not User.objects.exists()


def test_signup_by_email_still_needs_a_password(client, county):
    response = client.post(SIGNUP, phone_signup_data(phone="", email="a@example.com"))
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors


def test_signup_with_a_taken_number_answers_the_same_and_creates_nothing(client, county, sms_outbox):
    learner = factories.UserFactory(mobile="13800138000", mobile_verified_at=timezone.now())

    response = client.post(SIGNUP, phone_signup_data())

    assert response.status_code == 302
    assert response.url == VERIFY
    assert User.objects.filter(mobile="13800138000").get() == learner
    assert not LearnerProfile.objects.filter(user__mobile="13800138000").exists()
    # The owner of the number is told that they already have an account; no code is usable.
    assert [message.to for message in sms_outbox] == ["13800138000"]
    assert "already" in sms_outbox[0].body or "已" in sms_outbox[0].body


def test_signup_with_number_and_email_signs_in_and_sends_the_confirmation_mail(
    client, county, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, phone_signup_data(email="xiaohong@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(VERIFY, {"code": sms_code(sms_outbox, "13800138000")})

    assert response.status_code == 302
    user = User.objects.get(mobile="13800138000")
    assert user.email == "xiaohong@example.com"
    assert client.get("/").context["user"] == user
    assert [message.to for message in mailoutbox] == [["xiaohong@example.com"]]


def test_signup_page_offers_the_mobile_number_field(client, county):
    content = client.get(SIGNUP).content.decode()
    assert 'name="phone"' in content
    assert 'type="tel"' in content


def test_signing_up_twice_with_one_number_within_a_minute_answers_calmly(client, county, sms_outbox):
    client.post(SIGNUP, phone_signup_data())
    other = type(client)()

    response = other.post(SIGNUP, phone_signup_data(name="冒名者"))

    assert response.status_code in (302, 429)
    assert User.objects.filter(mobile="13800138000").count() == 1
    assert len(sms_outbox) == 1  # one text a minute per number
