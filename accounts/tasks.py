from __future__ import annotations

import smtplib

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_email(*, subject: str, body: str, html: str, from_email: str, to: list[str]) -> None:
    """Deliver one already-rendered message (account mail: verification, password reset)."""
    services.account_email_send(subject=subject, body=body, html=html, from_email=from_email, to=to)


@shared_task
def purge_sms_sends() -> int:
    """Delete the SMS counts that no longer count (older than two days); idempotent."""
    return services.sms_sends_purge()
