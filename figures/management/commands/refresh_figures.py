from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from figures.services import figures_refresh


class Command(BaseCommand):
    help = "Rebuild the programme figures' summary tables now (what the task does every 15 minutes)."

    def handle(self, *args, **options):
        snapshot = figures_refresh()
        if snapshot is None:
            self.stdout.write("Another refresh is running: nothing done.")
            return
        taken_at = timezone.localtime(snapshot.taken_at)
        self.stdout.write(
            f"Figures refreshed as of {taken_at:%Y-%m-%d %H:%M} in {snapshot.duration_ms / 1000:.1f} s"
        )
