"""The periodic sweeps that queue again the coordinator's background work whose message was lost
(broker down at commit) or whose worker died: student imports and announcement emails."""

from __future__ import annotations

import io
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from accounts.models import User
from coordinator import imports, services, tasks
from coordinator.imports import import_job_check, import_job_claim, import_job_commit, import_jobs_sweep
from counties.models import Announcement, ImportJob, LearnerProfile
from enrollment.models import Enrollment
from talentportal.queue import task_named
from tests.coordinator.conftest import enrol, upload

CSV = "姓名,手机,邮箱\n张三,13800138000,zhangsan@example.com\n李四,13900139000,\n"


@pytest.fixture(autouse=True)
def _sweep_settings(settings):
    settings.IMPORT_SWEEP_AFTER_MINUTES = 10
    settings.IMPORT_SWEEP_MAX_REQUEUES = 3
    settings.ANNOUNCEMENT_SWEEP_AFTER_MINUTES = 10
    settings.ANNOUNCEMENT_SWEEP_WITHIN_HOURS = 48


def new_job(cohort, coordinator) -> ImportJob:
    """A job as the upload leaves it: CHECKING, its dry run queued (the message is then lost)."""
    return imports.import_job_start(
        cohort=cohort, upload=upload(CSV.encode()), created_by=coordinator, site_url="http://x/"
    )


def claimed_job(cohort, coordinator) -> ImportJob:
    job = new_job(cohort, coordinator)
    import_job_check(job_id=job.pk)
    assert import_job_claim(job_id=job.pk)
    return job


def age(model, pk: int, minutes: int, field: str = "updated_at") -> None:
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(minutes=minutes)})


def counts():
    return (User.objects.count(), LearnerProfile.objects.count(), Enrollment.objects.count())


# --- student imports -----------------------------------------------------------------------------


def test_lost_dry_run_message_is_queued_again_by_the_sweep(
    cohort, coordinator, django_capture_on_commit_callbacks
):
    job = new_job(cohort, coordinator)
    age(ImportJob, job.pk, minutes=11)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        swept = import_jobs_sweep()
    assert (swept.requeued, swept.failed, len(callbacks)) == ([job.pk], [], 1)
    job.refresh_from_db()
    assert (job.status, job.requeue_count, job.created_count) == (ImportJob.Status.CHECKED, 1, 2)


