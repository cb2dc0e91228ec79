from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse

from accounts.models import User
from counties.models import LearnerProfile
from tests import factories

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
MAILBOX = reverse("account_email_verification_sent")
_CSRF = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">')


def signup_data(**overrides):
    data = {
        "county": "330122",
        "name": "张小明",
        "email": "xiaoming@example.com",
        "password1": "Correct-Horse-42",
        "password2": "Correct-Horse-42",
        "school": "桐庐县职业技术学校",
        "gender": "male",
        "birth_year": "2006",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def test_signup_creates_learner_with_county_and_personal_details(client, county):
    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    assert response.url == MAILBOX
    user = User.objects.get(email="xiaoming@example.com")
    assert user.name == "张小明"
    assert user.gender == "male"
    assert user.birth_year == 2006
    assert user.privacy_consent_at is not None
    assert user.preferred_language == "zh-hans"
    assert user.learner_profile.county == county
    assert user.learner_profile.school == "桐庐县职业技术学校"
    # Sign-up answers "check your mailbox" (it must not tell whether the address had an
    # account), then the learner signs in with the password, the address not confirmed yet.
    assert not client.get("/").context["user"].is_authenticated
    response = client.post(LOGIN, {"login": "xiaoming@example.com", "password": "Correct-Horse-42"})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user
    assert EmailAddress.objects.get(user=user).verified is False


def test_signup_in_english_remembers_english(client, county):
    client.cookies["django_language"] = "en"
    client.post(SIGNUP, signup_data())
    assert User.objects.get().preferred_language == "en"


def test_signup_optional_fields_may_be_left_empty(client, county):
    response = client.post(SIGNUP, signup_data(school="", gender="", birth_year=""))
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.gender, user.birth_year, user.learner_profile.school) == ("", None, "")


def test_signup_sends_verification_email(client, county, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data())

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["xiaoming@example.com"]
    assert "/accounts/confirm-email/" in message.body
    assert EmailAddress.objects.get(email="xiaoming@example.com").verified is False


def test_signup_email_is_not_sent_if_signup_fails(
    client, county, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data(privacy_consent=""))
    assert mailoutbox == []


def test_signup_resolves_county_by_unique_name(client, county):
    client.post(SIGNUP, signup_data(county="桐庐"))
    assert LearnerProfile.objects.get().county == county


def test_signup_resolves_county_from_type_ahead_value(client, county):
    client.post(SIGNUP, signup_data(county="330122 浙江省 杭州市 桐庐县"))
    assert LearnerProfile.objects.get().county == county


def test_signup_with_ambiguous_county_offers_choices_and_creates_nothing(client, db):
    beijing = factories.PrefectureFactory(
        code="1101", name="市辖区", province=factories.ProvinceFactory(code="11", name="北京市")
    )
    changchun = factories.PrefectureFactory(
        code="2201", name="长春市", province=factories.ProvinceFactory(code="22", name="吉林省")
    )
    factories.CountyFactory(code="110105", name="朝阳区", prefecture=beijing)
    factories.CountyFactory(code="220104", name="朝阳区", prefecture=changchun)

    response = client.post(SIGNUP, signup_data(county="朝阳区"))

    assert response.status_code == 200
    assert User.objects.count() == 0
    matches = response.context["form"].county_matches
    assert [c.code for c in matches] == ["110105", "220104"]
    content = response.content.decode()
    assert 'type="radio" name="county" value="110105"' in content
    # The municipality's grouping prefecture 市辖区 is left out of the label.
    assert "北京市 朝阳区" in content
    assert "吉林省 长春市 朝阳区" in content

    client.post(SIGNUP, signup_data(county="220104"))
    assert LearnerProfile.objects.get().county_id == "220104"


@pytest.mark.parametrize("typed", ["不存在县", "999999"])
def test_signup_with_unknown_county_shows_error(client, county, typed):
    response = client.post(SIGNUP, signup_data(county=typed))
    assert response.status_code == 200
    assert "county" in response.context["form"].errors
    assert User.objects.count() == 0


def test_signup_requires_county_and_privacy_consent(client, county):
    response = client.post(SIGNUP, signup_data(county="", privacy_consent=""))
    errors = response.context["form"].errors
    assert set(errors) >= {"county", "privacy_consent"}
    assert User.objects.count() == 0


def test_signup_errors_are_translated_to_chinese(client, county):
    response = client.post(SIGNUP, signup_data(privacy_consent=""))
    assert "您需要同意隐私政策才能注册。" in response.content.decode()


def test_signup_rejects_an_email_taken_in_other_capitals(client, county, mailoutbox):
    factories.UserFactory(email="xiaoming@example.com")
    response = client.post(SIGNUP, signup_data(email="XiaoMing@Example.com"))
    assert response.status_code == 302
    assert response.url == MAILBOX
    assert User.objects.filter(email__iexact="xiaoming@example.com").count() == 1
    assert not client.get("/").context["user"].is_authenticated


