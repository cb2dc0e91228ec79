from __future__ import annotations

import logging
import smtplib
from functools import partial

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.utils import timezone, translation

from talentportal.queue import enqueue

from .services import account_email_send

logger = logging.getLogger(__name__)

EMAIL_TASK = "accounts.tasks.send_email"


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        # One address, one account, whatever the capitals: stored lower-case.
        return super().clean_email(email).strip().lower()

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.name = data.get("name", "").strip()
        user.gender = data.get("gender") or ""
        user.birth_year = data.get("birth_year")
        if data.get("privacy_consent"):
            user.privacy_consent_at = timezone.now()
        language = translation.get_language()
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        return super().save_user(request, user, form, commit=commit)

    def get_login_stages(self) -> list[str]:
        # Sign-up waits for the address to be confirmed, signing in does not (accounts.stages).
        return [
            "accounts.stages.EmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the message now, in the reader's language; a worker delivers it after commit.

        A slow mail server must not hold up the sign-up page, and a rolled-back sign-up must
        not send anything. When the broker cannot take the message (Redis down), this request
        sends it itself: a confirmation link or a password reset that never arrives would lock
        the learner out, and no sweep would send it later.
        """
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        fields = {
            "subject": message.subject,
            "body": message.body,
            "html": html,
            "from_email": message.from_email,
            "to": list(message.to),
        }
        transaction.on_commit(partial(_deliver, fields))


def _deliver(fields: dict) -> None:
    if enqueue(EMAIL_TASK, **fields):
        return
    try:
        account_email_send(**fields)
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not send an account email to %s either", fields["to"])
