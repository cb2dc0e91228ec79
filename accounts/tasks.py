from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_email(*, subject: str, body: str, html: str, from_email: str, to: list[str]) -> None:
    """Deliver one already-rendered message (account mail: verification, password reset)."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
