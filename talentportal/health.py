from __future__ import annotations

from django.db import DatabaseError, connection

from .celery import app


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return "ok"


def broker_state() -> str:
    """``eager`` when tasks run in-process, else whether the broker answers within a second."""
    if app.conf.task_always_eager:
        return "eager"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, timeout=1, interval_start=0, interval_step=0, interval_max=0
            )
    except Exception:  # noqa: BLE001 - any failure to connect means "unreachable"
        return "unreachable"
    return "reachable"
