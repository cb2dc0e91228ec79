"""A pluggable SMS channel, shaped like Django's email backends.

``settings.SMS_BACKEND`` names a class with ``send_messages(messages) -> int``. The portal ships
a console backend (default), a file backend and an in-memory one for tests; a provider's
backend (Aliyun SMS, Tencent Cloud SMS…) subclasses BaseSmsBackend and calls its API — see
README.md, "Plugging in an SMS provider".
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    to: str  # an 11-digit mainland mobile number
    body: str


class SmsError(Exception):
    """A backend could not hand messages to the provider (network down, provider unavailable):
    worth trying again later. Backends raise it, or a subclass, rather than their client's own
    errors, so that tasks know what to retry."""


class BaseSmsBackend:
    def send_messages(self, messages: list[SmsMessage]) -> int:
        """Send ``messages``; return how many were accepted. Raises SmsError when the provider
        cannot be reached."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each message: the embedded default, like Django's console email backend."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send_messages(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            self.stream.write(f"SMS to {message.to}: {message.body}\n")
        self.stream.flush()
        return len(messages)


class FileSmsBackend(BaseSmsBackend):
    """Appends one JSON line per message to ``settings.SMS_FILE_PATH``."""

    _lock = threading.Lock()

    def send_messages(self, messages: list[SmsMessage]) -> int:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(
            json.dumps({**asdict(m), "at": timezone.now().isoformat()}, ensure_ascii=False) + "\n"
            for m in messages
        )
        with self._lock, path.open("a", encoding="utf-8") as file:
            file.write(lines)
        return len(messages)


outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in ``talentportal.sms.outbox`` (tests)."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
