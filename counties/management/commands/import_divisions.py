from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
            raise CommandError(f"{directory} is not a directory.")
        started = time.perf_counter()
        try:
            report = import_divisions(directory)
        except DivisionFileError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.errors)) from exc
        for level in report.levels:
            self.stdout.write(
                f"{level.label}: {level.total} in file, {level.created} created, "
                f"{level.updated} updated, {level.unchanged} unchanged"
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))
