"""Celery tasks of the coordinator's workspace: thin wrappers taking ids, calling a service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from talentportal.sms import SmsError

from . import imports, services


@shared_task
def import_job_check(job_id: int) -> None:
    """The dry run of a large import; updates the job's progress as it goes."""
    imports.import_job_check(job_id=job_id)


@shared_task
def import_job_commit(job_id: int) -> None:
    """The import of a large file, claimed by the request that queued it."""
    imports.import_job_commit(job_id=job_id)


@shared_task
def sweep_import_jobs() -> dict[str, int]:
    """Queue again the import jobs left checking or importing (message lost, worker died)."""
    swept = imports.import_jobs_sweep()
    return {"requeued": len(swept.requeued), "failed": len(swept.failed)}


@shared_task(autoretry_for=(smtplib.SMTPException, OSError, SmsError), retry_backoff=30, max_retries=5)
def invitations_send(*, user_ids: list[int], site_url: str) -> int:
    """Invite learners to set their password, by email or SMS (the import queues it, and the
    roster's "send invitation"). A retry after a mail server or SMS provider error sends only what
    was not logged as sent, within the rate limit (see invitations_send)."""
    return services.invitations_send(user_ids=user_ids, site_url=site_url)


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, max_retries=5)
def announcement_email(*, announcement_id: int) -> int:
    """Email an announcement, carrying on after the last batch sent: a retry after a mail server
    error resends at most the batch that failed (see announcement_email_send); a message that
    fails for itself (a bad address) is skipped, not retried."""
    return services.announcement_email_send(announcement_id=announcement_id)


@shared_task
def sweep_announcements() -> int:
    """Queue again the announcements not emailed to every learner yet; returns how many."""
    _found, queued = services.announcements_sweep()
    return queued
