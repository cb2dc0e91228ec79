from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from certificates.services import certificates_left_pending, certificates_queue


class Command(BaseCommand):
    help = "Queue again the certificates left pending (what the periodic sweep does every few minutes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="Minutes a certificate has been pending (default: setting).",
        )

    def handle(self, *args, older_than: int | None, **options):
        ids = certificates_left_pending(
            older_than=timedelta(minutes=older_than) if older_than is not None else None
        )
        queued = certificates_queue(ids)
        self.stdout.write(f"Pending certificates found: {len(ids)}, queued: {queued}")
