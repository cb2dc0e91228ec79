"""Celery tasks of the exams app: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from . import attempts, rooms


@shared_task
def close_overdue_attempts() -> int:
    """Submit and grade every attempt whose time is up (every minute, from the beat schedule), so
    that an attempt closes even when the learner's phone never sends the submit. Rooms left
    open (or paused) for more than a class day are closed first."""
    rooms.rooms_close_stale()
    return attempts.attempts_close_overdue()
