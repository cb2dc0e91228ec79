"""Celery tasks of the figures app."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def refresh_figures() -> int | None:
    """Rebuild the programme figures' summary tables (every 15 minutes, and on demand).

    Idempotent; a run that finds another one under way does nothing (see figures_refresh).
    """
    snapshot = services.figures_refresh()
    return snapshot.pk if snapshot else None
