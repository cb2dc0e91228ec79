"""Queue Celery tasks after commit without letting a broker outage break the request.

The database is the source of truth and a message is only a nudge: if the broker is down when
a transaction commits, the work is still recorded (a pending certificate, a queued reminder)
and a periodic sweep queues it again. So a failed publish is logged, never raised.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import Task
from django.db import transaction
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

# Fail fast when the broker is down: the sweep will catch up, the learner should not wait.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue(task: Task, *args, **kwargs) -> bool:
    """Send ``task`` now; False (and a warning in the log) if the broker cannot take it."""
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except (KombuError, OSError) as error:
        logger.warning("Could not queue %s%r: %s (a sweep will queue it again)", task.name, args, error)
        return False
    return True


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Send ``task`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
