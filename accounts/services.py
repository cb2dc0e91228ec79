from __future__ import annotations

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from .models import SmsSend, User
from .smslimits import number_hash, sms_code_allowed


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


def sms_send_record(*, mobile: str, address: str) -> bool:
    """Count one SMS code to ``mobile`` asked for from ``address``, if the daily caps allow it
    (accounts.smslimits). Returns False, recording nothing, when a cap is reached.

    The check and the insert are not under one lock: two requests at the same instant may both
    pass the last free place, an overshoot of at most the number of concurrent requests.
    """
    if not sms_code_allowed(mobile=mobile, address=address):
        return False
    SmsSend.objects.create(number_hash=number_hash(mobile), address_hash=number_hash(address))
    return True


def sms_sends_purge(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete the SMS counts older than ``older_than`` (they no longer count); idempotent.
    Returns how many rows were deleted."""
    deleted, _by_model = SmsSend.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted


def user_mobile_confirm(*, user: User) -> None:
    """Record that ``user`` proved their mobile number (an SMS link reached them); idempotent."""
    if user.mobile_verified_at is None:
        user.mobile_verified_at = timezone.now()
        user.save(update_fields=["mobile_verified_at"])


def user_sign_in_data_erase(*, user: User) -> None:
    """The accounts part of deleting an account (privacy): the second factors (authenticator
    app, recovery codes) go, and so do the SMS counts of the user's number; the number is marked
    unconfirmed. Call it before the number is removed. Idempotent."""
    Authenticator.objects.filter(user=user).delete()
    if user.mobile:
        SmsSend.objects.filter(number_hash=number_hash(user.mobile)).delete()
    if user.mobile_verified_at is not None:
        user.mobile_verified_at = None
        user.save(update_fields=["mobile_verified_at"])


def phone_unconfirmed_release(*, mobile: str, keep: User) -> None:
    """Take ``mobile`` away from every other account that holds it unconfirmed and cannot sign in
    with it (accounts.selectors.phone_holder), so that ``keep`` may store it. Idempotent.

    An account with an email address keeps its account and loses the number. One with only the
    number is an abandoned sign-up (never signed in; nothing else reaches it) and is deleted.
    An account that signed in with only that unconfirmed number (from before numbers had to
    be confirmed) is left alone: the unique constraint then refuses ``keep``'s number.
    """
    others = (
        User.objects.filter(mobile=mobile, mobile_verified_at__isnull=True)
        .exclude(pk=keep.pk)
        .exclude(last_login__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )
    others.filter(email__isnull=False).update(mobile=None)
    for abandoned in others.filter(email__isnull=True, last_login__isnull=True):
        abandoned.delete()
