"""``import_course``: load a file of ``export_course`` as a draft course, with its question banks
and its exams (drafts too). All or nothing: one transaction."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.portability import CourseFileError, course_document_problems, course_import
from exams.portability import (
    BankDocumentError,
    ExamsDocumentError,
    course_exams_import,
    exams_document_problems,
)
from exams.services import QuestionError
from practice.portability import PracticeDocumentError, course_practice_import, practice_document_problems


class Command(BaseCommand):
    help = (
        "Load a course written by export_course as a draft (its slug gets a suffix if taken), with "
        "its question banks and its exams as drafts."
    )

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
        # Every problem of both halves at once, before anything is written.
        problems = course_document_problems(document)
        if isinstance(document, dict):
            problems += exams_document_problems(document)
            problems += practice_document_problems(document)
        if problems:
            raise self._refused(path, problems)
        try:
            with transaction.atomic():
                course = course_import(document=document)
                banks, exams = course_exams_import(document=document, course=course)
                item_sets, assignments = course_practice_import(document=document, course=course)
        except (CourseFileError, ExamsDocumentError, PracticeDocumentError) as error:
            raise self._refused(path, error.problems) from None
        except (BankDocumentError, QuestionError) as error:
            raise self._refused(path, [str(error)]) from None
        self.stdout.write(
            f"Imported “{course.title}” as draft {course.slug}: {course.modules.count()} modules, "
            f"{len(banks)} question banks, {len(exams)} exams, {len(item_sets)} practice item sets, "
            f"{len(assignments)} assignments (drafts). "
            "Submit it for review in the admin to publish it; publish its exams in the admin."
        )

    def _refused(self, path: Path, problems: list[str]) -> CommandError:
        listing = "\n".join(f"  {problem}" for problem in problems)
        return CommandError(f"{path}: not a valid course file, nothing was imported:\n{listing}")
