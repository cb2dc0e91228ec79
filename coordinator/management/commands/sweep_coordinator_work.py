from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from coordinator.imports import import_jobs_sweep
from coordinator.services import announcements_sweep


class Command(BaseCommand):
    help = (
        "Queue again the student imports left checking or importing and the announcements not "
        "emailed to every learner yet (what the periodic sweeps do every few minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="Minutes an import has not moved or an announcement has waited (default: settings).",
        )

    def handle(self, *args, older_than: int | None, **options):
        age = timedelta(minutes=older_than) if older_than is not None else None
        swept = import_jobs_sweep(older_than=age)
        found, queued = announcements_sweep(older_than=age)
        self.stdout.write(
            f"Stuck imports queued again: {len(swept.requeued)}, failed after too many attempts: "
            f"{len(swept.failed)}\nAnnouncements not emailed to everyone found: {found}, queued: {queued}"
        )
