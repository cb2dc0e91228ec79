from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import User
from tests import factories
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def test_learner_logs_in_by_email_in_any_capitals(client, learner):
    response = client.post(LOGIN, {"login": learner.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").context["user"] == learner


def test_wrong_password_is_refused_with_a_message(client, learner):
    response = client.post(LOGIN, {"login": learner.email, "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.context["user"].is_authenticated


def test_repeated_failed_logins_are_stopped(client, learner, settings):
    for _ in range(5):
        client.post(LOGIN, {"login": learner.email, "password": "wrong-password"})
    response = client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    # allauth refuses even the right password once the failures for this account pile up.
    assert not response.context["user"].is_authenticated


def test_login_is_rate_limited_with_429(client, learner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(2):
        client.get(LOGIN)
        client.post(LOGIN, {"login": "nobody@example.com", "password": "x"})
    response = client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 429


def test_logout_ends_the_session(client, learner):
    client.force_login(learner)
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_password_reset_sends_email(client, learner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_password_change(client, learner):
    client.force_login(learner)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "New-Horse-4242", "password2": "New-Horse-4242"},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("New-Horse-4242")


def test_account_pages_use_the_portal_layout(client, learner):
    for url in (LOGIN, "/accounts/password/reset/"):
        content = client.get(url).content.decode()
        assert 'class="brand"' in content
        assert "css/portal.css" in content
    client.force_login(learner)
    content = client.get("/accounts/password/change/").content.decode()
    assert 'class="brand"' in content


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/", follow=True)
    assert response.resolver_match.url_name == "account_login"
    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_admin_refuses_non_staff_and_admits_staff(client, learner, staff):
    client.force_login(learner)
    assert client.get("/admin/login/").status_code == 403
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_user_needs_email_or_mobile(db):
    with pytest.raises(IntegrityError):
        User.objects.create(email=None, mobile=None, name="无名")


def test_mobile_is_unique_when_set(db):
    factories.UserFactory(mobile="13800138000")
    factories.UserFactory(mobile=None)
    factories.UserFactory(mobile=None)
    with pytest.raises(IntegrityError):
        factories.UserFactory(mobile="13800138000")


# --- nothing tells a stranger whether an address has an account ------------------------------


def _errors(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_sign_in_answers_an_unknown_address_as_a_wrong_password(client, learner):
    wrong_password = client.post(LOGIN, {"login": learner.email, "password": "wrong-password"})
    unknown = client.post(LOGIN, {"login": "nobody@example.com", "password": "wrong-password"})
    assert wrong_password.status_code == unknown.status_code == 200
    assert wrong_password.context["form"].errors == unknown.context["form"].errors
    assert _errors(wrong_password).replace(learner.email, "nobody@example.com") == _errors(unknown)


def test_password_reset_answers_an_unknown_address_as_a_known_one(
    client, learner, mailoutbox, django_capture_on_commit_callbacks
):
    reset = reverse("account_reset_password")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reset, {"email": learner.email})
        unknown = client.post(reset, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("account_reset_password_done")
    # The unknown address is told it has no account; only the learner gets a reset link.
    to_learner, to_nobody = mailoutbox
    assert to_learner.to == [learner.email] and "/accounts/password/reset/key/" in to_learner.body
    assert to_nobody.to == ["nobody@example.com"] and "/accounts/password/reset/key/" not in to_nobody.body


def test_an_imported_learner_who_set_a_password_signs_in_without_confirming(client, county):
    """Coordinators' imports leave the address unconfirmed; signing in does not wait for it."""
    learner = factories.LearnerProfileFactory(county=county).user
    EmailAddress.objects.create(user=learner, email=learner.email, primary=True, verified=False)
    response = client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner
