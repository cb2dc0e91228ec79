"""The sweep of orphaned lesson media: files uploaded to a draft that nothing names any more.

Editors upload videos (``lessons/videos/…``), attachments (``lessons/attachments/…``) and
pictures (``studio/images/…``) into a draft revision; an import's dry run keeps the checked
course file (``studio/imports/…``) for a day, until "Import" reads and deletes it. A draft
that is discarded, sent back and rewritten, a video replaced or a picture taken out of the text
leaves its file in storage with nothing pointing at it. This module finds those files through
Django's storage API only (``listdir``, ``get_modified_time``, ``size``, ``delete``: it works
on S3-like storages too) and deletes them.

What is never deleted (a learner, an editor or a reviewer can still reach it):

- a file a ``Lesson`` (``video_file``) or a ``LessonAttachment`` (``file``) row names;
- a file an open (draft, submitted, sent back) or published ``CourseRevision`` document names —
  anywhere in the document: media keys, lesson bodies, the course's description. Published
  documents are the history the reviewer's diff still shows, so their pictures stay;
- a file a live lesson body (Markdown or HTML), a course description or a question names;
- a file younger than the grace period (``GRACE``, 24 hours by the storage's modification
  time): an upload in progress or a draft being written has not saved its reference yet;
- a file whose age the storage cannot tell.

The references are read after the listing, just before deleting, so a reference saved while
the sweep lists is seen. The sweep only reads the database; deleting a file already gone is
fine, so it is idempotent and two sweeps may run at once.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from courses.models import Course, CourseRevision, Lesson, LessonAttachment, Question

GRACE = datetime.timedelta(hours=24)

# The folders the sweep looks into, and only those: every file under them is lesson media.
VIDEO_FOLDER = "lessons/videos"
ATTACHMENT_FOLDER = "lessons/attachments"
IMAGE_FOLDER = "studio/images"
# Course files checked by an import's dry run, kept until "Import" (no row ever names them).
IMPORT_FOLDER = "studio/imports"
FOLDERS = (VIDEO_FOLDER, ATTACHMENT_FOLDER, IMAGE_FOLDER, IMPORT_FOLDER)

# A stored name inside any text: a Markdown link ``![](/media/studio/images/3/ab.jpg)``, an
# HTML ``src``, a JSON string. It ends where a URL ends in Markdown, HTML or JSON.
_NAME_IN_TEXT = re.compile(r"(?:lessons/videos|lessons/attachments|studio/images)/[^\s\"'()<>\[\]\\?#]+")
_BATCH = 500


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    modified: datetime.datetime


@dataclass
class SweepReport:
    """What a sweep found: the files it deleted (or would delete, on a dry run) and what it kept."""

    orphans: list[StoredFile] = field(default_factory=list)
    referenced: int = 0
    recent: int = 0
    unknown_age: int = 0
    dry_run: bool = False

    @property
    def bytes_freed(self) -> int:
        return sum(stored.size for stored in self.orphans)


def _storages() -> list[tuple[Storage, str]]:
    """(storage, folder) for each folder: the lesson fields' storages and the default one for
    pictures and checked course files (studio.services.lesson_image_store and
    import_checked_store save there)."""
    return [
        (Lesson._meta.get_field("video_file").storage, VIDEO_FOLDER),
        (LessonAttachment._meta.get_field("file").storage, ATTACHMENT_FOLDER),
        (default_storage, IMAGE_FOLDER),
        (default_storage, IMPORT_FOLDER),
    ]


def stored_names(storage: Storage, folder: str) -> Iterator[str]:
    """Every file under ``folder`` of ``storage``, subfolders included (admin uploads sit in
    ``…/%Y/%m/``, the studio's in ``…/<course pk>/``). A missing folder has no files."""
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            directories, files = storage.listdir(current)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in files:
            yield posixpath.join(current, name)
        pending.extend(posixpath.join(current, directory) for directory in directories)


def names_in_text(text: str) -> set[str]:
    """The stored names a text mentions, as written and URL-decoded."""
    found = set()
    for match in _NAME_IN_TEXT.findall(text or ""):
        found.add(match)
        found.add(unquote(match))
    return found


def _texts(rows: Iterable) -> Iterator[str]:
    for row in rows:
        if isinstance(row, tuple):
            yield from (value for value in row if value)
        elif row:
            yield row


def referenced_names() -> set[str]:
    """Every stored name that a live row, a live text or an open or published revision names
    (a fixed number of queries, read in batches)."""
    used: set[str] = set()
    used.update(
        Lesson.objects.exclude(video_file="").values_list("video_file", flat=True).iterator(chunk_size=_BATCH)
    )
    used.update(LessonAttachment.objects.values_list("file", flat=True).iterator(chunk_size=_BATCH))
    texts = [
        Lesson.objects.values_list("body", "body_html"),
        Course.objects.exclude(description="").values_list("description", flat=True),
        Question.objects.values_list("text", "explanation"),
    ]
    for queryset in texts:
        for text in _texts(queryset.iterator(chunk_size=_BATCH)):
            used |= names_in_text(text)
    documents = CourseRevision.objects.filter(
        status__in=[*CourseRevision.OPEN_STATUSES, CourseRevision.Status.PUBLISHED]
    ).values_list("document", flat=True)
    for document in documents.iterator(chunk_size=50):
        used |= _document_files(document)
        # The whole text as well: bodies and the description hold pictures' URLs.
        used |= names_in_text(json.dumps(document, ensure_ascii=False))
    return used


def _document_files(document) -> set[str]:
    """The media keys of a revision document, exactly as stored (a name may hold a space)."""
    names: set[str] = set()
    course = document.get("course") if isinstance(document, dict) else None
    for module in (course or {}).get("modules") or []:
        for lesson in module.get("lessons") or []:
            names.add(lesson.get("video_file") or "")
            names.update(attachment.get("file") or "" for attachment in lesson.get("attachments") or [])
    names.discard("")
    return names


def media_sweep(*, dry_run: bool = False, now: datetime.datetime | None = None) -> SweepReport:
    """Delete (unless ``dry_run``) every file under the lesson media folders that nothing
    names and that is older than GRACE; return what was (or would be) deleted and why the
    others were kept. Reads the database only; idempotent, safe to run twice or at once (a
    file another sweep deleted first is skipped or its deletion is a no-op)."""
    now = now or timezone.now()
    report = SweepReport(dry_run=dry_run)
    old: list[tuple[Storage, str, datetime.datetime]] = []
    for storage, folder in _storages():
        for name in stored_names(storage, folder):
            try:
                modified = storage.get_modified_time(name)
            except (FileNotFoundError, NotADirectoryError):
                continue  # gone since the listing: another sweep or a row's deletion
            except (NotImplementedError, OSError, ValueError):
                report.unknown_age += 1  # an age we cannot tell is never old enough
                continue
            if timezone.is_naive(modified) and timezone.is_aware(now):
                modified = timezone.make_aware(modified)
            if now - modified < GRACE:
                report.recent += 1
                continue
            old.append((storage, name, modified))
    # Read the references after the listing: a reference saved meanwhile is seen.
    used = referenced_names() if old else set()
    for storage, name, modified in old:
        if name in used:
            report.referenced += 1
            continue
        try:
            size = storage.size(name)
        except FileNotFoundError:
            continue  # another sweep got there first
        except (NotImplementedError, OSError, ValueError):
            size = 0
        if not dry_run:
            with contextlib.suppress(FileNotFoundError):  # another sweep got there first
                storage.delete(name)
        report.orphans.append(StoredFile(name, size, modified))
    return report
