"""Celery tasks of the studio: thin wrappers around its sweeps."""

from __future__ import annotations

from celery import shared_task

from .media_sweep import media_sweep as sweep


@shared_task
def media_sweep() -> int:
    """Delete the lesson media nothing names any more, older than a day (studio.media_sweep:
    idempotent, safe to run twice or at once). Returns the number of files deleted."""
    return len(sweep().orphans)
