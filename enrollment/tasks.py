"""Celery tasks of the enrollment app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from talentportal.queue import enqueue

from . import certificates, figures, reminders, services


@shared_task
def refresh_course_progress(course_id: int) -> int:
    """Recompute the progress percent of a course's open enrolments after its lessons changed.

    Idempotent: the percent is recomputed from the progress rows, so a second run is a no-op.
    """
    return services.course_progress_refresh(course_id=course_id)


# --- certificates and reminders ---------------------------------------------------------


@shared_task(bind=True, max_retries=settings.CERTIFICATE_MAX_RETRIES)
def issue_certificate(self, certificate_id: int) -> bool:
    """Render and issue one pending certificate. Safe to deliver twice (see certificate_issue).

    A failure is retried with exponential backoff (15 s, 30 s, 60 s… at most 10 min) a bounded
    number of times; after the last one the certificate is marked ``failed`` for staff to see.
    """
    issued, error = certificates.certificate_issue_attempt(
        certificate_id=certificate_id, final=self.request.retries >= self.max_retries
    )
    if error is not None:
        raise self.retry(exc=error, countdown=min(600, 15 * 2**self.request.retries))
    return issued


@shared_task
def sweep_pending_certificates() -> int:
    """Queue again the certificates left pending (broker down at completion, worker died)."""
    return certificates.certificates_queue(certificates.certificates_left_pending())


@shared_task
def scan_reminders() -> dict[str, int]:
    """The daily scan: queue every reminder due today, then send them."""
    added = reminders.reminders_scan()
    enqueue(send_queued_reminders)
    return added


@shared_task
def send_queued_reminders() -> int:
    """Send whatever reminders are queued (also a periodic sweep for lost messages)."""
    return reminders.reminders_send_queued()


# --- programme figures ------------------------------------------------------------------


@shared_task
def refresh_figures() -> int | None:
    """Rebuild the programme figures' summary tables (every 15 minutes, and on demand).

    Idempotent; a run that finds another one under way does nothing (see figures_refresh).
    """
    snapshot = figures.figures_refresh()
    return snapshot.pk if snapshot else None
