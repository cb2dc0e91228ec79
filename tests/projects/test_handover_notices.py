"""The handover flags' notices, as the review found them: one row per flag, recipient and channel,
each message sent at most once; a mail server or SMS provider failing leaves only its own notices
for the next daily run and blocks no other flag; staff are told through the programme's
addresses (PROJECTS_HANDOVER_STAFF_EMAILS), not one by one. Which projects are flagged: every
status but handed over and ended, and terms that staff ended early."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import IntegrityError, transaction
from django.utils import timezone

from officers.services import appointments_end
from projects.models import HandoverFlag, HandoverNotice, Project
from projects.tasks import flag_handover_risks
from talentportal import sms
from tests import factories

from .conftest import appoint, days, make_project


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PROJECTS_HANDOVER_STAFF_EMAILS = []


def _failing_on_call(monkeypatch, number: int, error: Exception):
    """The locmem mail backend raising ``error`` on its ``number``-th call only."""
    real = locmem.EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == number:
            raise error
        return real(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", flaky)


def test_a_mail_server_failure_resends_nothing_already_sent_and_blocks_no_other_flag(
    county, monkeypatch, sms_outbox
):
    officer = factories.UserFactory(email="off@example.com", remind_by_sms=False)
    appoint(officer, county, end_days=10)
    make_project(county, officer, title="A")
    make_project(county, officer, title="B")
    _failing_on_call(monkeypatch, 2, smtplib.SMTPServerDisconnected("smtp down"))

    first = flag_handover_risks()  # does not raise

    assert first == {"flagged": 2, "notified": 1, "sent": 1, "failed": 1}
    assert HandoverFlag.objects.filter(notified_at__isnull=True).count() == 1
    assert HandoverNotice.objects.filter(sent_at__isnull=True, claimed_at__isnull=True).count() == 1
    assert len(mail.outbox) == 1

    second = flag_handover_risks()
    assert second == {"flagged": 0, "notified": 1, "sent": 1, "failed": 0}
    assert sorted(message.subject for message in mail.outbox) == sorted(
        {message.subject for message in mail.outbox}
    )  # each project's notice once
    assert len(mail.outbox) == 2
    assert not HandoverFlag.objects.filter(notified_at__isnull=True).exists()
    assert flag_handover_risks()["sent"] == 0 and len(mail.outbox) == 2


def test_an_sms_failure_after_the_email_resends_only_the_sms(county, monkeypatch, sms_outbox):
    officer = factories.UserFactory(email="off@example.com", mobile="13800000001", remind_by_sms=True)
    appoint(officer, county, end_days=10)
    make_project(county, officer, title="A")

    def provider_down(self, messages):
        raise sms.SmsError("provider down")

    monkeypatch.setattr(sms.LocmemSmsBackend, "send_messages", provider_down)
    assert flag_handover_risks() == {"flagged": 1, "notified": 0, "sent": 1, "failed": 1}
    assert len(mail.outbox) == 1 and not sms_outbox
    monkeypatch.undo()

    assert flag_handover_risks() == {"flagged": 0, "notified": 1, "sent": 1, "failed": 0}
    assert len(mail.outbox) == 1 and [message.to for message in sms_outbox] == ["13800000001"]
    assert HandoverFlag.objects.get().notified_at is not None


def test_an_unexpected_error_is_logged_keeps_the_claim_and_the_other_flags_go_on(
    county, other_county, monkeypatch, sms_outbox, caplog
):
    first = factories.UserFactory(email="first@example.com", remind_by_sms=False)
    second = factories.UserFactory(email="second@example.com", remind_by_sms=False)
    appoint(first, county, end_days=10)
    appoint(second, other_county, end_days=10)
    make_project(county, first, title="A")
    make_project(other_county, second, title="B")
    _failing_on_call(monkeypatch, 1, ValueError("a bug in a backend"))

    result = flag_handover_risks()

    assert result == {"flagged": 2, "notified": 1, "sent": 1, "failed": 1}
    assert "notices stopped" in caplog.text
    # The message may have left before the error: its claim stays, so it is never sent twice.
    stuck = HandoverNotice.objects.get(sent_at__isnull=True)
    assert stuck.claimed_at is not None
    monkeypatch.undo()
    assert flag_handover_risks()["sent"] == 0
    assert len(mail.outbox) == 1


def test_a_claimed_notice_is_not_sent_by_a_second_run(county, sms_outbox):
    from projects import services

    officer = factories.UserFactory(email="off@example.com", remind_by_sms=False)
    appoint(officer, county, end_days=10)
    make_project(county, officer)
    services.handover_risks_flag()
    flag = HandoverFlag.objects.get()
    services._notices_plan(flag)
    HandoverNotice.objects.update(claimed_at=timezone.now())  # another worker is sending it
    assert services.handover_flag_notify(flag_id=flag.pk) == (0, 0)
    assert not mail.outbox


def test_one_notice_per_flag_recipient_and_channel(county, sms_outbox):
    officer = factories.UserFactory(email="off@example.com")
    appoint(officer, county, end_days=10)
    make_project(county, officer)
    flag_handover_risks()
    notice = HandoverNotice.objects.filter(channel="email").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        HandoverNotice.objects.create(flag=notice.flag, recipient=notice.recipient, channel="email")


def test_staff_are_told_through_the_programme_addresses_only(
    county, coordinator, staff, settings, sms_outbox
):
    officer = factories.UserFactory(email="off@example.com", remind_by_sms=False)
    appoint(officer, county, end_days=10)
    make_project(county, officer, title="直播基地")
    flag_handover_risks()
    assert staff.email not in [address for message in mail.outbox for address in message.to]
    assert sorted(message.to[0] for message in mail.outbox) == sorted([officer.email, coordinator.email])

    settings.PROJECTS_HANDOVER_STAFF_EMAILS = ["programme@example.org"]
    make_project(county, officer, title="数字记账")
    mail.outbox.clear()
    flag_handover_risks()
    programme = [message for message in mail.outbox if message.to == ["programme@example.org"]]
    assert len(programme) == 1 and "数字记账" in programme[0].subject
    assert staff.email not in [address for message in mail.outbox for address in message.to]


def test_a_term_ended_early_by_staff_today_is_flagged(county, sms_outbox):
    officer = factories.UserFactory(email="off@example.com")
    appointment = appoint(officer, county, end_days=150)
    make_project(county, officer, title="A")
    appointments_end(appointments=[appointment])
    assert flag_handover_risks()["flagged"] == 1
    assert HandoverFlag.objects.get().term_ends_on == days(-1)


def test_a_term_that_ended_beyond_the_grace_period_is_not_flagged(county, sms_outbox):
    officer = factories.UserFactory()
    appoint(officer, county, start_days=-400, end_days=-31)
    make_project(county, officer, start_date=days(-300))
    assert flag_handover_risks()["flagged"] == 0


def test_an_officer_going_on_under_a_new_term_is_not_flagged(county, sms_outbox):
    officer = factories.UserFactory()
    appoint(officer, county, start_days=-400, end_days=-2)
    appoint(officer, county, start_days=-1, end_days=300)
    make_project(county, officer)
    assert flag_handover_risks()["flagged"] == 0


@pytest.mark.parametrize(
    ("status", "flagged"),
    [
        (Project.Status.PLANNED, 1),
        (Project.Status.RUNNING, 1),
        (Project.Status.STALLED, 1),
        (Project.Status.ENDED, 0),
    ],
)
def test_every_status_but_handed_over_and_ended_is_flagged(county, sms_outbox, status, flagged):
    officer = factories.UserFactory()
    appoint(officer, county, end_days=10)
    make_project(county, officer, status=status)
    assert flag_handover_risks()["flagged"] == flagged
