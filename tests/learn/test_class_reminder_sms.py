"""The "class tomorrow" reminder reaches learners by SMS (those with a mobile number) and by
email (those with an address), once, through the daily reminder command."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from reminders.models import ReminderLog
from talentportal import sms
from tests import factories


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def run_daily_reminders() -> None:
    call_command("send_reminders", stdout=io.StringIO())


def test_class_tomorrow_goes_by_sms_to_mobile_learners_and_by_email_to_the_others(db, county, mailoutbox):
    cohort = factories.CohortFactory(county=county, name="桐庐电商一班")
    factories.ClassSessionFactory(
        cohort=cohort,
        date=timezone.localdate() + datetime.timedelta(days=1),
        start_time=datetime.time(9, 30),
        place="县职校302",
    )
    phone_only = factories.UserFactory(email=None, mobile="13800138000")
    both = factories.UserFactory(email="both@example.com", mobile="13900139000")
    email_only = factories.UserFactory(email="mail@example.com", mobile=None)
    opted_out = factories.UserFactory(email=None, mobile="13700137000", remind_by_sms=False)
    for learner in (phone_only, both, email_only, opted_out):
        factories.EnrollmentFactory(learner=learner, course=cohort.course, cohort=cohort)

    run_daily_reminders()
    run_daily_reminders()  # the scan and the sender run again: nothing is sent twice

    assert sorted(message.to for message in sms.outbox) == ["13800138000", "13900139000"]
    for message in sms.outbox:
        assert message.body.startswith("【数字人才学习平台】")
        assert "09:30" in message.body and "县职校302" in message.body and "桐庐电商一班" in message.body
        assert "/reminders/unsubscribe/" in message.body
    assert sorted(message.to[0] for message in mailoutbox) == ["both@example.com", "mail@example.com"]
    logs = ReminderLog.objects.filter(kind=ReminderLog.Kind.CLASS_TOMORROW)
    assert logs.count() == 3  # the learner who opted out of SMS and has no email gets no reminder
    assert set(logs.values_list("status", flat=True)) == {ReminderLog.Status.SENT}
    assert logs.get(enrollment__learner=phone_only).sent_sms


def test_no_class_tomorrow_no_sms(db, county):
    cohort = factories.CohortFactory(county=county)
    factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate() + datetime.timedelta(days=2))
    learner = factories.UserFactory(email=None, mobile="13800138000")
    factories.EnrollmentFactory(learner=learner, course=cohort.course, cohort=cohort)

    run_daily_reminders()

    assert sms.outbox == []
