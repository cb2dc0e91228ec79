"""Confirming a grave step (deleting the account) by an SMS code, for accounts without a password.

A learner who signed up with only a mobile number signs in by code and has no password to type
again. The code is sent through the portal's SMS backend within the daily caps
(accounts.smslimits); only its hash is kept, in the session, for ten minutes and three tries.
"""

from __future__ import annotations

import logging
import secrets
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac

from talentportal.sms import SmsError, SmsMessage, get_sms_backend

from .models import User
from .services import sms_send_record

logger = logging.getLogger(__name__)

SESSION_KEY = "accounts_sms_reauth"
CODE_SECONDS = 10 * 60
MAX_TRIES = 3


def _digest(user: User, code: str) -> str:
    return salted_hmac("accounts.reauth", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


def sms_reauth_code_send(request, *, user: User) -> bool:
    """Send a fresh six-digit code to ``user``'s number and remember its hash in the session.

    Returns False, sending nothing, when the account has no number or a daily SMS cap is
    reached. A provider that cannot be reached counts as sent: the learner asks again.
    """
    if not user.mobile:
        return False
    if not sms_send_record(mobile=user.mobile, address=get_adapter().get_client_ip(request)):
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    request.session[SESSION_KEY] = {"digest": _digest(user, code), "at": time.time(), "tries": 0}
    with translation.override(user.language_code):
        body = render_to_string("account/sms/code.txt", {"code": code}).strip()
    try:
        get_sms_backend().send_messages([SmsMessage(to=user.mobile, body=settings.SMS_SIGNATURE + body)])
    except SmsError:
        logger.exception("Could not send an SMS code to confirm a step")
    return True


def sms_reauth_code_check(request, *, user: User, code: str) -> bool:
    """Is ``code`` the unexpired code last sent to ``user`` in this session? A right code is
    used up; after three wrong ones the code is void and a new one must be sent."""
    state = request.session.get(SESSION_KEY)
    if not state or time.time() - state["at"] > CODE_SECONDS or state["tries"] >= MAX_TRIES:
        request.session.pop(SESSION_KEY, None)
        return False
    if constant_time_compare(state["digest"], _digest(user, code.strip())):
        request.session.pop(SESSION_KEY, None)
        return True
    state["tries"] += 1
    request.session[SESSION_KEY] = state
    return False
