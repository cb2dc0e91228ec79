"""The signed-in user is read from the cache, and every change to the account is seen at once:
a password change or deactivation still ends other sessions, edits show on the next page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from enrollment.reminders import reminder_unsubscribe

DASHBOARD = reverse("enrollment:dashboard")
PROFILE = reverse("accounts:profile")


@pytest.fixture
def signed_in(learner):
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(learner)
    assert client.get(DASHBOARD).status_code == 200  # the user is now in the cache
    return client


def test_the_user_comes_from_the_cache(signed_in, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert signed_in.get(DASHBOARD).status_code == 200


def test_a_password_change_elsewhere_ends_this_session(signed_in, learner):
    learner.set_password("Another-Secret-2026")
    learner.save()  # e.g. from another device, or a reset by email
    response = signed_in.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_deactivated_account_is_signed_out(signed_in, learner):
    learner.is_active = False
    learner.save()
    assert signed_in.get(DASHBOARD).status_code == 302


def test_an_edit_shows_on_the_next_page(signed_in, learner):
    learner.name = "王小红"
    learner.save()
    assert "王小红" in signed_in.get(PROFILE).content.decode()


def test_an_update_without_save_is_seen_too(signed_in, learner):
    signed_in.get(PROFILE)
    reminder_unsubscribe(user_id=learner.pk, channel="email")  # a queryset update, not save()
    response = signed_in.get(PROFILE)
    assert response.context["user"].remind_by_email is False


def test_a_lost_cache_falls_back_to_the_database(signed_in, learner):
    cache.delete(f"auth-user:{learner.pk}")
    cache.delete(f"stamp:user:{learner.pk}")
    assert signed_in.get(PROFILE).status_code == 200
