"""The studio's own writes: pictures, videos and attachments for lessons, checked and stored;
the order of exams and practice items in the outline (the curriculum's writes are
courses.revisions)."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import uuid
import zipfile
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from accounts.models import User
from courses import revisions
from courses.models import Course, CourseRevision, Lesson, Track
from courses.portability import CourseFileError
from exams.models import Exam
from practice.models import Assignment, ItemSet
from talentportal.images import ImageRefused, compress

from . import selectors
from .media_sweep import GRACE, IMPORT_FOLDER

# A lesson's picture must stay light on a 2G/3G link: at most 1200 px on the long side and at
# most 100 KB. A photo that is still heavier at 1200 px is made smaller until it fits.
IMAGE_MAX_SIDE = 1200
IMAGE_MAX_BYTES = 100 * 1024
_SIDES = (1200, 960, 800, 640, 480, 360)


@dataclass(frozen=True)
class StoredImage:
    url: str
    size: int
    width: int
    height: int


def lesson_image_store(*, course: Course, data: bytes) -> StoredImage:
    """Compress ``data`` (ImageRefused when it is not a picture) to ≤ IMAGE_MAX_SIDE px and
    ≤ IMAGE_MAX_BYTES, and save it through the default storage under a random name."""
    for side in _SIDES:
        picture = compress(data, max_side=side)
        if picture.size <= IMAGE_MAX_BYTES:
            break
    else:  # a 360 px JPEG above 100 KB is noise, not a picture worth a learner's data
        raise ImageRefused(_("This picture cannot be made as small as 100 KB."))
    name = default_storage.save(f"studio/images/{course.pk}/{picture.content.name}", picture.content)
    return StoredImage(default_storage.url(name), picture.size, picture.width, picture.height)


# --- Lesson media: an uploaded video and attachments -----------------------------------------
# A video at most 50 MB (about 10 minutes of 480p: what a learner can fetch on a county's Wi-Fi
# and keep on a phone); attachments at most 20 MB, of the kinds a teacher hands out. The first
# bytes must match the extension: a renamed program or a page is refused. Nothing is stored
# for a refused file, and a stored file whose revision refuses it is deleted again.
VIDEO_MAX_BYTES = 50 * 1024 * 1024
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
VIDEO_EXTENSIONS = (".mp4", ".webm")
ATTACHMENT_EXTENSIONS = (".pdf", ".docx", ".xlsx", ".pptx", ".zip")
# What an Office file must hold besides being a zip.
_OFFICE_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml", ".pptx": "ppt/presentation.xml"}


class MediaRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower()


def _content_matches(upload: UploadedFile, extension: str) -> bool:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if extension == ".mp4":
        return head[4:8] == b"ftyp"
    if extension == ".webm":
        return head[:4] == b"\x1a\x45\xdf\xa3"
    if extension == ".pdf":
        return head[:5] == b"%PDF-"
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return extension == ".zip" or _OFFICE_PARTS[extension] in names


def _checked(upload: UploadedFile, *, extensions: tuple[str, ...], max_bytes: int) -> str:
    extension = _extension(upload.name)
    if extension not in extensions:
        raise MediaRefused(
            _("Only these files are accepted: %(kinds)s.")
            % {"kinds": ", ".join(e[1:].upper() for e in extensions)}
        )
    if upload.size > max_bytes:
        raise MediaRefused(_("The file is larger than %(limit)d MB.") % {"limit": max_bytes // (1024 * 1024)})
    if not _content_matches(upload, extension):
        raise MediaRefused(
            _("This file is not really a %(kind)s file: it cannot be added.")
            % {"kind": extension[1:].upper()}
        )
    return extension


def _storage():
    return Lesson._meta.get_field("video_file").storage


def _store(upload: UploadedFile, *, folder: str, course: Course, extension: str) -> str:
    return _storage().save(f"lessons/{folder}/{course.pk}/{uuid.uuid4().hex}{extension}", upload)


def lesson_video_upload(*, revision: CourseRevision, by: User, key: str, upload: UploadedFile) -> int:
    """Check ``upload`` (MP4 or WebM, ≤ VIDEO_MAX_BYTES, content matching; MediaRefused
    otherwise, nothing stored), store it under a random name and give it to the draft's lesson
    ``key``. Returns its size. A file the revision then refuses leaves storage at once."""
    extension = _checked(upload, extensions=VIDEO_EXTENSIONS, max_bytes=VIDEO_MAX_BYTES)
    name = _store(upload, folder="videos", course=revision.course, extension=extension)
    try:
        revisions.lesson_video_set(revision=revision, by=by, key=key, name=name, size=upload.size)
    except Exception:
        _storage().delete(name)  # a new, random name: nothing else names it
        raise
    return upload.size


def lesson_attachment_upload(
    *, revision: CourseRevision, by: User, key: str, upload: UploadedFile, title: str = ""
) -> int:
    """Check ``upload`` (PDF, DOCX, XLSX, PPTX or ZIP, ≤ ATTACHMENT_MAX_BYTES, content matching;
    MediaRefused otherwise, nothing stored), store it under a random name and attach it to the
    draft's lesson ``key`` (titled by ``title`` or the file's name). Returns its size."""
    extension = _checked(upload, extensions=ATTACHMENT_EXTENSIONS, max_bytes=ATTACHMENT_MAX_BYTES)
    title = (title or "").strip() or os.path.splitext(os.path.basename(upload.name))[0][:200] or extension[1:]
    name = _store(upload, folder="attachments", course=revision.course, extension=extension)
    try:
        revisions.lesson_attachment_add(
            revision=revision, by=by, key=key, title=title, name=name, size=upload.size
        )
    except Exception:
        _storage().delete(name)  # a new, random name: nothing else names it
        raise
    return upload.size


# --- The order of exams and practice items ----------------------------------------------------


def activity_positions_apply(course: Course, order: dict[str, list[str]]) -> None:
    """Give the course's exams and practice items the positions ``order`` names (1, 2, …; an
    item it does not name keeps its position). Registered in courses.revisions, which calls it
    inside ``revision_publish``'s transaction; at most three bulk updates."""
    for model, prefix, kind in (
        (Exam, "exam", selectors.EXAMS),
        (ItemSet, "itemset", selectors.PRACTICE),
        (Assignment, "assignment", selectors.PRACTICE),
    ):
        positions = {
            int(key.split("-", 1)[1]): index
            for index, key in enumerate(order.get(kind, []), start=1)
            if key.startswith(f"{prefix}-")
        }
        rows = [
            row
            for row in model.objects.filter(course=course, pk__in=list(positions)).only("position")
            if row.position != positions[row.pk]
        ]
        for row in rows:
            row.position = positions[row.pk]
        model.objects.bulk_update(rows, ["position"])


