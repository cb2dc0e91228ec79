"""Celery tasks of the jobs app: thin wrappers that call a service."""

from __future__ import annotations

import datetime

from celery import shared_task

from talentportal.queue import enqueue

from . import services

# An event still untold after this long lost its message (the task runs within seconds).
LOST_AFTER = datetime.timedelta(minutes=5)


@shared_task
def notify_application_event(event_id: int) -> bool:
    """Tell the learner their application moved (idempotent: the event is claimed first)."""
    return services.application_event_notify(event_id=event_id)


@shared_task
def sweep_application_events() -> int:
    """Queue again the notifications whose message was lost."""
    event_ids = services.application_events_unnotified(older_than=LOST_AFTER)
    for event_id in event_ids:
        enqueue(notify_application_event, event_id)
    return len(event_ids)
