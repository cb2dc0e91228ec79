from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends import locmem

from accounts.models import User
from coordinator import services, tasks
from counties.models import Announcement, Cohort
from tests import factories
from tests.coordinator.conftest import enrol


def post(client, cohort, **data):
    return client.post(f"/counties/coordinator/cohorts/{cohort.pk}/announcements/", data)


def test_announcement_is_emailed_to_the_class_after_commit(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    learners = [enrol(cohort).learner for _ in range(3)]
    opted_out = enrol(cohort).learner
    opted_out.remind_by_email = False
    opted_out.save()
    enrol(cohort, status="withdrawn")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert post(client, cohort, title="周六上课", body="带上手机。").status_code == 302
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(learner.email for learner in learners)
    assert "周六上课" in mail.outbox[0].subject and "带上手机。" in mail.outbox[0].body
    assert Announcement.objects.get().emailed_at is not None


def test_announcements_are_sent_over_one_connection(cohort, coordinator, monkeypatch):
    for _ in range(5):
        enrol(cohort)
    monkeypatch.setattr(services, "EMAIL_BATCH", 2)
    batches = []
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def spy(self, messages):
        batches.append((id(self), len(messages)))
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", spy)
    announcement = Announcement.objects.create(cohort=cohort, author=coordinator, title="t", body="b")
    assert services.announcement_email_send(announcement_id=announcement.pk) == 5
    # One message per call (so that one refused address does not stop the rest), one connection.
    assert [size for _conn, size in batches] == [1, 1, 1, 1, 1]
    assert len({conn for conn, _size in batches}) == 1


def test_announcement_email_is_sent_once(cohort, coordinator):
    enrol(cohort)
    announcement = Announcement.objects.create(cohort=cohort, author=coordinator, title="t", body="b")
    assert services.announcement_email_send(announcement_id=announcement.pk) == 1
    assert services.announcement_email_send(announcement_id=announcement.pk) == 0
    assert len(mail.outbox) == 1


def test_learners_see_their_cohorts_announcements_on_their_dashboard(client, cohort, coordinator, county):
    learner = enrol(cohort).learner
    mine = Announcement.objects.create(cohort=cohort, author=coordinator, title="明天带身份证", body="b")
    Announcement.objects.create(cohort=factories.CohortFactory(county=county), title="别班通知", body="b")
    client.force_login(learner)
    response = client.get("/learn/")
    assert [a["title"] for a in response.context["announcements"]] == [mine.title]
    assert "明天带身份证" in response.content.decode()
    assert "别班通知" not in response.content.decode()


def test_empty_announcement_shows_errors(client, coordinator, cohort):
    client.force_login(coordinator)
    response = post(client, cohort, title="", body="")
    assert set(response.context["form"].errors) == {"title", "body"}
    assert not Announcement.objects.exists()


# --- line breaks, bad addresses and mail server errors --------------------------------------------


class FlakyBackend(locmem.EmailBackend):
    """The locmem backend with an SMTP server's failures: it refuses the address
    refused@example.com as a server would, and drops the connection on the first
    ``disconnects`` messages."""

    disconnects = 0

    def send_messages(self, messages):
        for message in messages:
            if FlakyBackend.disconnects:
                FlakyBackend.disconnects -= 1
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if "refused@example.com" in message.to:
                raise smtplib.SMTPRecipientsRefused({"refused@example.com": (550, b"No such user")})
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.coordinator.test_announcements.FlakyBackend"
    FlakyBackend.disconnects = 0
    yield FlakyBackend
    FlakyBackend.disconnects = 0


@pytest.mark.parametrize("title", ["周六上课\r\nBcc: everyone@example.com", "周六\n上课", "周六\u2028上课"])
def test_a_title_with_a_line_break_is_refused(english, coordinator, cohort, title):
    enrol(cohort)
    english.force_login(coordinator)
    response = post(english, cohort, title=title, body="带上手机。")
    assert response.status_code == 200
    assert "single line" in response.context["form"].errors["title"][0]
    assert not Announcement.objects.exists()
    assert mail.outbox == []


def test_a_class_name_with_a_line_break_gives_a_one_line_subject(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    # Class names were saved before they were validated.
    Cohort.objects.filter(pk=cohort.pk).update(name="2026春季班\r\nBcc: x@example.com")
    learner = enrol(cohort).learner
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, cohort, title="周六上课", body="带上手机。").status_code == 302
    [message] = mail.outbox
    assert message.to == [learner.email]
    assert message.subject == "[2026春季班 Bcc: x@example.com] 周六上课"
    assert message.message()["Bcc"] is None
    assert Announcement.objects.get().emailed_at is not None


def test_bad_addresses_are_skipped_and_the_class_still_emailed(
    cohort, coordinator, flaky_mail, monkeypatch, caplog
):
    monkeypatch.setattr(services, "EMAIL_BATCH", 2)
    good = [enrol(cohort).learner for _ in range(3)]
    invalid = enrol(cohort).learner
    User.objects.filter(pk=invalid.pk).update(email="not an address@example.com")
    refused = enrol(cohort).learner
    User.objects.filter(pk=refused.pk).update(email="refused@example.com")
    announcement = Announcement.objects.create(cohort=cohort, author=coordinator, title="t", body="b")
    assert tasks.announcement_email.delay(announcement_id=announcement.pk).get() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(learner.email for learner in good)
    announcement.refresh_from_db()
    assert announcement.emailed_at is not None
    skipped = [record.getMessage() for record in caplog.records if "skipped" in record.getMessage()]
    assert len(skipped) == 2
    assert all("@" not in message for message in skipped)  # learner ids, not addresses, in the log


def test_a_mail_server_error_is_retried_and_each_learner_emailed_once(
    cohort, coordinator, flaky_mail, monkeypatch
):
    monkeypatch.setattr(services, "EMAIL_BATCH", 2)
    learners = [enrol(cohort).learner for _ in range(5)]
    announcement = Announcement.objects.create(cohort=cohort, author=coordinator, title="t", body="b")
    flaky_mail.disconnects = 1
    # As a worker runs it: the task's own retry policy (eager runs propagate errors instead).
    result = tasks.announcement_email.apply(kwargs={"announcement_id": announcement.pk}, throw=False)
    assert result.successful()
    assert flaky_mail.disconnects == 0  # the server did fail once
    assert sorted(m.to[0] for m in mail.outbox) == sorted(learner.email for learner in learners)
    announcement.refresh_from_db()
    assert announcement.emailed_at is not None
