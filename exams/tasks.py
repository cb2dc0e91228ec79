"""Celery tasks of the exams app: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from . import attempts


@shared_task
def close_overdue_attempts() -> int:
    """Submit and grade every attempt whose time is up (every minute, from the beat schedule), so
    that an attempt closes even when the learner's phone never sends the submit."""
    return attempts.attempts_close_overdue()