def _sign_up(email: str, captured, **overrides) -> tuple[int, str, str]:
    """(status, where it leads, the page it leads to without its CSRF token), for a browser of
    its own signing up with ``email``."""
    browser = Client()
    with captured(execute=True):
        response = browser.post(SIGNUP, signup_data(email=email, **overrides))
    page = browser.get(response.url).content.decode() if response.status_code == 302 else ""
    return response.status_code, response.get("Location", ""), _CSRF.sub("", page)


def test_signup_answers_a_registered_address_exactly_as_a_new_one(
    county, mailoutbox, django_capture_on_commit_callbacks
):
    registered = factories.LearnerProfileFactory(county=county, user__email="taken@example.com").user
    new = _sign_up("fresh@example.com", django_capture_on_commit_callbacks, next="/learn/join/ABCD2345/")
    taken = _sign_up("taken@example.com", django_capture_on_commit_callbacks, next="/learn/join/ABCD2345/")

    assert new[0] == taken[0] == 302
    assert new[1] == taken[1] == f"{MAILBOX}?next=%2Flearn%2Fjoin%2FABCD2345%2F"
    assert new[2].replace("fresh@", "taken@") == taken[2]
    assert "taken@example.com" in taken[2]  # "a confirmation email was sent to …"
    # The address with an account gets no second account, and a mail saying it has one.
    assert list(User.objects.filter(email="taken@example.com")) == [registered]
    confirmation, already = mailoutbox
    assert confirmation.to == ["fresh@example.com"]
    assert "/accounts/confirm-email/" in confirmation.body
    assert already.to == ["taken@example.com"]
    assert "/accounts/confirm-email/" not in already.body
    assert "/accounts/password/reset/" in already.body


def test_a_registered_address_gets_no_error_on_the_sign_up_form(client, learner):
    response = client.post(SIGNUP, signup_data(email=learner.email), follow=True)
    content = response.content.decode()
    assert "已被注册" not in content and "already registered" not in content
    assert response.redirect_chain[-1][0] == MAILBOX


def test_the_mailbox_page_signs_in_and_returns_to_where_sign_up_was_going(client, county):
    join = "/learn/join/ABCD2345/"
    response = client.post(f"{SIGNUP}?next={join}", signup_data(next=join))
    page = client.get(response.url).content.decode()
    login = f"{reverse('account_login')}?next=%2Flearn%2Fjoin%2FABCD2345%2F"
    assert f'href="{login}"' in page
    response = client.post(
        login, {"login": "xiaoming@example.com", "password": "Correct-Horse-42", "next": join}
    )
    assert response.url == join


def test_the_confirmation_link_confirms_and_signs_in(
    client, county, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data())
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", mailoutbox[0].body)[1]
    client.get(link)
    response = client.post(link)
    assert response.status_code == 302
    user = User.objects.get(email="xiaoming@example.com")
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/").context["user"] == user


def test_a_too_short_password_is_refused_in_chinese_on_the_chinese_sign_up(client, county):
    response = client.post(SIGNUP, signup_data(password1="x7#", password2="x7#"))
    errors = response.context["form"].errors["password1"]
    assert errors == ["密码长度太短。密码必须包含至少 8 个字符。"]
    assert "too short" not in response.content.decode()


def test_a_too_short_password_is_refused_in_english_on_the_english_sign_up(client, county):
    client.cookies["django_language"] = "en"
    response = client.post(SIGNUP, signup_data(password1="x7#", password2="x7#"))
    assert response.context["form"].errors["password1"] == [
        "This password is too short. It must contain at least 8 characters."
    ]


def test_signup_page_prefills_county_chosen_in_picker(client, county):
    response = client.get(SIGNUP, {"county": "330122"})
    content = response.content.decode()
    assert "浙江省 杭州市 桐庐县" in content
    assert 'value="330122"' in content


def test_signup_page_never_lists_all_counties(client, county):
    content = client.get(SIGNUP).content.decode()
    assert "<select" not in content.split('name="county"')[0].rsplit("<label", 1)[-1]
    assert reverse("counties:picker") in content


def test_signup_is_rate_limited_with_429(client, county, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    statuses = [client.post(SIGNUP, signup_data(email=f"u{i}@example.com")).status_code for i in range(3)]
    client.logout()
    response = client.post(SIGNUP, signup_data(email="late@example.com"))
    assert statuses == [302, 302, 302]
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()
    assert not User.objects.filter(email="late@example.com").exists()


def test_signup_takes_as_long_for_a_registered_address(
    county, monkeypatch, django_capture_on_commit_callbacks
):
    """Hashing the new account's password is most of a sign-up's time (a quarter of a second in
    production): a registered address costs the same hash, so the answer is not quicker."""
    factories.UserFactory(email="taken@example.com")
    hashes = []
    encode = MD5PasswordHasher.encode
    monkeypatch.setattr(
        MD5PasswordHasher, "encode", lambda self, *args: hashes.append(1) or encode(self, *args)
    )

    _sign_up("fresh@example.com", django_capture_on_commit_callbacks)
    for_new = len(hashes)
    _sign_up("taken@example.com", django_capture_on_commit_callbacks)
    assert for_new == len(hashes) - for_new == 1
