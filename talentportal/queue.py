"""The one way to queue background work: by task name, after commit, never failing the request.

The database is the source of truth and a message is only a nudge: if the broker is down when
a transaction commits, the work is still recorded (a pending certificate, a queued reminder, an
import job, an announcement to send) and a periodic sweep queues it again. So a failed publish is
logged, never raised.

Tasks are named, not imported: services never import tasks (tasks import services), so no
module needs a function-level import to dodge the cycle, and the layers stay one-way.
"""

from __future__ import annotations

import importlib
import logging
from functools import partial

from celery import Task
from django.db import transaction
from kombu.exceptions import KombuError

from .celery import app

logger = logging.getLogger(__name__)

# Fail fast when the broker is down: the sweep will catch up, the learner should not wait.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def task_named(name: str) -> Task:
    """The registered task called ``name`` (``"certificates.tasks.issue_certificate"``).

    A web process imports a tasks module the first time it queues one of its tasks (a worker
    has them all), so a name still unknown after that is a typo and raises KeyError. Only that
    module is imported: Celery's import_default_modules() would set Django up again, and with it
    the logging configuration."""
    if name not in app.tasks:
        importlib.import_module(name.rpartition(".")[0])
    return app.tasks[name]


def enqueue(task: Task | str, *args, **kwargs) -> bool:
    """Send ``task`` (a task or its name) now; False (and a warning in the log) if the broker
    cannot take it."""
    if isinstance(task, str):
        task = task_named(task)
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except (KombuError, OSError) as error:
        logger.warning("Could not queue %s%r: %s (a sweep will queue it again)", task.name, args, error)
        return False
    return True


def enqueue_on_commit(task: Task | str, *args, **kwargs) -> None:
    """Send ``task`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
