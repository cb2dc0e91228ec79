"""The portal on its production stack: PostgreSQL, Redis and a separate Celery worker."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.accounts.test_signup import signup_data
from tests.real_stack import wait_for

pytestmark = pytest.mark.real_stack


def test_runs_on_postgresql_with_a_redis_broker(settings):
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert not settings.CELERY_TASK_ALWAYS_EAGER


def test_healthz_reports_broker_reachable(client, transactional_db):
    response = client.get("/healthz")
    assert response.json() == {"database": "ok", "broker": "reachable"}


def test_verification_email_is_sent_by_a_real_worker_through_redis(client, celery_worker, county):
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302

    mails = wait_for(
        lambda: list(celery_worker.mail_dir.glob("*.log")) if celery_worker.mail_dir.exists() else []
    )
    assert mails, f"no mail delivered by the worker; its log:\n{celery_worker.log()}"
    message = mails[0].read_text()
    assert "To: xiaoming@example.com" in message
    assert "/accounts/confirm-email/" in message
    assert "accounts.tasks.send_email" in celery_worker.log()
    # The worker logs "succeeded" after the task returns, a moment after the mail file is written.
    assert wait_for(lambda: "succeeded" in celery_worker.log()), celery_worker.log()
