"""How many SMS codes the portal sends, so that nobody can use it to pump SMS at its cost.

Two layers. allauth's own limits (``ACCOUNT_RATE_LIMITS``, counted in the cache) stop bursts:
a code request per number and per address a minute. Behind them, the caps here count every
code actually sent in the database (``SmsSend``): per number and per client address in any 24
hours, and for the whole portal per day. Being in the database they hold while Redis is down,
when the cache's limits let requests through uncounted. The numbers are in settings
(``SMS_CODES_PER_NUMBER_PER_DAY``, ``SMS_CODES_PER_ADDRESS_PER_DAY``, ``SMS_CODES_PER_DAY``) and
in the README.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import SmsSend

_SALT = "accounts.smslimits"


def number_hash(value: str) -> str:
    """The keyed hash a number or an address is counted under (equal values, equal hashes)."""
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()


def sms_code_allowed(*, mobile: str, address: str) -> bool:
    """May one more code go to ``mobile`` at the request of ``address`` now? Reads only."""
    since = timezone.now() - timedelta(days=1)
    recent = SmsSend.objects.filter(sent_at__gt=since)
    if recent.filter(number_hash=number_hash(mobile)).count() >= settings.SMS_CODES_PER_NUMBER_PER_DAY:
        return False
    if recent.filter(address_hash=number_hash(address)).count() >= settings.SMS_CODES_PER_ADDRESS_PER_DAY:
        return False
    return not (settings.SMS_CODES_PER_DAY and recent.count() >= settings.SMS_CODES_PER_DAY)
