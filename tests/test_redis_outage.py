"""The portal with Redis stopped: the cache, sessions' read copies, rate-limit counters and the
Celery broker are all gone, and a visitor can still sign up, sign in, ask for a password reset
and verify a certificate, each without waiting long.

CI runs these on PostgreSQL after shutting its Redis down, with REDIS_URL still pointing at it
(``REDIS_DOWN=1``). Locally: point REDIS_URL at a port nobody listens on.
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
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from tests import factories
from tests.accounts.test_signup import signup_data

pytestmark = pytest.mark.redis_down

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


def test_runs_on_postgresql_with_redis_configured_but_stopped(settings):
    assert connection.vendor == "postgresql"
    assert settings.REDIS_URL.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"] == "talentportal.cache.RedisCache"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    assert not redis_answers(), f"Redis at {settings.REDIS_URL} answers: these tests need it stopped"


def test_healthz_reports_broker_unreachable_and_database_ok(browser, transactional_db):
    response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "unreachable"}
    # A load balancer's health check must not time out while the broker is down: the broker is
    # tried twice without a pause (kombu's default pause of 2 s made this 2.5 s).
    browser.assert_quick(limit=2.0)


def test_sign_up_sign_out_and_sign_in_reach_the_dashboard(browser, county, transactional_db, caplog):
    caplog.set_level(logging.WARNING, logger="talentportal.queue")

    response = browser.submit("/accounts/signup/", signup_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="xiaoming@example.com")
    assert user.learner_profile.county == county
    assert browser.get("/").context["user"] == user
    # The verification mail could not be queued: logged and dropped, not a 500.
    assert "Could not queue accounts.tasks.send_email" in caplog.text

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


def test_repeated_sign_ins_are_not_refused_as_too_many_attempts(browser, learner, transactional_db):
    # allauth's rate limits count in Redis: with it gone they must let people through, uncounted.
    for _ in range(3):
        credentials = {"login": learner.email, "password": factories.PASSWORD}
        response = browser.submit("/accounts/login/", credentials)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert browser.get(reverse("learn:dashboard")).status_code == 200
        assert browser.submit("/accounts/logout/").status_code == 302
    browser.assert_quick()


def test_password_reset_answers_with_the_sent_page(browser, learner, transactional_db, caplog):
    caplog.set_level(logging.WARNING, logger="talentportal.queue")

    response = browser.submit("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("account_reset_password_done")
    assert browser.get(response.url).status_code == 200
    assert "Could not queue accounts.tasks.send_email" in caplog.text
    browser.assert_quick()


def test_certificate_verification_page_answers(browser, learner, transactional_db):
    enrollment = factories.EnrollmentFactory(learner=learner)
    certificate = Certificate.objects.create(
        enrollment=enrollment, status=Certificate.Status.ISSUED, issued_at=timezone.now()
    )
    url = reverse("certificates:verify", args=[certificate.verification_code])

    for _ in range(2):  # the second visit too: nothing was cached, nothing breaks
        response = browser.get(url)
        assert response.status_code == 200
        assert response.context["certificate"] == certificate
    assert browser.get(reverse("certificates:verify", args=["NO-SUCH-CODE"])).status_code == 404
    browser.assert_quick()
