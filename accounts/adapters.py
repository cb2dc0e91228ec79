from __future__ import annotations

import logging
import smtplib
from functools import partial

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from talentportal.queue import enqueue
from talentportal.sms import SmsError, SmsMessage, get_sms_backend

from .forms import PhoneNumberField
from .models import User
from .phones import parse_mobile, to_e164
from .selectors import phone_holder
from .services import account_email_send, phone_unconfirmed_release, sms_send_record

logger = logging.getLogger(__name__)

EMAIL_TASK = "accounts.tasks.send_email"


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        # One address, one account, whatever the capitals: stored lower-case.
        return super().clean_email(email).strip().lower()

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        # allauth sets "" for an email left out; absent is NULL (unique constraint).
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email or None
        user.name = data.get("name", "").strip()
        user.gender = data.get("gender") or ""
        user.birth_year = data.get("birth_year")
        if data.get("privacy_consent"):
            user.privacy_consent_at = timezone.now()
        language = translation.get_language()
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        if commit:
            user.save()
        return user

    def add_message(
        self, request, level, message_template=None, message_context=None, extra_tags="", message=None
    ):
        # A number another account signs in with was not taken: no "verified" beside the refusal.
        if (
            getattr(request, "_phone_taken", False)
            and message_template == "account/messages/phone_verified.txt"
        ):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def get_login_stages(self) -> list[str]:
        # Sign-up waits for the number or address to be confirmed, signing in does not (accounts.stages).
        ours = {
            "allauth.account.stages.EmailVerificationStage": "accounts.stages.EmailVerificationStage",
            "allauth.account.stages.PhoneVerificationStage": "accounts.stages.PhoneVerificationStage",
        }
        return [ours.get(path, path) for path in super().get_login_stages()]

    # --- Phone numbers (allauth speaks E.164, the portal stores 11 digits: accounts.phones) ---

    def phone_form_field(self, **kwargs):
        return PhoneNumberField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return phone

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        """Store a number typed at sign-up (or changed), unconfirmed unless ``verified``.

        An unconfirmed number is never used to sign in (``get_user_by_phone``), so storing it
        gives nobody an account; another account holding the same number unconfirmed loses it
        (``phone_unconfirmed_release``): typing a number proves nothing, entering its code does.
        """
        mobile = parse_mobile(phone)
        if mobile and mobile != user.mobile:
            phone_unconfirmed_release(mobile=mobile, keep=user)
        user.mobile = mobile
        user.mobile_verified_at = timezone.now() if verified else None
        if user.pk:
            user.save(update_fields=["mobile", "mobile_verified_at"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        if not user.mobile:
            return None
        return to_e164(user.mobile), user.mobile_verified_at is not None

    def set_phone_verified(self, user: User, phone: str) -> None:
        """The number's code was entered: it is the account's number, confirmed. Adding or
        changing a number (allauth's phone page) stores it only now, once proven; an account
        holding it unconfirmed loses it. When another account can sign in with it, nothing
        changes and the page says so (allauth's "verified" message is replaced)."""
        mobile = parse_mobile(phone)
        if mobile is None:
            return
        holder = phone_holder(mobile)
        if holder is not None and holder.pk != user.pk:
            _refuse_phone_taken()
            return
        if user.mobile == mobile and user.mobile_verified_at is not None:
            return
        phone_unconfirmed_release(mobile=mobile, keep=user)
        user.mobile = mobile
        user.mobile_verified_at = timezone.now()
        user.save(update_fields=["mobile", "mobile_verified_at"])

    def get_user_by_phone(self, phone: str) -> User | None:
        """The account that signs in with ``phone``: its number confirmed, or imported by a
        coordinator and never used (the SMS code is then the first proof). A number merely
        typed (profile, abandoned sign-up) signs nobody in."""
        mobile = parse_mobile(phone)
        return phone_holder(mobile) if mobile else None

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys failed sign-ins by email or username only: every phone sign-in would
        # share one key, and six wrong passwords on any number would lock out all of them.
        phone = credentials.get("phone")
        mobile = parse_mobile(phone) if phone else None
        if mobile:
            return f"{get_current_site(request).domain}:phone:{mobile}"
        return super()._get_login_attempts_cache_key(request, **credentials)

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs) -> None:
        with translation.override(user.language_code):
            body = render_to_string("account/sms/code.txt", {"code": code}).strip()
        self._send_sms(phone, body)

    def send_account_already_exists_sms(self, phone: str) -> None:
        body = render_to_string("account/sms/account_already_exists.txt").strip()
        self._send_sms(phone, body)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        # Nothing is sent to a number without an account, but the request is counted as if a code
        # went out: the daily cap per number then answers the same whether or not it studies here.
        self._send_sms(phone, None)

    def _send_sms(self, phone: str, body: str | None) -> None:
        """Send one text at a visitor's request, within the daily caps (accounts.smslimits).

        Over a cap the request ends with the "too many codes" page (429) and nothing is sent.
        Without a ``body`` the request is only counted (a number with no account).
        A provider that cannot be reached is logged: the page still asks for the code, and the
        learner can ask for it again.
        """
        request = allauth_context.request
        mobile = parse_mobile(phone)
        if mobile is None:
            return
        if not sms_send_record(mobile=mobile, address=self.get_client_ip(request)):
            raise ImmediateHttpResponse(render(request, "account/sms_limited.html", status=429))
        if body is None:
            return
        try:
            get_sms_backend().send_messages([SmsMessage(to=mobile, body=settings.SMS_SIGNATURE + body)])
        except SmsError:
            logger.exception("Could not send an SMS code to learner's number")

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


def _refuse_phone_taken() -> None:
    """Replace allauth's coming "number verified" message by the refusal."""
    request = allauth_context.request
    if request is None:
        return
    request._phone_taken = True
    messages.error(request, _("This mobile number is already used by another account."))


def _deliver(fields: dict) -> None:
    if enqueue(EMAIL_TASK, **fields):
        return
    try:
        account_email_send(**fields)
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not send an account email to %s either", fields["to"])
