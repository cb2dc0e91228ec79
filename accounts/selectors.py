from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q

from .models import User


def user_sign_in_data(user: User) -> dict[str, Any]:
    """What the privacy export says about how ``user`` signs in: whether the mobile number is
    confirmed and which second factors are on, with when they were set up. Never a secret (no
    TOTP seed, no recovery code)."""
    factors = dict(Authenticator.objects.filter(user=user).values_list("type", "created_at"))
    totp = factors.get(Authenticator.Type.TOTP)
    codes = factors.get(Authenticator.Type.RECOVERY_CODES)
    return {
        "mobile_verified_at": user.mobile_verified_at.isoformat() if user.mobile_verified_at else None,
        "two_factor_authentication": totp is not None,
        "authenticator_app_since": totp.isoformat() if totp else None,
        "recovery_codes_since": codes.isoformat() if codes else None,
    }


def phone_holder(mobile: str) -> User | None:
    """The account that signs in with ``mobile`` (11 digits): its number confirmed by a code or
    an invitation link, or imported by a coordinator and never used (no usable password, never
    signed in: the code it is sent is the first proof). A number only typed into a profile or
    an abandoned sign-up signs nobody in."""
    return (
        User.objects.filter(mobile=mobile)
        .filter(
            Q(mobile_verified_at__isnull=False)
            | Q(last_login__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)
        )
        .first()
    )
