from __future__ import annotations

from django.core import mail

from coordinator import services
from counties.models import Announcement
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


def test_announcements_are_sent_in_batches_over_one_connection(cohort, coordinator, monkeypatch):
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
    assert [size for _conn, size in batches] == [2, 2, 1]
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
