from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from counties.divisions import DivisionFileError, import_divisions


class Command(BaseCommand):
    help = (
        "Import administrative divisions from DIR: provinces.csv, cities.csv, areas.csv and "
        "optionally streets.csv (townships). Safe to run again: rows are matched by code."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        if not directory.is_dir():
            raise CommandError(_("%(dir)s is not a directory.") % {"dir": directory})
        started = time.perf_counter()
        try:
            report = import_divisions(directory)
        except DivisionFileError as exc:
            raise CommandError(_("Nothing was imported:") + "\n" + "\n".join(exc.errors)) from exc
        for level in report.levels:
            self.stdout.write(
                _(
                    "%(label)s: %(total)d in file, %(created)d created, %(updated)d updated, "
                    "%(unchanged)d unchanged"
                )
                % {
                    "label": level.label,
                    "total": level.total,
                    "created": level.created,
                    "updated": level.updated,
                    "unchanged": level.unchanged,
                }
            )
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(_("Done in %(seconds).1f s.") % {"seconds": seconds}))
