"""Celery tasks of the reminders app: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from talentportal.queue import enqueue

from . import services


@shared_task
def scan_reminders() -> dict[str, int]:
    """The daily scan: queue every reminder due today, then send them."""
    added = services.reminders_scan()
    enqueue(send_queued_reminders)
    return added


@shared_task
def send_queued_reminders() -> int:
    """Send whatever reminders are queued (also a periodic sweep for lost messages)."""
    return services.reminders_send_queued()
