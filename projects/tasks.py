"""Celery tasks of the projects app: thin wrappers that call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def flag_handover_risks() -> dict[str, int]:
    """The daily check: flag the projects at handover risk as their officer's term nears its end,
    then send the notices of every flag not yet notified (the new ones, and those a mail server
    or SMS provider refused before: see services.handover_flag_notify). Idempotent: a flag is
    written once per project and term, and each notice is sent at most once. A flag that fails
    is logged and the others go on; nothing is raised, the next daily run retries what is left.
    Returns the flags added, the flags fully notified, and the notices sent and failed."""
    added = services.handover_risks_flag()
    result = {"flagged": added, "notified": 0, "sent": 0, "failed": 0}
    for pk in services.handover_flags_unnotified():
        try:
            sent, failed = services.handover_flag_notify(flag_id=pk)
        except Exception:
            logger.exception("Handover flag %d: notices stopped, the other flags go on", pk)
            result["failed"] += 1
            continue
        result["sent"] += sent
        result["failed"] += failed
        result["notified"] += bool(sent) and not failed
    return result
