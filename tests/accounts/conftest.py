from __future__ import annotations

import re

import pytest

from talentportal import sms


@pytest.fixture
def sms_outbox(settings):
    """The SMS the portal sends, kept in memory (talentportal.sms.LocmemSmsBackend)."""
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def sms_code(outbox, to: str) -> str:
    """The six-digit code of the last SMS sent to ``to``."""
    texts = [message.body for message in outbox if message.to == to]
    assert texts, f"no SMS to {to}"
    match = re.search(r"\b(\d{6})\b", texts[-1])
    assert match, texts[-1]
    return match.group(1)
