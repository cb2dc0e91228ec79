from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