def _group(revision: CourseRevision, key: str) -> selectors.ActivityGroup:
    lesson_ids = {node["id"] for node in revisions.document_lessons(revision.document) if node.get("id")}
    activities = selectors.course_activities(
        course=revision.course, document=revision.document, lesson_ids=lesson_ids
    )
    group = activities.group_of(key)
    if group is None:
        raise ValidationError(_("This item is no longer in the revision."))
    return group


def outline_activity_move(*, revision: CourseRevision, by: User, key: str, offset: int) -> None:
    """Move an exam up (-1) or down (+1) among the course's exams, or a practice item among
    those of its lesson (or of the course), in the draft; learners see it once published.
    Refused (ValidationError) for the first item up and the last one down. The group is read
    from the draft as it stands; the write (courses.revisions.activity_reorder) locks it."""
    group = _group(revision, key)
    keys = group.keys
    index = keys.index(key)
    target = index + offset
    if not 0 <= target < len(keys):
        raise ValidationError(_("It is already first.") if offset < 0 else _("It is already last."))
    keys.insert(target, keys.pop(index))
    revisions.activity_reorder(
        revision=revision, by=by, kind=group.kind, keys=keys, titles=_titles(group, keys)
    )


def outline_activity_reorder(*, revision: CourseRevision, by: User, keys: list[str]) -> None:
    """Put one group (the exams, or the practice items of one lesson or of the course) in the
    order ``keys`` gives, all of them (the drag-and-drop form); anything else is refused."""
    group = _group(revision, keys[0]) if keys else None
    if group is None or sorted(group.keys) != sorted(keys):
        raise ValidationError(_("The order sent does not match the outline: reload the page."))
    revisions.activity_reorder(
        revision=revision, by=by, kind=group.kind, keys=keys, titles=_titles(group, keys)
    )


