from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from reminders.services import reminders_scan, reminders_send_queued


class Command(BaseCommand):
    help = (
        "Run today's reminder scan by hand (what Celery beat runs daily) and send what is queued. "
        "Safe to run again: a reminder is sent once per enrolment, kind and day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scan-only", action="store_true", help="Queue the reminders but do not send them."
        )

    def handle(self, *args, scan_only: bool, **options):
        started = time.perf_counter()
        added = reminders_scan()
        scanned = time.perf_counter() - started
        for kind, count in added.items():
            self.stdout.write(f"{kind}: {count} queued")
        self.stdout.write(f"Scan: {scanned:.2f} s")
        if not scan_only:
            sent = reminders_send_queued()
            self.stdout.write(self.style.SUCCESS(f"Sent: {sent}"))