def test_job_queued_again_too_often_is_failed_with_a_message(
    english, cohort, coordinator, django_capture_on_commit_callbacks
):
    coordinator.preferred_language = "en"
    coordinator.save(update_fields=["preferred_language"])
    job = new_job(cohort, coordinator)
    for attempt in range(1, 4):  # every message is lost again
        age(ImportJob, job.pk, minutes=11)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert import_jobs_sweep().requeued == [job.pk]
        assert len(callbacks) == 1
        job.refresh_from_db()
        assert (job.status, job.requeue_count) == (ImportJob.Status.CHECKING, attempt)
    age(ImportJob, job.pk, minutes=11)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        swept = import_jobs_sweep()
    assert (swept.requeued, swept.failed, callbacks) == ([], [job.pk], [])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "could not be checked" in job.error
    # The coordinator sees why, not a progress bar that never ends.
    english.force_login(coordinator)
    page = english.get(f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/").content.decode()
    assert "could not be checked" in page
    assert "<progress" not in page
    assert not import_jobs_sweep().failed  # a failed job is left alone


def test_commit_whose_worker_died_is_run_again_without_duplicate_accounts(
    cohort, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    job = claimed_job(cohort, coordinator)
    before = counts()

    def killed(**kwargs):
        raise SystemExit("worker killed")  # after the accounts were created, in the transaction

    with monkeypatch.context() as patch:
        patch.setattr(imports, "cohort_enrol_bulk", killed)
        with pytest.raises(SystemExit):
            import_job_commit(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, counts()) == (ImportJob.Status.IMPORTING, before)  # nothing was written

    age(ImportJob, job.pk, minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_jobs_sweep().requeued == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.enrolled_count, job.requeue_count) == (ImportJob.Status.DONE, 2, 1)
    assert User.objects.filter(mobile__in=["13800138000", "13900139000"]).count() == 2
    assert counts() == (before[0] + 2, before[1] + 2, before[2] + 2)
    assert [message.to for message in mail.outbox] == [["zhangsan@example.com"]]

    # A second delivery of the same message finds the job done and keeps its outcome.
    import_job_commit(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.enrolled_count) == (ImportJob.Status.DONE, 2)
    assert counts() == (before[0] + 2, before[1] + 2, before[2] + 2)
    assert [row["outcome"] for row in job.results] == ["created", "created"]


def test_late_dry_run_leaves_a_job_imported_meanwhile_as_it_is(cohort, coordinator, monkeypatch):
    job = new_job(cohort, coordinator)
    import_job_check(job_id=job.pk)
    original = imports.check_rows

    def check_while_the_coordinator_imports(**kwargs):
        rows = original(**kwargs)
        monkeypatch.setattr(imports, "check_rows", original)  # the commit checks the rows again
        assert import_job_claim(job_id=job.pk)
        import_job_commit(job_id=job.pk)
        return rows

    # A second dry run (queued again by the sweep) started before the coordinator clicked import.
    monkeypatch.setattr(imports, "check_rows", check_while_the_coordinator_imports)
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.enrolled_count) == (ImportJob.Status.DONE, 2)


def test_claim_gives_the_commit_a_fresh_budget_of_requeues(cohort, coordinator):
    job = new_job(cohort, coordinator)
    ImportJob.objects.filter(pk=job.pk).update(requeue_count=2)
    import_job_check(job_id=job.pk)
    assert import_job_claim(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.requeue_count) == (ImportJob.Status.IMPORTING, 0)


def test_sweep_leaves_fresh_and_settled_import_jobs_alone(
    cohort, coordinator, django_capture_on_commit_callbacks
):
    fresh_check = new_job(cohort, coordinator)
    fresh_commit = claimed_job(cohort, coordinator)
    checked = new_job(cohort, coordinator)
    import_job_check(job_id=checked.pk)
    age(ImportJob, checked.pk, minutes=60)  # waiting for the coordinator's click is not stuck
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        swept = import_jobs_sweep()
    assert (swept.requeued, swept.failed, callbacks) == ([], [], [])
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {fresh_check.pk: "checking", fresh_commit.pk: "importing", checked.pk: "checked"}


# --- announcements -------------------------------------------------------------------------------


@pytest.fixture
def mail_server_dies_on_second_batch(monkeypatch):
    """The locmem backend, except that the 3rd message sent, the first of the 2nd batch, raises (messages
    go one at a time, see announcement_email_send): the worker dies mid-way."""
    original = EmailBackend.send_messages
    calls = []

    def send_messages(self, messages):
        calls.append(len(messages))
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return calls


def test_announcement_interrupted_after_the_first_batch_is_finished_by_the_sweep(
    cohort, coordinator, monkeypatch, mail_server_dies_on_second_batch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "EMAIL_BATCH", 2)
    learners = sorted((enrol(cohort).learner for _ in range(5)), key=lambda learner: learner.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        announcement = services.announcement_create(cohort=cohort, author=coordinator, title="t", body="b")
    with pytest.raises(SystemExit):
        callbacks[0]()  # the task sends the first batch, then its worker dies
    announcement.refresh_from_db()
    assert [m.to[0] for m in mail.outbox] == [learners[0].email, learners[1].email]
    assert (announcement.emailed_at, announcement.emailed_up_to_learner_id) == (None, learners[1].pk)

    assert services.announcements_sweep() == (0, 0)  # not overdue yet: its task may still run
    age(Announcement, announcement.pk, minutes=11, field="created_at")
    assert services.announcements_sweep() == (1, 1)  # tasks run in-process: the rest is sent
    assert Counter(m.to[0] for m in mail.outbox) == Counter(learner.email for learner in learners)
    assert mail_server_dies_on_second_batch == [1, 1, 1, 1, 1, 1]
    announcement.refresh_from_db()
    assert announcement.emailed_at is not None

    # Done: the sweep finds nothing, and another delivery of the task sends nothing.
    assert services.announcements_sweep() == (0, 0)
    assert services.announcement_email_send(announcement_id=announcement.pk) == 0
    assert len(mail.outbox) == 5


def test_announcement_whose_message_was_lost_is_sent_by_the_sweep(
    cohort, coordinator, django_capture_on_commit_callbacks
):
    learner = enrol(cohort).learner
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: message lost
        announcement = services.announcement_create(cohort=cohort, author=coordinator, title="t", body="b")
    age(Announcement, announcement.pk, minutes=11, field="created_at")
    call_command("sweep_coordinator_work", stdout=(out := io.StringIO()))
    assert [m.to for m in mail.outbox] == [[learner.email]]
    assert "Announcements not emailed to everyone found: 1, queued: 1" in out.getvalue()


def test_announcement_sweep_leaves_fresh_sent_and_stale_announcements_alone(cohort, coordinator):
    enrol(cohort)
    fresh = Announcement.objects.create(cohort=cohort, author=coordinator, title="t", body="b")
    sent = Announcement.objects.create(cohort=cohort, title="t", body="b", emailed_at=timezone.now())
    stale = Announcement.objects.create(cohort=cohort, title="t", body="b")
    age(Announcement, sent.pk, minutes=30, field="created_at")
    age(Announcement, stale.pk, minutes=49 * 60, field="created_at")  # news that late is not emailed
    assert services.announcements_sweep() == (0, 0)
    assert mail.outbox == []
    assert Announcement.objects.get(pk=fresh.pk).emailed_at is None


# --- two workers at once (PostgreSQL: SQLite has no row locks, its writers take turns) -----------


@pytest.fixture
def in_another_worker():
    """Run a function in a thread (its own database connection) until it blocks on ``wait``."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks")
    started, release, results = threading.Event(), threading.Event(), []

    def wait():
        if not release.is_set():
            started.set()
            assert release.wait(10)

    def start(function, **kwargs):
        def run():
            try:
                results.append(function(**kwargs))
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        assert started.wait(10)
        return thread

    def finish(thread):
        release.set()
        thread.join(10)
        return results

    yield wait, start, finish
    release.set()


def test_sweep_leaves_a_commit_that_is_running_alone(
    transactional_db, cohort, coordinator, in_another_worker, monkeypatch
):
    wait, start, finish = in_another_worker
    job = claimed_job(cohort, coordinator)
    age(ImportJob, job.pk, minutes=11)  # a slow commit: its updated_at is as old as a lost one's
    original = imports.cohort_enrol_bulk

    def slow_enrol(**kwargs):
        wait()
        return original(**kwargs)

    monkeypatch.setattr(imports, "cohort_enrol_bulk", slow_enrol)
    thread = start(import_job_commit, job_id=job.pk)
    assert import_jobs_sweep().requeued == []  # the job is locked by the running commit
    [job] = finish(thread)
    assert (job.status, job.enrolled_count, job.requeue_count) == (ImportJob.Status.DONE, 2, 0)


def test_two_runs_never_send_the_same_batch(
    transactional_db, cohort, coordinator, in_another_worker, monkeypatch
):
    wait, start, finish = in_another_worker
    monkeypatch.setattr(services, "EMAIL_BATCH", 2)
    learners = [enrol(cohort).learner for _ in range(3)]
    announcement = Announcement.objects.create(cohort=cohort, author=coordinator, title="t", body="b")
    original = EmailBackend.send_messages

    def slow_send(self, messages):
        wait()
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)
    thread = start(services.announcement_email_send, announcement_id=announcement.pk)
    # A second delivery while the first is sending its first batch: it sends nothing.
    assert services.announcement_email_send(announcement_id=announcement.pk) == 0
    assert finish(thread) == [3]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(learner.email for learner in learners)


# --- operators and the schedule ------------------------------------------------------------------


def test_command_prints_a_summary(cohort, coordinator, django_capture_on_commit_callbacks):
    stuck = new_job(cohort, coordinator)
    given_up = new_job(cohort, coordinator)
    ImportJob.objects.filter(pk=given_up.pk).update(requeue_count=3)
    age(ImportJob, stuck.pk, minutes=11)
    age(ImportJob, given_up.pk, minutes=11)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_coordinator_work", stdout=out)
    assert out.getvalue().splitlines() == [
        "Stuck imports queued again: 1, failed after too many attempts: 1",
        "Announcements not emailed to everyone found: 0, queued: 0",
    ]
    assert ImportJob.objects.get(pk=stuck.pk).status == ImportJob.Status.CHECKED


def test_periodic_tasks_sweep_and_are_scheduled(cohort, coordinator, django_capture_on_commit_callbacks):
    job = new_job(cohort, coordinator)
    age(ImportJob, job.pk, minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_import_jobs() == {"requeued": 1, "failed": 0}
    assert tasks.sweep_announcements() == 0
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("coordinator.tasks.sweep_import_jobs", "coordinator.tasks.sweep_announcements"):
        assert name in scheduled
        assert task_named(name).name == name
