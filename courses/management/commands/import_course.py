from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.portability import CourseFileError, course_import


class Command(BaseCommand):
    help = "Load a course written by export_course as a draft (its slug gets a suffix if taken)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file to load.")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"{path}: not UTF-8 text ({error.reason}).") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
            ) from None
        try:
            course = course_import(document=document)
        except CourseFileError as error:
            listing = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"{path}: not a valid course file, nothing was imported:\n{listing}") from None
        self.stdout.write(
            f"Imported “{course.title}” as draft {course.slug}: {course.modules.count()} modules. "
            "Submit it for review in the admin to publish it."
        )
