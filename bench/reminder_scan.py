"""Time the daily reminder scan over the benchmark database.

    DATABASE_URL=postgres://… .venv/bin/python bench/reminder_scan.py

Run after bench/generate.py (``--learners 400000`` gives about 1,000,000 enrolments). Measures
``reminders_scan`` — finding every due reminder and queuing it (the INSERT … SELECT per kind) —
inside a transaction that is rolled back, so the figure is the same run after run.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from enrollment.models import Enrollment  # noqa: E402
from reminders.services import reminders_scan  # noqa: E402


class Rollback(Exception):
    pass


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/reminder_scan.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    enrollments = Enrollment.objects.count()
    active = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).count()
    try:
        with transaction.atomic():
            started = time.perf_counter()
            added = reminders_scan()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    print(f"enrolments: {enrollments} ({active} active)")
    for kind, count in added.items():
        print(f"  {kind}: {count} due")
    print(f"reminder scan: {elapsed:.2f} s to find and queue {sum(added.values())} reminders")


if __name__ == "__main__":
    main()
