"""Mobile numbers: parsed and checked with phonenumbers, stored in ONE format.

The portal stores a mainland mobile number as its 11 national digits (``13800138000``): that is
what coordinators' spreadsheets hold, what the SMS backend sends to and what the unique
constraint on ``User.mobile`` compares. allauth's phone support speaks E.164
(``+8613800138000``); the adapter converts at that boundary with the two functions here, so no
other format ever reaches the database.
"""

from __future__ import annotations

import phonenumbers

REGION = "CN"
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse_mobile(value: str | None) -> str | None:
    """The 11 national digits of a valid mainland mobile number written in any usual way
    (``138 0013 8000``, ``+86 138-0013-8000``, ``0086…``, E.164), or None."""
    text = (value or "").strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    national = str(number.national_number)
    return national if len(national) == 11 else None


def to_e164(mobile: str) -> str:
    """allauth's form of a stored number: ``13800138000`` → ``+8613800138000``."""
    return f"+86{mobile}"
