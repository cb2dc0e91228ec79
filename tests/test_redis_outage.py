"""The portal with Redis stopped: the cache, sessions' read copies, rate-limit counters and the
Celery broker are all gone, and a visitor can still sign up, sign in, reset a forgotten password
and verify a certificate, each without waiting long; the mail they need still arrives.

CI runs the tests marked ``redis_down`` on PostgreSQL after shutting its Redis down, with
REDIS_URL still pointing at it (``REDIS_DOWN=1``). Locally: point REDIS_URL at a port nobody
listens on. The unmarked tests at the end check the cache backend against a port where no Redis
answers, in every run.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_ratelimit import core as ratelimit_core
from django_ratelimit.core import is_ratelimited

from accounts.models import User
from certificates.models import Certificate
from talentportal.cache import RedisCache
from tests import factories
from tests.accounts.test_signup import signup_data

redis_down = pytest.mark.redis_down

# Redis's sockets time out after 0.5 s and a publish is retried once: nothing may wait longer.
SLOW = 3.0
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class TimedClient(Client):
    """A browser that posts the CSRF token of the form it last fetched, and times every answer."""

    def __init__(self):
        super().__init__(enforce_csrf_checks=True)
        self.timings: list[tuple[str, str, float]] = []

    def request(self, **request):
        started = time.monotonic()
        response = super().request(**request)
        self.timings.append((request["REQUEST_METHOD"], request["PATH_INFO"], time.monotonic() - started))
        return response

    def form(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        match = _CSRF.search(response.content.decode())
        assert match, f"no CSRF token in the form at {path}"
        return match.group(1)

    def submit(self, path: str, data: dict | None = None):
        return self.post(path, {**(data or {}), "csrfmiddlewaretoken": self.form(path)})

    def assert_quick(self, limit: float = SLOW) -> None:
        slow = [(method, path, round(took, 2)) for method, path, took in self.timings if took > limit]
        assert not slow, f"answers slower than {limit} s with Redis down: {slow}"


@pytest.fixture
def browser() -> TimedClient:
    return TimedClient()


def redis_answers() -> bool:
    url = urlsplit(settings.REDIS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


@redis_down
def test_runs_on_postgresql_with_redis_configured_but_stopped(settings):
    assert connection.vendor == "postgresql"
    assert settings.REDIS_URL.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"] == "talentportal.cache.RedisCache"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    assert not redis_answers(), f"Redis at {settings.REDIS_URL} answers: these tests need it stopped"


@redis_down
def test_healthz_reports_broker_unreachable_and_database_ok(browser, transactional_db):
    response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "unreachable"}
    # A load balancer's health check must not time out while the broker is down: the broker is
    # tried twice without a pause (kombu's default pause of 2 s made this 2.5 s).
    browser.assert_quick(limit=2.0)


@redis_down
def test_sign_up_confirm_sign_out_and_sign_in_reach_the_dashboard(
    browser, county, transactional_db, caplog, mailoutbox
):
    caplog.set_level(logging.WARNING, logger="talentportal.queue")

    response = browser.submit("/accounts/signup/", signup_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("account_email_verification_sent")
    assert browser.get(response.url).status_code == 200
    user = User.objects.get(email="xiaoming@example.com")
    assert user.learner_profile.county == county
    # The broker could not take the confirmation: the request sent it itself.
    assert "Could not queue accounts.tasks.send_email" in caplog.text
    [confirmation] = mailoutbox
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", confirmation.body)[1]
    response = browser.submit(link)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert user.emailaddress_set.get().verified
    assert browser.get("/").context["user"] == user

    response = browser.submit("/accounts/logout/")
    assert response.status_code == 302
    assert not browser.get("/").context["user"].is_authenticated

    credentials = {"login": "xiaoming@example.com", "password": "Correct-Horse-42"}
    response = browser.submit("/accounts/login/", credentials)
    assert response.status_code == 302, response.content.decode()[:2000]
    dashboard = browser.get(reverse("learn:dashboard"))
    assert dashboard.status_code == 200
    assert dashboard.context["user"] == user
    browser.assert_quick()


@redis_down
def test_repeated_sign_ins_are_not_refused_as_too_many_attempts(browser, learner, transactional_db):
    # allauth's rate limits count in Redis: with it gone they must let people through, uncounted.
    for _ in range(3):
        credentials = {"login": learner.email, "password": factories.PASSWORD}
        response = browser.submit("/accounts/login/", credentials)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert browser.get(reverse("learn:dashboard")).status_code == 200
        assert browser.submit("/accounts/logout/").status_code == 302
    browser.assert_quick()


@redis_down
def test_a_forgotten_password_is_reset_and_the_learner_signs_in(
    browser, learner, transactional_db, caplog, mailoutbox
):
    caplog.set_level(logging.WARNING, logger="talentportal.queue")

    response = browser.submit("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("account_reset_password_done")
    assert browser.get(response.url).status_code == 200
    assert "Could not queue accounts.tasks.send_email" in caplog.text
    [message] = mailoutbox
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body)[1]

    # The link leads (through a session, written to the database) to the new-password form.
    response = browser.get(link)
    assert response.status_code == 302
    new_password = {"password1": "New-Horse-4242", "password2": "New-Horse-4242"}
    response = browser.submit(response.url, new_password)
    assert response.status_code == 302, response.content.decode()[:2000]
    credentials = {"login": learner.email, "password": "New-Horse-4242"}
    assert browser.submit("/accounts/login/", credentials).status_code == 302
    assert browser.get(reverse("learn:dashboard")).context["user"] == learner
    browser.assert_quick()


@redis_down
def test_certificate_verification_page_answers(browser, learner, transactional_db, settings):
    enrollment = factories.EnrollmentFactory(learner=learner)
    certificate = Certificate.objects.create(
        enrollment=enrollment, status=Certificate.Status.ISSUED, issued_at=timezone.now()
    )
    url = reverse("certificates:verify", args=[certificate.verification_code])

    settings.VERIFY_RATE_LIMIT = "3/m"
    for _ in range(6):  # past the limit too: nothing was cached or counted, nothing breaks
        response = browser.get(url)
        assert response.status_code == 200
        assert response.context["certificate"] == certificate
    assert browser.get(reverse("certificates:verify", args=["NO-SUCH-CODE"])).status_code == 404
    browser.assert_quick()


@redis_down
def test_unknown_join_codes_are_answered_not_refused_as_guessing(browser, transactional_db, settings):
    settings.JOIN_RATE_LIMIT = "2/m"
    for _ in range(5):  # past the limit: nothing is counted while Redis is down
        assert browser.get(reverse("learn:join"), {"code": "NOPE2345"}).status_code == 200
        assert browser.get(reverse("learn:join_code", args=["NOPE2345"])).status_code == 404
    browser.assert_quick()


@redis_down
def test_django_ratelimit_lets_every_request_through_uncounted(transactional_db):
    """Every django-ratelimit limit (the verification page, joining a class by code) fails open."""
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    limited = [
        is_ratelimited(request, group="outage", key="ip", rate="2/m", increment=True) for _ in range(5)
    ]
    assert limited == [False] * 5


# --- the cache backend where no Redis answers (every run) -------------------------------------


@pytest.fixture
def unreachable():
    return RedisCache(
        "redis://127.0.0.1:9/0",
        {"OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}},
    )


def test_counting_on_an_unreachable_redis_answers_as_an_empty_cache(unreachable):
    assert unreachable.add("hits", 0) is True
    with pytest.raises(ValueError, match="not found"):
        unreachable.incr("hits")
    with pytest.raises(ValueError, match="not found"):
        unreachable.decr("hits")
    assert unreachable.incr("hits", 3, ignore_key_check=True) == 3
    assert unreachable.get("hits", 0) == 0
    unreachable.set("hits", 1)


@pytest.mark.parametrize("first_add", [True, False], ids=["add fails", "add succeeded, then Redis went"])
def test_django_ratelimit_fails_open_on_an_unreachable_redis(unreachable, monkeypatch, first_add):
    monkeypatch.setattr(ratelimit_core, "caches", {"default": unreachable})
    if not first_add:
        # The key was added just before Redis went: the count is then read with incr.
        monkeypatch.setattr(unreachable, "add", lambda *args, **kwargs: False)
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    for increment in (True, False):
        assert not any(
            is_ratelimited(request, group="outage", key="ip", rate="1/m", increment=increment)
            for _ in range(3)
        )
