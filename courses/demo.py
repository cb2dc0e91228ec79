"""Demo curriculum for ``manage.py seed_demo``: the programme's five tracks and six published
courses in Chinese, so a newcomer sees a living catalogue. Idempotent: existing courses are
left as they are.

The content lives in ``courses/demo/``: ``tracks.json`` lists the tracks in catalogue order, each
with the slugs of its courses in the order they are seeded, and each course is ``<slug>.json``
in the format of ``export_course``/``import_course`` (see ``portability``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction

from . import services
from .models import Course, Track
from .portability import CourseFileError, course_document_problems, course_import

DEMO_DIR = Path(__file__).parent / "demo"
TRACKS_FILE = "tracks.json"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseFileError([f"{path.name}: no such file"]) from None
    except UnicodeDecodeError as error:
        raise CourseFileError([f"{path.name}: not UTF-8 text ({error.reason})"]) from None
    except json.JSONDecodeError as error:
        raise CourseFileError(
            [f"{path.name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"]
        ) from None


def _tracks(directory: Path) -> list[dict[str, Any]]:
    tracks = _read_json(directory / TRACKS_FILE)
    fields = {"slug": str, "name": str, "description": str, "courses": list}
    if not isinstance(tracks, list) or not all(
        isinstance(track, dict) and all(isinstance(track.get(key), kind) for key, kind in fields.items())
        for track in tracks
    ):
        raise CourseFileError([f"{TRACKS_FILE}: must be a list of {{{', '.join(fields)}}} objects"])
    return tracks


def _load(directory: Path | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The tracks and the course documents, every file checked before anything is written.

    CourseFileError lists all problems, each prefixed with its file name."""
    directory = directory or DEMO_DIR
    tracks = _tracks(directory)
    documents, problems = [], []
    for track in tracks:
        for slug in track["courses"]:
            name = f"{slug}.json"
            try:
                document = _read_json(directory / name)
            except CourseFileError as error:
                problems += error.problems
                continue
            found = course_document_problems(document)
            problems += [f"{name}: {problem}" for problem in found]
            if found:
                continue
            course = document["course"]
            if course["slug"] != slug:
                problems.append(f"{name}: course.slug: must be {slug!r}, the file's name")
            if course["track"] != {"slug": track["slug"], "name": track["name"]}:
                problems.append(f"{name}: course.track: must be {track['slug']!r} named {track['name']!r}")
            documents.append(document)
    listed = {f"{slug}.json" for track in tracks for slug in track["courses"]} | {TRACKS_FILE}
    problems += [
        f"{path.name}: not listed in {TRACKS_FILE}"
        for path in sorted(directory.glob("*.json"))
        if path.name not in listed
    ]
    if problems:
        raise CourseFileError(problems)
    return tracks, documents


def demo_documents(directory: Path | None = None) -> list[dict[str, Any]]:
    """The demo course documents in seeding order (``DEMO_DIR`` unless told)."""
    return _load(directory)[1]


@transaction.atomic
def seed_demo_courses(*, stdout: TextIO | None = None) -> None:
    """Create the tracks and publish the demo courses that do not exist yet."""
    tracks, documents = _load()
    for order, track in enumerate(tracks, start=1):
        Track.objects.update_or_create(
            slug=track["slug"],
            defaults={"name": track["name"], "description": track["description"], "order": order},
        )
    created = []
    for document in documents:
        if Course.objects.filter(slug=document["course"]["slug"]).exists():
            continue
        course = course_import(document=document)
        services.course_submit_for_review(course=course, by=None)
        services.course_publish(course=course, by=None, comment="Demo course")
        created.append(course.title)
    if stdout is not None:
        stdout.write(f"Tracks: {', '.join(track['name'] for track in tracks)}")
        stdout.write(f"Courses published: {len(created)} new, {len(documents) - len(created)} already there")
