"""Account mail (address confirmation, password reset) reaches the learner even when the broker
cannot take it: without it a learner cannot confirm a sign-up or reset a password."""

from __future__ import annotations

import logging
import smtplib

import pytest
from kombu.exceptions import OperationalError

from accounts.tasks import send_email
from tests.accounts.test_signup import SIGNUP, signup_data


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_email, "apply_async", refuse)


def test_the_confirmation_is_sent_from_the_request_when_the_broker_is_down(
    client, county, broker_down, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.WARNING, logger="talentportal.queue")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    assert "Could not queue accounts.tasks.send_email" in caplog.text
    [message] = mailoutbox
    assert message.to == ["xiaoming@example.com"]
    assert "/accounts/confirm-email/" in message.body


def test_the_password_reset_is_sent_from_the_request_when_the_broker_is_down(
    client, learner, broker_down, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == [learner.email]
    assert "/accounts/password/reset/key/" in message.body


def test_a_mail_server_down_too_does_not_fail_the_sign_up(
    client, county, broker_down, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPConnectError(421, "unavailable")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    assert "Could not send an account email" in caplog.text
