"""``export_course``: a course with its modules, lessons, quizzes, question banks and exams, as
one JSON file. Here, in the project's wiring, because the course (``courses``) and its exams
(``exams``, a layer above) are written by two apps."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.models import Course
from courses.portability import course_export, course_files_left_out
from exams.portability import BANKS, EXAMS, course_exams_export
from practice.portability import course_practice_export


class Command(BaseCommand):
    help = (
        "Write a course with its modules, lessons, quizzes, question banks and exams to one JSON "
        "file (for import_course)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The course's slug.")
        parser.add_argument(
            "-o", "--output", help="File to write (default: SLUG.json; '-' for standard output)."
        )

    def handle(self, *args, slug: str, output: str | None, **options):
        try:
            course = Course.objects.get(slug=slug)
        except Course.DoesNotExist:
            raise CommandError(f"No course with slug {slug!r}.") from None
        document = {
            **course_export(course=course),
            **course_exams_export(course=course),
            **course_practice_export(course=course),
        }
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output == "-":
            self.stdout.write(text, ending="")
            return
        path = Path(output or f"{slug}.json")
        path.write_text(text, encoding="utf-8")
        modules = document["course"]["modules"]
        lessons = sum(len(module["lessons"]) for module in modules)
        questions = sum(len(bank["questions"]) for bank in document[BANKS])
        self.stdout.write(
            f"Exported {slug} to {path}: {len(modules)} modules, {lessons} lessons, "
            f"{len(document[BANKS])} question banks ({questions} questions), {len(document[EXAMS])} exams."
        )
        left_out = course_files_left_out(course=course)
        if left_out:
            self.stdout.write(
                self.style.WARNING(
                    f"{left_out} uploaded file(s) (videos, attachments) are not in the file: "
                    "copy them separately."
                )
            )
