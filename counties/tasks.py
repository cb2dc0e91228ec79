"""Celery tasks of the coordinator's workspace: thin wrappers taking ids, calling a service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import imports, services


@shared_task
def import_job_check(job_id: int) -> None:
    """The dry run of a large import; updates the job's progress as it goes."""
    imports.import_job_check(job_id=job_id)


@shared_task
def import_job_commit(job_id: int) -> None:
    """The import of a large file, claimed by the request that queued it."""
    imports.import_job_commit(job_id=job_id)


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, max_retries=5)
def invitations_send(*, user_ids: list[int], site_url: str) -> int:
    return services.invitations_send(user_ids=user_ids, site_url=site_url)


@shared_task
def announcement_email(*, announcement_id: int) -> int:
    return services.announcement_email_send(announcement_id=announcement_id)
