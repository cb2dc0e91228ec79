from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from .models import User


def user_set_language(*, user: User, language: str) -> None:
    """Remember a signed-in user's language choice on their account."""
    if language not in dict(settings.LANGUAGES) or user.preferred_language == language:
        return
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def account_email_send(*, subject: str, body: str, html: str, from_email: str, to: list[str]) -> None:
    """Deliver one already-rendered account message (address confirmation, password reset, "you
    already have an account"). Raises what the mail backend raises; sends once per call."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