def _titles(group, keys: list[str]) -> list[str]:
    """The titles of the group's items in the order ``keys`` gives (for the audit log)."""
    by_key = {item.key: item.title for item in group.items}
    return [by_key[key] for key in keys]


# --- An import's checked file ----------------------------------------------------------------
# The dry run keeps the document it checked in storage (any web process can read it back, the
# storage API works on S3-like storages too) and gives the page a signed token naming it, the
# user, the track and the file's SHA-256: "Import" sends only the token, however large the
# course (a form field holding a Chinese document is 9 bytes a character, over Django's request
# limit). A token lasts as long as the media sweep's grace: the sweep deletes checked files
# older than that (studio.media_sweep.IMPORT_FOLDER).

IMPORT_TOKEN_MAX_AGE = int(GRACE.total_seconds())
_IMPORT_SALT = "studio.import.checked"


def import_checked_store(*, document: dict, user: User, track: Track) -> str:
    """Keep the checked ``document`` in storage under a random name for ``user``'s "Import"
    into ``track``; return the signed token that names it."""
    content = json.dumps(document, ensure_ascii=False).encode("utf-8")
    name = default_storage.save(f"{IMPORT_FOLDER}/{uuid.uuid4().hex}.json", ContentFile(content))
    return signing.dumps(
        {"name": name, "user": user.pk, "track": track.pk, "sha256": hashlib.sha256(content).hexdigest()},
        salt=_IMPORT_SALT,
    )


def _import_expired() -> CourseFileError:
    return CourseFileError([_("The checked file has expired or is not yours: upload it and check it again.")])


def _import_token(*, token: str, user: User, track: Track) -> dict:
    try:
        data = signing.loads(token, salt=_IMPORT_SALT, max_age=IMPORT_TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise _import_expired() from None
    if not isinstance(data, dict) or (data.get("user"), data.get("track")) != (user.pk, track.pk):
        raise _import_expired()
    if not str(data.get("name") or "").startswith(f"{IMPORT_FOLDER}/"):
        raise _import_expired()
    return data


def import_checked_key(*, token: str, user: User, track: Track) -> str:
    """The key of the checked file ``token`` names (courses.Course.import_key once imported),
    read without opening the file: it is gone once imported. Refused as import_checked_load."""
    return posixpath.basename(_import_token(token=token, user=user, track=track)["name"]).removesuffix(
        ".json"
    )


def import_checked_load(*, token: str, user: User, track: Track) -> tuple[dict, str]:
    """The document a dry run checked for ``user`` and ``track``, and its stored name. A token
    that is forged, another user's or another track's, older than IMPORT_TOKEN_MAX_AGE, or
    whose file is gone (swept or imported) or no longer the one checked is refused
    (CourseFileError with a translated message); nothing is written either way."""
    data = _import_token(token=token, user=user, track=track)
    name = data["name"]
    try:
        with default_storage.open(name) as stored:
            content = stored.read()
    except (FileNotFoundError, OSError, ValueError):
        raise _import_expired() from None
    if hashlib.sha256(content).hexdigest() != data.get("sha256"):
        raise _import_expired()
    return json.loads(content.decode("utf-8")), name


def import_checked_delete(name: str) -> None:
    """Delete a checked file once imported (a file already gone is fine)."""
    default_storage.delete(name)
