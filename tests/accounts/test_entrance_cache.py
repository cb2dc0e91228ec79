"""The sign-in and sign-up pages are served to visitors from the cache; posting them, signing in
with ``?next=``, signed-in users and messages behave as allauth's own pages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_signup import signup_data
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
SIGNUP = "/accounts/signup/"


def form_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize("url", [LOGIN, SIGNUP])
def test_second_visitor_gets_the_cached_page(db, url, django_assert_num_queries):
    first = Client().get(url)
    with django_assert_num_queries(0):
        second = Client().get(url)
    assert first.status_code == second.status_code == 200
    assert first.context is not None
    assert second.context is None  # nothing rendered
    assert second["Cache-Control"] == first["Cache-Control"]
    assert "no-store" in second["Cache-Control"]
    # A visitor's page starts no session.
    assert settings.SESSION_COOKIE_NAME not in first.cookies
    assert settings.SESSION_COOKIE_NAME not in second.cookies


def test_cached_sign_in_form_posts_with_a_fresh_clients_token(client, learner):
    client.get(LOGIN)  # warms the cache
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(LOGIN)
    assert page.context is None  # from the cache
    assert settings.CSRF_COOKIE_NAME in page.cookies
    response = browser.post(
        LOGIN, {"login": learner.email, "password": PASSWORD, "csrfmiddlewaretoken": form_token(page)}
    )
    assert response.status_code == 302
    assert browser.get("/").context["user"] == learner


def test_cached_sign_in_form_without_a_token_is_refused(client, learner):
    client.get(LOGIN)
    browser = Client(enforce_csrf_checks=True)
    browser.get(LOGIN)
    response = browser.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 403


def test_next_is_part_of_the_page_and_is_followed(client, learner):
    assert 'name="next"' not in client.get(LOGIN).content.decode()
    Client().get(LOGIN + "?next=/courses/")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(LOGIN + "?next=/courses/")
    assert page.context is None
    assert '<input type="hidden" name="next" value="/courses/">' in page.content.decode()
    response = browser.post(
        LOGIN + "?next=/courses/",
        {
            "login": learner.email,
            "password": PASSWORD,
            "next": "/courses/",
            "csrfmiddlewaretoken": form_token(page),
        },
    )
    assert response.url == "/courses/"


def test_signed_in_user_is_redirected_even_when_the_page_is_cached(client, learner):
    Client().get(LOGIN)
    Client().get(SIGNUP)
    client.force_login(learner)
    assert client.get(LOGIN).status_code == 302
    assert client.get(SIGNUP).status_code == 302


def test_each_language_has_its_own_page(db):
    assert "登录" in Client().get(LOGIN).content.decode()
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Sign In" in english.get(LOGIN).content.decode()
    assert "登录" in Client().get(LOGIN).content.decode()


def test_signed_out_message_is_shown_to_that_browser_only(client, learner):
    Client().get(LOGIN)
    client.force_login(learner)
    client.post("/accounts/logout/")
    assert "您已登出。" in client.get(LOGIN).content.decode()
    assert "您已登出。" not in Client().get(LOGIN).content.decode()


def test_failed_sign_in_is_shown_and_counted_as_before(client, learner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    Client().get(LOGIN)
    response = client.post(LOGIN, {"login": learner.email, "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].errors
    client.post(LOGIN, {"login": learner.email, "password": "wrong-password"})
    assert client.post(LOGIN, {"login": learner.email, "password": PASSWORD}).status_code == 429


def test_county_in_the_sign_up_address_is_part_of_the_page(client, county):
    assert "桐庐县" not in client.get(SIGNUP).content.decode()
    Client().get(SIGNUP + "?county=330122")
    page = Client().get(SIGNUP + "?county=330122")
    assert page.context is None
    assert 'value="330122"' in page.content.decode()
    assert "桐庐县" in page.content.decode()


def test_cached_sign_up_form_posts_with_a_fresh_clients_token(client, county):
    client.get(SIGNUP)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(SIGNUP)
    assert page.context is None
    response = browser.post(SIGNUP, {**signup_data(), "csrfmiddlewaretoken": form_token(page)})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email="xiaoming@example.com").exists()
