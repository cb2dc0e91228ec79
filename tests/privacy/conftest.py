from tests.accounts.conftest import sms_outbox  # noqa: F401 (the SMS sent, kept in memory)
