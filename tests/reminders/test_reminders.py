"""Reminders: the daily scan queues what is due once per day, the sender delivers it once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from enrollment.models import Enrollment
from reminders import services as reminders
from reminders.models import ReminderLog
from talentportal import sms
from tests import factories

Kind = ReminderLog.Kind


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def enrol(
    *, days_idle: int, cohort=None, email="learner@example.com", mobile=None, language="zh-hans", **user
):
    learner = factories.UserFactory(
        email=email, mobile=mobile, preferred_language=language, name="李小梅", **user
    )
    course = cohort.course if cohort else factories.CourseFactory(title="农村电商运营")
    enrollment = factories.EnrollmentFactory(
        learner=learner, course=course, cohort=cohort, progress_percent=40
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(
        last_activity_at=timezone.now() - timedelta(days=days_idle),
        enrolled_at=timezone.now() - timedelta(days=30),
    )
    return enrollment


def queued(kind=None):
    logs = ReminderLog.objects.filter(status=ReminderLog.Status.QUEUED)
    return logs.filter(kind=kind) if kind else logs


def test_inactive_learner_is_reminded_once_however_often_the_scan_runs(db, mailoutbox):
    enrollment = enrol(days_idle=8)
    enrol(days_idle=2, email="busy@example.com")

    assert reminders.reminders_scan()[Kind.INACTIVE] == 1
    assert reminders.reminders_scan()[Kind.INACTIVE] == 0
    assert reminders.reminders_send_queued() == 1
    assert reminders.reminders_send_queued() == 0

    [message] = mailoutbox
    assert message.to == ["learner@example.com"]
    assert "农村电商运营" in message.subject
    assert "40%" in message.body
    assert "/reminders/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    log = ReminderLog.objects.get()
    assert (log.enrollment, log.kind, log.status, log.sent_email) == (enrollment, Kind.INACTIVE, "sent", True)


def test_inactive_reminder_is_not_repeated_within_a_week(db):
    enrollment = enrol(days_idle=20)
    ReminderLog.objects.create(
        enrollment=enrollment, kind=Kind.INACTIVE, day=timezone.localdate() - timedelta(days=3), status="sent"
    )
    assert reminders.reminders_scan()[Kind.INACTIVE] == 0


def test_reminder_is_written_in_the_learners_language(db, mailoutbox):
    enrol(days_idle=8, language="en")
    reminders.reminders_scan()
    reminders.reminders_send_queued()
    assert mailoutbox[0].subject == "Keep going with “农村电商运营”"


def test_sms_channel_and_opt_outs(db, mailoutbox):
    enrol(days_idle=8, email=None, mobile="13800138000")
    enrol(days_idle=8, email="no-email@example.com", remind_by_email=False)
    enrol(days_idle=8, email="both@example.com", mobile="13900139000", remind_by_sms=False)

    assert reminders.reminders_scan()[Kind.INACTIVE] == 2  # the one who opted out of email has no channel
    reminders.reminders_send_queued()
    assert [m.to for m in sms.outbox] == ["13800138000"]
    assert sms.outbox[0].body.startswith("【数字人才学习平台】")
    assert [m.to for m in mailoutbox] == [["both@example.com"]]


def test_cohort_ending_with_work_unfinished(db, county):
    today = timezone.localdate()
    ending = factories.CohortFactory(county=county, end_date=today + timedelta(days=5))
    later = factories.CohortFactory(county=county, end_date=today + timedelta(days=30))
    due = enrol(days_idle=1, cohort=ending)
    enrol(days_idle=1, cohort=later, email="later@example.com")
    done = enrol(days_idle=1, cohort=ending, email="done@example.com")
    Enrollment.objects.filter(pk=done.pk).update(progress_percent=100)

    reminders.reminders_scan()
    assert list(queued(Kind.COHORT_ENDING).values_list("enrollment", flat=True)) == [due.pk]


def test_offline_class_tomorrow(db, county, mailoutbox):
    cohort = factories.CohortFactory(county=county, name="桐庐职校电商一班")
    factories.ClassSessionFactory(
        cohort=cohort, date=timezone.localdate() + timedelta(days=1), place="县职校302"
    )
    factories.ClassSessionFactory(cohort=factories.CohortFactory(county=county), date=timezone.localdate())
    enrollment = enrol(days_idle=1, cohort=cohort)

    reminders.reminders_scan()
    assert list(queued(Kind.CLASS_TOMORROW).values_list("enrollment", flat=True)) == [enrollment.pk]
    reminders.reminders_send_queued()
    assert "县职校302" in mailoutbox[0].body
    assert "桐庐职校电商一班" in mailoutbox[0].subject


def test_withdrawn_and_deactivated_learners_get_nothing(db):
    withdrawn = enrol(days_idle=8)
    Enrollment.objects.filter(pk=withdrawn.pk).update(status=Enrollment.Status.WITHDRAWN)
    enrol(days_idle=8, email="gone@example.com", is_active=False)
    assert reminders.reminders_scan()[Kind.INACTIVE] == 0


def test_send_reminders_command_scans_and_sends(db, mailoutbox):
    enrol(days_idle=8)
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert "inactive: 1 queued" in out.getvalue()
    assert "Sent: 1" in out.getvalue()
    call_command("send_reminders", stdout=io.StringIO())
    assert len(mailoutbox) == 1


def test_unsubscribe_link_asks_then_stops_the_channel(client, db):
    enrollment = enrol(days_idle=8)
    learner = enrollment.learner
    url = reminders.unsubscribe_url(user_id=learner.pk, channel="email").split("testserver")[-1]
    path = url[url.index("/reminders/") :]

    assert client.get(path).status_code == 200
    learner.refresh_from_db()
    assert learner.remind_by_email is True  # a link scanner's GET changes nothing

    assert client.post(path).status_code == 200
    learner.refresh_from_db()
    assert (learner.remind_by_email, learner.remind_by_sms) == (False, True)
    assert reminders.reminders_scan()[Kind.INACTIVE] == 0


def test_tampered_unsubscribe_token_is_404(client, db):
    enrollment = enrol(days_idle=8)
    token = reminders.unsubscribe_token(user_id=enrollment.learner_id, channel="email")
    assert client.post(f"/reminders/unsubscribe/{token[:-2]}xx/").status_code == 404
    enrollment.learner.refresh_from_db()
    assert enrollment.learner.remind_by_email is True
