from __future__ import annotations

from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from studio.media_sweep import GRACE, media_sweep


class Command(BaseCommand):
    help = (
        "Delete lesson videos, attachments and studio pictures that no lesson, attachment or "
        "open or published revision names and that are older than a day (what the daily sweep does)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        report = media_sweep(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        with translation.override("en"):
            for stored in report.orphans:
                self.stdout.write(f"{verb} {stored.name} ({stored.size} bytes)")
            freed = filesizeformat(report.bytes_freed)
        hours = int(GRACE.total_seconds() // 3600)
        count, size = len(report.orphans), report.bytes_freed
        summary = (
            f"Would delete {count} file(s) and free {size} bytes ({freed})"
            if dry_run
            else f"Deleted {count} file(s), freed {size} bytes ({freed})"
        )
        self.stdout.write(
            f"{summary}; kept {report.referenced} in use, {report.recent} younger than {hours} h, "
            f"{report.unknown_age} of unknown age."
        )
