"""One-tap invitation links for learners a coordinator imported with only a mobile number.

The link in the SMS (``/accounts/welcome/<uid>/<token>/``) signs its learner in and confirms the
number (the SMS reached it). The token is an HMAC over the account's state, like Django's
password-reset tokens, so it needs no table:

- it expires after ``ACCOUNT_INVITATION_LINK_DAYS`` (default 7);
- it works once: signing in changes ``last_login``, which the HMAC covers, and so do setting a
  password or changing the number;
- it is short (about 30 characters), as an SMS needs.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from .models import User

_SALT = "accounts.invitations.mobile"


def _hash(user: User, timestamp: int) -> str:
    login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
    value = f"{user.pk}{user.mobile}{user.password}{login}{timestamp}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[::2][:20]


def invitation_token(user: User, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"{int_to_base36(timestamp)}-{_hash(user, timestamp)}"


def invitation_path(user: User) -> str:
    """The site-relative one-tap link for ``user`` (who has a mobile number)."""
    return reverse(
        "accounts:welcome", kwargs={"uidb36": int_to_base36(user.pk), "token": invitation_token(user)}
    )


def invitation_user(uidb36: str, token: str) -> User | None:
    """The active learner whose valid, unexpired, unused link this is, or None."""
    try:
        pk = base36_to_int(uidb36)
        ts_b36, _sep, _digest = token.partition("-")
        timestamp = base36_to_int(ts_b36)
    except ValueError:
        return None
    if time.time() - timestamp > settings.ACCOUNT_INVITATION_LINK_DAYS * 24 * 3600:
        return None
    user = User.objects.filter(pk=pk, is_active=True, mobile__isnull=False).first()
    if user is None or not constant_time_compare(token, invitation_token(user, timestamp=timestamp)):
        return None
    return user
