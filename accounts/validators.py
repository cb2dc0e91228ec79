from __future__ import annotations

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86/0086 prefix from a mainland mobile number."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def validate_mobile(value: str) -> None:
    if not _MOBILE_RE.match(value):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number, e.g. 13800138000."), code="invalid_mobile"
        )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, with its error in words this project's catalogue translates.

    Django 5.2 reworded the error ("… at least %d characters.") but its zh_Hans catalogue still
    translates only the former wording, so a too-short password was the one English error on the
    Chinese sign-up page. The message is ours now, in locale/, whatever Django's catalogues hold.
    """

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
