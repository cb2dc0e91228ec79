"""Celery tasks of the enrollment app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def refresh_course_progress(course_id: int) -> int:
    """Recompute the progress percent of a course's open enrolments after its lessons changed.

    Idempotent: the percent is recomputed from the progress rows, so a second run is a no-op.
    """
    return services.course_progress_refresh(course_id=course_id)
