"""A shared phone: the service worker learns who is signed in from a cookie that lives as long as
the session, and signing out asks the browser to drop its caches (review of issue 20)."""

from __future__ import annotations

from django.test import Client

from accounts.middleware import OFFLINE_USER_COOKIE
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"


def test_signing_in_sets_the_offline_user_and_signing_out_removes_it_and_clears_caches(learner):
    client = Client()
    response = client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert response.cookies[OFFLINE_USER_COOKIE].value == str(learner.pk)
    assert not response.cookies[OFFLINE_USER_COOKIE]["httponly"]  # the worker reads it

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
    assert response.cookies[OFFLINE_USER_COOKIE].value == ""
    assert response.cookies[OFFLINE_USER_COOKIE]["max-age"] == 0


def test_a_stale_offline_user_is_removed_for_a_visitor(db):
    client = Client()
    client.cookies[OFFLINE_USER_COOKIE] = "42"

    response = client.get("/")

    assert response.cookies[OFFLINE_USER_COOKIE].value == ""


def test_another_user_on_the_same_phone_replaces_it(learner, coordinator):
    client = Client()
    client.cookies[OFFLINE_USER_COOKIE] = str(coordinator.pk)
    client.force_login(learner)

    response = client.get("/learn/")

    assert response.cookies[OFFLINE_USER_COOKIE].value == str(learner.pk)
