"""Celery tasks of the certificates app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(bind=True, max_retries=settings.CERTIFICATE_MAX_RETRIES)
def issue_certificate(self, certificate_id: int) -> bool:
    """Render and issue one pending certificate. Safe to deliver twice (see certificate_issue).

    A failure is retried with exponential backoff (15 s, 30 s, 60 s… at most 10 min) a bounded
    number of times; after the last one the certificate is marked ``failed`` for staff to see.
    """
    issued, error = services.certificate_issue_attempt(
        certificate_id=certificate_id, final=self.request.retries >= self.max_retries
    )
    if error is not None:
        raise self.retry(exc=error, countdown=min(600, 15 * 2**self.request.retries))
    return issued


@shared_task
def sweep_pending_certificates() -> int:
    """Queue again the certificates left pending (broker down at completion, worker died)."""
    return services.certificates_queue(services.certificates_left_pending())
