"""Revisions: how the authoring studio changes a course without learners seeing it unreviewed.

A revision is a course document (the JSON of courses.portability) whose modules, lessons,
quizzes, questions and choices carry ``id`` (the pk of their live row, ``None`` when new) and
``key`` (stable across edits: comments and the diff name lessons by it). Editors change the
open revision's document; learners keep reading the live rows. Publishing applies the
document to the live rows in one transaction: rows with an id are updated in place (a lesson
keeps its pk, so learners' progress stays), rows without one are created, live rows absent
from the document are deleted, and the course moves to published with a CourseStatusChange
carrying the changelog.

Who may do what is scoped by track (TrackRole): editors write, publishers send back and
publish; superusers may do both everywhere. ``by=None`` is an operator's command and is not
checked. Every change writes a StudioAuditEntry: with the revisions and the status changes it
is the audit log (a history library would record the same rows again).

Exams and practice items (item sets and assignments) belong to apps above this one; their
order in the outline goes through the revision too (see "The order of exams and practice
items" below): the draft carries it, publishing applies it.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User

from .models import (
    Choice,
    Course,
    CourseRevision,
    CourseStatusChange,
    DeliveryMode,
    Lesson,
    LessonAttachment,
    Module,
    Question,
    Quiz,
    RevisionComment,
    StudioAuditEntry,
    Track,
    TrackRole,
    delete_unused_files_on_commit,
)
from .portability import CourseFileError, course_document_problems, course_export, course_import
from .rendering import render_markdown
from .services import LIVE_STATUSES, course_lessons_changed

Role = TrackRole.Role
RevStatus = CourseRevision.Status

LESSON_FIELDS = [
    "module",
    "order",
    "title",
    "kind",
    "body",
    "body_html",
    "video_url",
    "video_file",
    "video_size",
    "duration_minutes",
    "is_required",
]
QUIZ_DEFAULTS = {
    "pass_mark": 60,
    "max_attempts": None,
    "shuffle": False,
    "show_answers": "after_last_attempt",
}


# --- Roles (reads) ----------------------------------------------------------------------


def studio_tracks(*, user: User, role: str | None = None) -> QuerySet[Track]:
    """The tracks ``user`` works on in the studio (all of them for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return Track.objects.none()
    if user.is_superuser:
        return Track.objects.all()
    roles = TrackRole.objects.filter(user=user, track=OuterRef("pk"))
    if role is not None:
        roles = roles.filter(role=role)
    return Track.objects.filter(Exists(roles))


def studio_courses(*, user: User, role: str | None = None) -> QuerySet[Course]:
    """The courses of ``user``'s tracks: what the studio shows them; any other course is a 404."""
    if not user.is_authenticated or not user.is_active:
        return Course.objects.none()
    if user.is_superuser:
        return Course.objects.all()
    roles = TrackRole.objects.filter(user=user, track=OuterRef("track_id"))
    if role is not None:
        roles = roles.filter(role=role)
    return Course.objects.filter(Exists(roles))


def has_track_role(*, user: User | None, course: Course, role: str) -> bool:
    if user is None:
        return True
    if not user.is_active:
        return False
    return (
        user.is_superuser or TrackRole.objects.filter(user=user, track_id=course.track_id, role=role).exists()
    )


def _require(by: User | None, course: Course, role: str) -> None:
    if not has_track_role(user=by, course=course, role=role):
        raise PermissionDenied(_("You do not have permission to do this."))


def _audit(
    *, course: Course, revision: CourseRevision | None, by: User | None, action: str, detail: str = ""
):
    StudioAuditEntry.objects.create(
        course=course, revision=revision, user=by, action=action, detail=detail[:300]
    )


# --- Documents --------------------------------------------------------------------------


def new_key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def live_document(*, course: Course) -> dict[str, Any]:
    """The live rows of ``course`` as a revision document (a fixed number of queries)."""
    document = course_export(course=course, ids=True)
    data = document["course"]
    # A course offered nowhere (made in the admin) would never pass the document's checks.
    data["delivery_modes"] = data["delivery_modes"] or [DeliveryMode.ONLINE.value]
    # Files put in through the admin have no size on their row: ask the storage once here.
    for lesson in document_lessons(document):
        if lesson["video_file"] and not lesson["video_size"]:
            lesson["video_size"] = _stored_size(lesson["video_file"])
        for attachment in lesson["attachments"]:
            if not attachment["size"]:
                attachment["size"] = _stored_size(attachment["file"])
    return document


def _stored_size(name: str) -> int:
    try:
        return Lesson._meta.get_field("video_file").storage.size(name)
    except (OSError, NotImplementedError, ValueError):
        return 0


def lesson_files(node: dict) -> list[str]:
    """The stored files a lesson node names (its video, its attachments)."""
    return [node.get("video_file") or "", *(a["file"] for a in node.get("attachments", []))]


@dataclass
class Found:
    node: dict
    kind: str  # module | lesson | quiz | question
    siblings: list | None  # the list holding the node (None for a quiz)
    parent: dict | None  # the module (lesson, module quiz), the quiz (question), None otherwise


def iter_nodes(document: dict):
    """Every module, lesson, quiz and question of ``document`` as Found, in outline order."""
    course = document["course"]
    for module in course["modules"]:
        yield Found(module, "module", course["modules"], None)
        for lesson in module["lessons"]:
            yield Found(lesson, "lesson", module["lessons"], module)
        if module.get("quiz"):
            yield Found(module["quiz"], "quiz", None, module)
            for question in module["quiz"]["questions"]:
                yield Found(question, "question", module["quiz"]["questions"], module["quiz"])
    if course.get("final_quiz"):
        yield Found(course["final_quiz"], "quiz", None, None)
        for question in course["final_quiz"]["questions"]:
            yield Found(question, "question", course["final_quiz"]["questions"], course["final_quiz"])


def find_node(document: dict, key: str) -> Found:
    for found in iter_nodes(document):
        if found.node.get("key") == key:
            return found
    raise ValidationError(_("This item is no longer in the revision."))


def document_lessons(document: dict) -> list[dict]:
    return [found.node for found in iter_nodes(document) if found.kind == "lesson"]


# --- Opening a revision, creating a course ---------------------------------------------


def open_revision(*, course: Course) -> CourseRevision | None:
    return CourseRevision.objects.filter(course=course, status__in=CourseRevision.OPEN_STATUSES).first()


@transaction.atomic
def revision_open(*, course: Course, by: User | None) -> CourseRevision:
    """The course's open revision, or a new draft copied from its live rows. Idempotent: the
    course row is locked, and at most one open revision per course is a database constraint."""
    _require(by, course, Role.EDITOR)
    locked = Course.objects.select_for_update().get(pk=course.pk)
    existing = open_revision(course=locked)
    if existing is not None:
        return existing
    number = (CourseRevision.objects.filter(course=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    revision = CourseRevision.objects.create(
        course=locked, number=number, document=live_document(course=locked), created_by=by
    )
    _audit(course=locked, revision=revision, by=by, action="revision_open", detail=f"#{number}")
    return revision


def _free_slug(title: str) -> str:
    base = slugify(title)[:60] or "course"
    taken = set(Course.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@transaction.atomic
def course_create(*, track: Track, title: str, summary: str, by: User | None) -> CourseRevision:
    """A new draft course (invisible to learners) with its first, empty revision."""
    if by is not None and not (
        by.is_superuser or studio_tracks(user=by, role=Role.EDITOR).filter(pk=track.pk).exists()
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    course = Course.objects.create(
        track=track,
        slug=_free_slug(title),
        title=title.strip(),
        summary=summary.strip(),
        status=Course.Status.DRAFT,
    )
    document = live_document(course=course)
    revision = CourseRevision.objects.create(course=course, number=1, document=document, created_by=by)
    _audit(course=course, revision=revision, by=by, action="course_create", detail=course.title)
    return revision


# --- Editing the document ---------------------------------------------------------------


def _edit(revision: CourseRevision, by: User | None, action: str, change, detail: str = "") -> CourseRevision:
    """Run ``change(document)`` on the locked, editable revision and save it with an audit entry
    (its detail: what ``change`` returns when it returns a text, else ``detail``)."""
    with transaction.atomic():
        locked = CourseRevision.objects.select_for_update().select_related("course").get(pk=revision.pk)
        _require(by, locked.course, Role.EDITOR)
        if not locked.is_editable:
            raise ValidationError(_("This revision is with a publisher: it cannot be changed now."))
        document = copy.deepcopy(locked.document)
        described = change(document)
        if isinstance(described, str):
            detail = described
        locked.document = document
        locked.save(update_fields=["document", "updated_at"])
        _audit(course=locked.course, revision=locked, by=by, action=action, detail=detail)
    revision.document, revision.updated_at = locked.document, locked.updated_at
    return locked


def _node_title(node: dict) -> str:
    """A node's name for the audit log: its title, or a question's text."""
    return str(node.get("title") or node.get("text") or node.get("key") or "")


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give it a title."))
    return title[:200]


def outline_add(
    *, revision: CourseRevision, by: User | None, kind: str, title: str, parent_key: str = ""
) -> str:
    """Add a module, a lesson (to the module ``parent_key``), a module's quiz or the final quiz
    at the end of its list. Returns the new node's key."""
    title = _title(title)
    key = new_key(kind[0])

    def change(document):
        course = document["course"]
        if kind == "module":
            course["modules"].append(
                {"id": None, "key": key, "title": title, "summary": "", "lessons": [], "quiz": None}
            )
            return
        if kind == "final_quiz":
            if course.get("final_quiz"):
                raise ValidationError(_("The course already has a final quiz."))
            course["final_quiz"] = {"id": None, "key": key, "title": title, "questions": [], **QUIZ_DEFAULTS}
            return
        found = find_node(document, parent_key)
        if found.kind != "module":
            raise ValidationError(_("Choose a module."))
        if kind == "lesson":
            found.node["lessons"].append(
                {
                    "id": None,
                    "key": key,
                    "title": title,
                    "kind": Lesson.Kind.READING.value,
                    "body": "",
                    "video_url": "",
                    "duration_minutes": 10,
                    "is_required": True,
                }
            )
        elif kind == "quiz":
            if found.node.get("quiz"):
                raise ValidationError(_("This module already has a quiz."))
            found.node["quiz"] = {"id": None, "key": key, "title": title, "questions": [], **QUIZ_DEFAULTS}
        else:
            raise ValidationError(_("Unknown kind of item."))

    _edit(revision, by, f"add_{kind}", change, title)
    return key


def outline_rename(*, revision: CourseRevision, by: User | None, key: str, title: str) -> None:
    title = _title(title)

    def change(document):
        node = find_node(document, key).node
        node["text" if "text" in node and "title" not in node else "title"] = title

    _edit(revision, by, "rename", change, title)


def outline_delete(*, revision: CourseRevision, by: User | None, key: str) -> None:
    """Remove a node (with its children) from the document; the live rows go when it is published."""

    dropped: list[str] = []

    def change(document):
        found = find_node(document, key)
        if found.kind == "module":
            dropped.extend(name for lesson in found.node["lessons"] for name in lesson_files(lesson))
        elif found.kind == "lesson":
            dropped.extend(lesson_files(found.node))
        if found.siblings is not None:
            found.siblings.remove(found.node)
        elif found.parent is not None:
            found.parent["quiz"] = None
        else:
            document["course"]["final_quiz"] = None
        return _node_title(found.node)

    _edit(revision, by, "delete", change, key)
    # Files uploaded to this draft only leave storage; the live rows' files go when published.
    delete_unused_files_on_commit(dropped)


def outline_move(*, revision: CourseRevision, by: User | None, key: str, offset: int) -> None:
    """Move a module, lesson or question up (-1) or down (+1) among its siblings."""

    def change(document):
        found = find_node(document, key)
        if found.siblings is None:
            return _node_title(found.node)
        index = found.siblings.index(found.node)
        target = min(max(index + offset, 0), len(found.siblings) - 1)
        found.siblings.insert(target, found.siblings.pop(index))
        return _node_title(found.node)

    _edit(revision, by, "move", change, key)


def outline_reorder(*, revision: CourseRevision, by: User | None, keys: list[str]) -> None:
    """Put siblings in the order ``keys`` gives (the drag-and-drop form): all of them, from one
    list (modules, or the lessons of one module, or the questions of one quiz)."""

    def change(document):
        if not keys:
            raise ValidationError(_("Nothing to reorder."))
        found = find_node(document, keys[0])
        siblings = found.siblings
        if siblings is None or sorted(node["key"] for node in siblings) != sorted(keys):
            raise ValidationError(_("The order sent does not match the outline: reload the page."))
        by_key = {node["key"]: node for node in siblings}
        siblings[:] = [by_key[k] for k in keys]
        return ", ".join(_node_title(node) for node in siblings)

    _edit(revision, by, "reorder", change, ",".join(keys)[:300])


# --- The order of exams and practice items --------------------------------------------
# Exams (per course) and practice items (item sets and assignments, under a lesson or on the
# course) live in apps above this one. The app that composes them (studio.apps) registers how
# their live order is read and how an order is applied; this module never imports them. A
# draft that reorders them carries ``course.activity_order``: {"exams": [...], "practice": [...]},
# keys such as "exam-3", "itemset-4", "assignment-2". Practice items of a course form one
# sequence: their order within a lesson (or on the course) is their order in it, so an item
# moved to another lesson in the practice studio keeps a well-defined place.

ACTIVITY_KINDS = ("exams", "practice")


@dataclass(frozen=True)
class ActivityOrderHooks:
    read: Callable[[Course], dict[str, list[str]]]  # the live order, per kind
    apply: Callable[[Course, dict[str, list[str]]], None]  # give the live rows this order


_ACTIVITY_HOOKS: dict[str, ActivityOrderHooks] = {}


def activity_order_register(
    *,
    read: Callable[[Course], dict[str, list[str]]],
    apply: Callable[[Course, dict[str, list[str]]], None],
) -> None:
    """Called once at start-up (AppConfig.ready) by the app that composes exams and practice
    items in the outline."""
    _ACTIVITY_HOOKS["order"] = ActivityOrderHooks(read=read, apply=apply)


def _merged(live: list[str], drafted: list[str] | None) -> list[str]:
    """``live`` with the keys the draft names put in the draft's order, in the slots they hold:
    an item created since the draft was written keeps its live place, a deleted one is gone."""
    if not drafted:
        return list(live)
    present = set(live)
    ordered = iter([key for key in dict.fromkeys(drafted) if key in present])
    named = set(drafted)
    return [next(ordered) if key in named else key for key in live]


def activity_order(
    *, course: Course, document: dict | None, live: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """The order of ``course``'s exams and practice items as ``document`` (a revision's, or
    None for the live course) puts them: what publishing it would give learners. ``live``:
    the live order when the caller has read it already."""
    hooks = _ACTIVITY_HOOKS.get("order")
    if hooks is None:
        return {kind: [] for kind in ACTIVITY_KINDS}
    if live is None:
        live = hooks.read(course)
    drafted = (document or {}).get("course", {}).get("activity_order") or {}
    return {kind: _merged(live.get(kind, []), drafted.get(kind)) for kind in ACTIVITY_KINDS}


def activity_reorder(
    *, revision: CourseRevision, by: User | None, kind: str, keys: list[str], titles: list[str] | None = None
) -> None:
    """Put the exams (``kind`` "exams") or practice items ("practice") named by ``keys`` in
    that order in the draft, in the places they held (the rest keep theirs). Learners see the
    new order when the revision is published. Refused (ValidationError) when a key is not one
    of the course's or is named twice. ``titles`` (in the order of ``keys``) name them in the
    audit log."""
    if kind not in ACTIVITY_KINDS:
        raise ValidationError(_("Unknown kind of item."))

    def change(document):
        current = activity_order(course=revision.course, document=document)
        sequence = current[kind]
        if not keys or len(set(keys)) != len(keys) or not set(keys) <= set(sequence):
            raise ValidationError(_("The order sent does not match the outline: reload the page."))
        slots = iter(keys)
        moved = set(keys)
        # Only the kind moved: the other keeps following the live order until it is moved too.
        document["course"].setdefault("activity_order", {})[kind] = [
            next(slots) if key in moved else key for key in sequence
        ]

    _edit(revision, by, "reorder_activities", change, ", ".join(titles or keys))


def _activity_order_changes(*, course: Course, document: dict) -> list[str]:
    """The kinds ("exams", "practice") whose order ``document`` changes against the live course."""
    if not document["course"].get("activity_order"):
        return []
    live = activity_order(course=course, document=None)
    drafted = activity_order(course=course, document=document, live=live)
    return [kind for kind in ACTIVITY_KINDS if live[kind] != drafted[kind]]


LESSON_EDITED_MEANWHILE = "lesson_edited_meanwhile"


def lesson_fingerprint(node: dict) -> str:
    """A short digest of what the lesson editor changes in a lesson (its title, text, video
    link, duration and whether it is required): the version the editor started from."""
    fields = {
        name: node.get(name) for name in ("title", "body", "video_url", "duration_minutes", "is_required")
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def lesson_edit(
    *,
    revision: CourseRevision,
    by: User | None,
    key: str,
    title: str,
    body: str,
    video_url: str = "",
    duration_minutes: int = 10,
    is_required: bool = True,
    base: str = "",
) -> None:
    """Save the lesson editor's fields in the draft. With ``base`` (the lesson's fingerprint when
    the editor opened it), a save over a newer one by someone else is refused
    (ValidationError, code ``lesson_edited_meanwhile``) and changes nothing."""
    title = _title(title)
    if video_url and not video_url.startswith(("http://", "https://")):
        raise ValidationError(_("A video link starts with http:// or https://."))

    def change(document):
        found = find_node(document, key)
        if found.kind != "lesson":
            raise ValidationError(_("This item is not a lesson."))
        if base and lesson_fingerprint(found.node) != base:
            raise ValidationError(
                _(
                    "Someone else saved this lesson while you were editing it. Your text is still in the"
                    " form: save again to replace theirs with it, or reload the page to see theirs."
                ),
                code=LESSON_EDITED_MEANWHILE,
            )
        found.node.update(
            title=title,
            body=body,
            video_url=video_url,
            duration_minutes=duration_minutes,
            is_required=is_required,
        )
        found.node["kind"] = _kind_for_video(found.node)

    _edit(revision, by, "edit_lesson", change, title)


def _kind_for_video(node: dict) -> str:
    """A reading lesson given a video (a link or an uploaded file) becomes a video lesson, and a
    video lesson becomes a reading one again once it has neither; other kinds stay."""
    has_video = bool(node.get("video_url") or node.get("video_file"))
    if has_video and node["kind"] == Lesson.Kind.READING:
        return Lesson.Kind.VIDEO.value
    if not has_video and node["kind"] == Lesson.Kind.VIDEO:
        return Lesson.Kind.READING.value
    return node["kind"]


def _lesson_node(document: dict, key: str) -> dict:
    found = find_node(document, key)
    if found.kind != "lesson":
        raise ValidationError(_("This item is not a lesson."))
    return found.node


def lesson_video_set(*, revision: CourseRevision, by: User | None, key: str, name: str, size: int) -> None:
    """Give the lesson the uploaded video stored as ``name`` (a video lesson from now on); a
    video this draft uploaded before leaves storage."""
    replaced: list[str] = []

    def change(document):
        node = _lesson_node(document, key)
        replaced.append(node.get("video_file") or "")
        node.update(video_file=name, video_size=size)
        node["kind"] = _kind_for_video(node)

    _edit(revision, by, "add_video", change, name.rsplit("/", 1)[-1])
    delete_unused_files_on_commit(replaced)


def lesson_video_remove(*, revision: CourseRevision, by: User | None, key: str) -> None:
    """Take the uploaded video off the lesson (the live one keeps it until published)."""
    removed: list[str] = []

    def change(document):
        node = _lesson_node(document, key)
        removed.append(node.get("video_file") or "")
        node.update(video_file="", video_size=0)
        node["kind"] = _kind_for_video(node)
        return _node_title(node)

    _edit(revision, by, "remove_video", change, key)
    delete_unused_files_on_commit(removed)


def lesson_attachment_add(
    *, revision: CourseRevision, by: User | None, key: str, title: str, name: str, size: int
) -> str:
    """Attach the file stored as ``name`` to the lesson; returns the attachment's key."""
    title = _title(title)
    attachment_key = new_key("a")

    def change(document):
        node = _lesson_node(document, key)
        node.setdefault("attachments", []).append(
            {"id": None, "key": attachment_key, "title": title, "file": name, "size": size}
        )

    _edit(revision, by, "add_attachment", change, title)
    return attachment_key


def lesson_attachment_remove(
    *, revision: CourseRevision, by: User | None, key: str, attachment_key: str
) -> None:
    """Take an attachment off the lesson (the live one keeps it until published)."""
    removed: list[str] = []

    def change(document):
        node = _lesson_node(document, key)
        attachments = node.get("attachments", [])
        kept = [a for a in attachments if a["key"] != attachment_key]
        if len(kept) == len(attachments):
            raise ValidationError(_("This item is no longer in the revision."))
        removed.extend(a["file"] for a in attachments if a["key"] == attachment_key)
        node["attachments"] = kept

    _edit(revision, by, "remove_attachment", change, attachment_key)
    delete_unused_files_on_commit(removed)


def question_add(
    *,
    revision: CourseRevision,
    by: User | None,
    quiz_key: str,
    text: str,
    choices: list[str],
    correct: set[int],
    explanation: str = "",
) -> str:
    """Add a question to a quiz: ``choices`` in order, ``correct`` their 1-based numbers. One
    correct choice makes a single-choice question, more a multiple-choice one."""
    text = (text or "").strip()
    choices = [choice.strip()[:300] for choice in choices if choice.strip()]
    if not text:
        raise ValidationError(_("Write the question."))
    if len(choices) < 2:
        raise ValidationError(_("A question needs at least two choices."))
    if not correct or not correct <= set(range(1, len(choices) + 1)):
        raise ValidationError(_("Mark at least one choice as correct."))
    key = new_key("k")

    def change(document):
        found = find_node(document, quiz_key)
        if found.kind != "quiz":
            raise ValidationError(_("Choose a quiz."))
        found.node["questions"].append(
            {
                "id": None,
                "key": key,
                "text": text,
                "kind": Question.Kind.SINGLE.value if len(correct) == 1 else Question.Kind.MULTIPLE.value,
                "explanation": explanation.strip(),
                "choices": [
                    {"id": None, "text": choice, "is_correct": number in correct}
                    for number, choice in enumerate(choices, start=1)
                ],
            }
        )

    _edit(revision, by, "add_question", change, text[:100])
    return key


def course_details_edit(
    *,
    revision: CourseRevision,
    by: User | None,
    title: str,
    summary: str,
    level: str,
    estimated_hours: int,
    description: str = "",
) -> None:
    """Change the course's own fields in the draft (learners see them once it is published)."""
    title = _title(title)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError(_("Write a summary for the catalogue."))
    if level not in Course.Level.values:
        raise ValidationError(_("Choose a level."))
    if not 0 <= estimated_hours <= 10000:
        raise ValidationError(_("Estimated hours are between 0 and 10000."))

    def change(document):
        document["course"].update(
            title=title,
            summary=summary[:300],
            level=level,
            estimated_hours=estimated_hours,
            description=(description or "").strip(),
        )

    _edit(revision, by, "edit_course", change, title)


@dataclass(frozen=True)
class ChoiceEdit:
    """One choice as the question form sends it: ``index`` is its position in the question
    when the form was shown (None for a new choice)."""

    index: int | None
    text: str
    is_correct: bool


def question_edit(
    *,
    revision: CourseRevision,
    by: User | None,
    key: str,
    text: str,
    choices: list[ChoiceEdit],
    explanation: str = "",
    shown_choices: int | None = None,
) -> None:
    """Change a question's text, explanation and choices in the draft: choices named by
    ``index`` keep their identity (and their row when published), the others are added,
    choices left out are removed. One correct choice makes a single-choice question, more a
    multiple-choice one. ``shown_choices`` is how many choices the form showed: a question
    changed since then is refused rather than edited at the wrong positions."""
    text = (text or "").strip()
    choices = [
        ChoiceEdit(choice.index, choice.text.strip()[:300], choice.is_correct)
        for choice in choices
        if choice.text.strip()
    ]
    if not text:
        raise ValidationError(_("Write the question."))
    if len(choices) < 2:
        raise ValidationError(_("A question needs at least two choices."))
    correct = sum(choice.is_correct for choice in choices)
    if not correct:
        raise ValidationError(_("Mark at least one choice as correct."))

    def change(document):
        found = find_node(document, key)
        if found.kind != "question":
            raise ValidationError(_("This item is not a question."))
        old = found.node["choices"]
        if shown_choices is not None and shown_choices != len(old):
            raise ValidationError(_("The question changed since you opened it: reload the page."))
        named = [choice.index for choice in choices if choice.index is not None]
        if len(named) != len(set(named)):
            raise ValidationError(_("The question changed since you opened it: reload the page."))
        nodes = []
        for choice in choices:
            if choice.index is not None and not 0 <= choice.index < len(old):
                raise ValidationError(_("The question changed since you opened it: reload the page."))
            previous = old[choice.index] if choice.index is not None else {"id": None}
            nodes.append({**previous, "text": choice.text, "is_correct": choice.is_correct})
        found.node.update(
            text=text,
            explanation=(explanation or "").strip(),
            kind=Question.Kind.SINGLE.value if correct == 1 else Question.Kind.MULTIPLE.value,
            choices=nodes,
        )

    _edit(revision, by, "edit_question", change, text[:100])


# --- Import ---------------------------------------------------------------------------


@dataclass
class ImportSummary:
    title: str
    modules: list[tuple[str, list[str]]]
    quizzes: int
    questions: int


def import_summary(*, document: Any) -> ImportSummary:
    """What importing ``document`` would create (a dry run: nothing is written). Raises
    CourseFileError listing every problem of a malformed document."""
    problems = course_document_problems(document)
    if problems:
        raise CourseFileError(problems)
    data = document["course"]
    quizzes = [m["quiz"] for m in data["modules"] if m.get("quiz")] + (
        [data["final_quiz"]] if data.get("final_quiz") else []
    )
    return ImportSummary(
        title=data["title"],
        modules=[(m["title"], [lesson["title"] for lesson in m["lessons"]]) for m in data["modules"]],
        quizzes=len(quizzes),
        questions=sum(len(quiz["questions"]) for quiz in quizzes),
    )


def course_import_draft(
    *, document: Any, track: Track, by: User | None, key: str | None = None
) -> CourseRevision:
    """Create a draft course of ``track`` (whatever track the file names) from ``document``,
    with its first revision. All or nothing: a malformed document raises CourseFileError and
    writes nothing. ``key`` names the checked file imported: the same key imported again, even
    at the same moment (a double click), gives the first import's revision and writes nothing."""
    if by is not None and not (
        by.is_superuser or studio_tracks(user=by, role=Role.EDITOR).filter(pk=track.pk).exists()
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    if key and (done := imported_with(key=key)):
        return done
    import_summary(document=document)
    document = copy.deepcopy(document)
    document["course"]["track"] = {"slug": track.slug, "name": track.name}
    try:
        with transaction.atomic():
            course = course_import(document=document)
            if key:
                # Unique: a concurrent import of the same file waits here, then fails.
                Course.objects.filter(pk=course.pk).update(import_key=key)
            revision = revision_open(course=course, by=by)
            _audit(course=course, revision=revision, by=by, action="import", detail=course.title)
    except IntegrityError:
        if key and (done := imported_with(key=key)):
            return done
        raise
    return revision


def imported_with(*, key: str) -> CourseRevision | None:
    """The first revision of the course imported from the checked file ``key``, if any."""
    return CourseRevision.objects.filter(course__import_key=key).order_by("pk").first()


# --- Review -----------------------------------------------------------------------------


def revision_problems(*, revision: CourseRevision) -> list[str]:
    """What keeps the revision from being submitted or published (empty when ready)."""
    problems = course_document_problems(revision.document)
    if not document_lessons(revision.document):
        problems.insert(0, _("The course has no lesson."))
    return problems


@transaction.atomic
def revision_submit(*, revision: CourseRevision, by: User | None) -> CourseRevision:
    """Hand the draft to the track's publishers. Refused (ValidationError) while it has problems."""
    locked = CourseRevision.objects.select_for_update().select_related("course").get(pk=revision.pk)
    _require(by, locked.course, Role.EDITOR)
    if not locked.is_editable:
        raise ValidationError(_("This revision is not a draft."))
    problems = revision_problems(revision=locked)
    if problems:
        raise ValidationError(problems)
    locked.status, locked.submitted_by, locked.submitted_at = RevStatus.SUBMITTED, by, timezone.now()
    locked.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _audit(course=locked.course, revision=locked, by=by, action="submit")
    return locked


@transaction.atomic
def revision_send_back(
    *, revision: CourseRevision, by: User | None, comments: dict[str, str], general: str = ""
) -> CourseRevision:
    """Return a submitted revision to its editors with comments (per lesson key; "" for the
    whole). At least one comment is required."""
    locked = CourseRevision.objects.select_for_update().select_related("course").get(pk=revision.pk)
    _require(by, locked.course, Role.PUBLISHER)
    if locked.status != RevStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted revision can be sent back."))
    rows = [
        RevisionComment(revision=locked, lesson_key=key, author=by, text=text.strip())
        for key, text in [("", general), *comments.items()]
        if text and text.strip()
    ]
    if not rows:
        raise ValidationError(_("Say what needs to change when you send a revision back."))
    RevisionComment.objects.bulk_create(rows)
    locked.status = RevStatus.RETURNED
    locked.save(update_fields=["status", "updated_at"])
    _audit(course=locked.course, revision=locked, by=by, action="send_back", detail=f"{len(rows)}")
    return locked


def _apply_choices(question: Question, nodes: list[dict], live: dict[int, Choice]) -> tuple[list, list]:
    updates, creates = [], []
    for order, node in enumerate(nodes, start=1):
        row = live.get(node.get("id")) if node.get("id") else None
        if row is not None and row.question_id == question.pk:
            row.order, row.text, row.is_correct = order, node["text"], bool(node.get("is_correct"))
            updates.append(row)
        else:
            creates.append(
                Choice(
                    question=question, order=order, text=node["text"], is_correct=bool(node.get("is_correct"))
                )
            )
    return updates, creates


@transaction.atomic
def revision_publish(*, revision: CourseRevision, by: User | None, changelog: str) -> CourseRevision:
    """Apply a submitted revision to the live course in one transaction (course row locked).

    Rows named by an id of this course are updated in place (lessons keep their pk and thus
    their learners' progress), nodes without one are created, this course's rows missing from
    the document are deleted (with their progress, as deleting a lesson always did). The
    course becomes published, a CourseStatusChange records who and the changelog, and
    curriculum_changed makes enrolment progress be recomputed after commit.
    """
    changelog = (changelog or "").strip()
    locked = CourseRevision.objects.select_for_update().get(pk=revision.pk)
    course = Course.objects.select_for_update().get(pk=locked.course_id)
    _require(by, course, Role.PUBLISHER)
    if locked.status != RevStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted revision can be published."))
    if not changelog:
        raise ValidationError(_("Tell learners what changed."))
    problems = revision_problems(revision=locked)
    if problems:
        raise ValidationError(problems)
    data = locked.document["course"]

    modules = {row.pk: row for row in Module.objects.filter(course=course)}
    lessons = {row.pk: row for row in Lesson.objects.filter(module__course=course)}
    quizzes = {row.pk: row for row in Quiz.objects.filter(course=course)}
    questions = {row.pk: row for row in Question.objects.filter(quiz__course=course)}
    choices = {row.pk: row for row in Choice.objects.filter(question__quiz__course=course)}
    attachments = {row.pk: row for row in LessonAttachment.objects.filter(lesson__module__course=course)}
    replaced_videos = [row.video_file.name for row in lessons.values() if row.video_file]

    # Park every live row above any position the document uses: the (parent, order) unique
    # constraints are checked row by row.
    size = sum(1 for _node in iter_nodes(locked.document)) + sum(
        len(q.node["choices"]) for q in iter_nodes(locked.document) if q.kind == "question"
    )
    for model, rows, parent in (
        (Module, modules, {"course": course}),
        (Lesson, lessons, {"module__course": course}),
        (Question, questions, {"quiz__course": course}),
        (Choice, choices, {"question__quiz__course": course}),
    ):
        if rows:
            top = max(row.order for row in rows.values())
            model.objects.filter(**parent).update(order=F("order") + top + size + 1)

    # A module has at most one quiz and the course one final quiz: quizzes the document drops
    # go first, so that a quiz added in their place can be created.
    named = {f.node.get("id") for f in iter_nodes(locked.document) if f.kind == "quiz"}
    Quiz.objects.filter(course=course).exclude(pk__in=[pk for pk in named if pk]).delete()
    quizzes = {pk: quiz for pk, quiz in quizzes.items() if pk in named}

    kept: dict[type, set[int]] = {Module: set(), Lesson: set(), Quiz: set(), Question: set(), Choice: set()}

    def ours(table: dict, node: dict):
        row = table.get(node.get("id")) if node.get("id") else None
        return row

    def apply_quiz(node: dict | None, module: Module | None) -> None:
        if node is None:
            return
        quiz = ours(quizzes, node)
        fields = {
            "title": node["title"],
            "pass_mark": node.get("pass_mark", 60),
            "max_attempts": node.get("max_attempts"),
            "shuffle": node.get("shuffle", False),
            "show_answers": node.get("show_answers", Quiz.ShowAnswers.AFTER_LAST_ATTEMPT),
        }
        if quiz is not None and (quiz.module_id == (module.pk if module else None)):
            Quiz.objects.filter(pk=quiz.pk).update(**fields)
        else:
            quiz = Quiz.objects.create(course=course, module=module, **fields)
        kept[Quiz].add(quiz.pk)
        for order, q_node in enumerate(node["questions"], start=1):
            question = ours(questions, q_node)
            if question is not None and question.quiz_id != quiz.pk:
                question = None  # a question moves with its quiz only
            q_fields = {
                "quiz": quiz,
                "order": order,
                "text": q_node["text"],
                "kind": q_node["kind"],
                "explanation": q_node.get("explanation", ""),
            }
            if question is not None:
                Question.objects.filter(pk=question.pk).update(**q_fields)
            else:
                question = Question.objects.create(**q_fields)
            kept[Question].add(question.pk)
            updates, creates = _apply_choices(question, q_node["choices"], choices)
            Choice.objects.bulk_update(updates, ["order", "text", "is_correct"])
            kept[Choice].update(row.pk for row in updates)
            kept[Choice].update(row.pk for row in Choice.objects.bulk_create(creates))

    placed: list[tuple[dict, Lesson]] = []
    for order, m_node in enumerate(data["modules"], start=1):
        module = ours(modules, m_node)
        if module is not None:
            module.order, module.title, module.summary = order, m_node["title"], m_node.get("summary", "")
            module.save(update_fields=["order", "title", "summary"])
        else:
            module = Module.objects.create(
                course=course, order=order, title=m_node["title"], summary=m_node.get("summary", "")
            )
        kept[Module].add(module.pk)
        updates, creates = [], []
        for l_order, l_node in enumerate(m_node["lessons"], start=1):
            fields = {
                "module": module,
                "order": l_order,
                "title": l_node["title"],
                "kind": l_node["kind"],
                "body": l_node.get("body", ""),
                "body_html": render_markdown(l_node.get("body", "")),
                "video_url": l_node.get("video_url") or "",
                "video_file": l_node.get("video_file") or "",
                "video_size": l_node.get("video_size") or 0,
                "duration_minutes": l_node["duration_minutes"],
                "is_required": l_node.get("is_required", True),
            }
            if "video_file" not in l_node:
                # A draft opened before lessons carried their files in the document: the live
                # lesson keeps its video (and, below, its attachments).
                del fields["video_file"], fields["video_size"]
            lesson = ours(lessons, l_node)
            if lesson is not None:
                for name, value in fields.items():
                    setattr(lesson, name, value)
                lesson.updated_at = timezone.now()
                updates.append(lesson)
                kept[Lesson].add(lesson.pk)
                placed.append((l_node, lesson))
            else:
                creates.append(Lesson(**fields))
                placed.append((l_node, creates[-1]))
        Lesson.objects.bulk_update(updates, [*LESSON_FIELDS, "updated_at"])
        kept[Lesson].update(row.pk for row in Lesson.objects.bulk_create(creates))
        apply_quiz(m_node.get("quiz"), module)
    apply_quiz(data.get("final_quiz"), None)

    # Attachments follow their lesson: kept (retitled) when the document names them for it,
    # created for files uploaded to the revision.
    attachment_updates, attachment_creates, untouched = [], [], set()
    for l_node, lesson in placed:
        if "attachments" not in l_node:
            untouched.add(lesson.pk)
            continue
        for a_node in l_node["attachments"]:
            row = attachments.get(a_node.get("id")) if a_node.get("id") else None
            if row is not None and row.lesson_id == lesson.pk:
                row.title = a_node["title"]
                attachment_updates.append(row)
            else:
                attachment_creates.append(
                    LessonAttachment(
                        lesson=lesson,
                        title=a_node["title"],
                        file=a_node["file"],
                        size=a_node.get("size") or 0,
                    )
                )
    LessonAttachment.objects.bulk_update(attachment_updates, ["title"])
    LessonAttachment.objects.bulk_create(attachment_creates)
    kept_attachments = {row.pk for row in attachment_updates} | {row.pk for row in attachment_creates}
    kept_attachments |= {row.pk for row in attachments.values() if row.lesson_id in untouched}

    # Leaves first; a parent's cascade then only takes rows the document also removed. Files
    # of deleted rows leave storage after commit (courses.models), so does a replaced video.
    LessonAttachment.objects.filter(lesson__module__course=course).exclude(pk__in=kept_attachments).delete()
    delete_unused_files_on_commit(replaced_videos)
    Choice.objects.filter(question__quiz__course=course).exclude(pk__in=kept[Choice]).delete()
    Question.objects.filter(quiz__course=course).exclude(pk__in=kept[Question]).delete()
    Quiz.objects.filter(course=course).exclude(pk__in=kept[Quiz]).delete()
    Lesson.objects.filter(module__course=course).exclude(pk__in=kept[Lesson]).delete()
    Module.objects.filter(course=course).exclude(pk__in=kept[Module]).delete()
    if data.get("activity_order") and "order" in _ACTIVITY_HOOKS:
        _ACTIVITY_HOOKS["order"].apply(course, activity_order(course=course, document=locked.document))

    modes = set(data.get("delivery_modes") or [])
    now = timezone.now()
    from_status = course.status
    # An archived course takes the revision but stays out of the catalogue.
    to_status = Course.Status.ARCHIVED if from_status == Course.Status.ARCHIVED else Course.Status.PUBLISHED
    course.title, course.summary = data["title"], data["summary"]
    course.description, course.prerequisites = data.get("description", ""), data.get("prerequisites", "")
    course.level, course.language, course.estimated_hours = (
        data["level"],
        data["language"],
        data["estimated_hours"],
    )
    course.offered_online = DeliveryMode.ONLINE in modes
    course.offered_offline = DeliveryMode.OFFLINE in modes
    course.offered_blended = DeliveryMode.BLENDED in modes
    course.status = to_status
    course.published_at = course.published_at or now
    course.save()
    CourseStatusChange.objects.create(
        course=course,
        from_status=from_status,
        to_status=to_status,
        changed_by=by,
        comment=changelog,
    )
    locked.status, locked.published_by, locked.published_at, locked.changelog = (
        RevStatus.PUBLISHED,
        by,
        now,
        changelog,
    )
    locked.document = live_document(course=course)
    if data.get("activity_order"):
        locked.document["course"]["activity_order"] = activity_order(course=course, document=None)
    locked.save(
        update_fields=["status", "published_by", "published_at", "changelog", "document", "updated_at"]
    )
    _audit(course=course, revision=locked, by=by, action="publish", detail=changelog[:300])
    course_lessons_changed(course_ids=[course.pk])
    return locked


# --- Reads for the review ---------------------------------------------------------------


def review_queue(*, user: User) -> QuerySet[CourseRevision]:
    """Submitted revisions of the tracks ``user`` publishes, oldest first."""
    courses = studio_courses(user=user, role=Role.PUBLISHER)
    return (
        CourseRevision.objects.filter(status=RevStatus.SUBMITTED, course__in=courses)
        .select_related("course__track", "submitted_by")
        .order_by("submitted_at", "pk")
    )


_TOKEN = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.DOTALL)


def text_diff(old: str, new: str) -> str:
    """HTML of ``new`` with what changed from ``old`` marked <del>/<ins> (words, or characters
    in Chinese). Both texts are escaped."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


@dataclass
class LessonChange:
    key: str
    title: str
    state: str  # added | removed | changed | unchanged
    title_diff: str = ""
    body_diff: str = ""
    other: list[str] = field(default_factory=list)


@dataclass
class FieldChange:
    """A changed field: ``diff`` is escaped HTML of its new value with ``<ins>``/``<del>``."""

    label: str
    diff: str


@dataclass
class NodeChange:
    """A module or quiz, by its key, added, removed, renamed or with changed settings."""

    key: str
    label: str  # "Module", "Quiz", "Final quiz"
    state: str  # added | removed | changed
    title_diff: str  # escaped HTML
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class QuestionChange:
    """A question kept by its key whose text, kind, explanation or choices changed: ``text_diff``
    its text's diff (escaped HTML), ``fields`` the rest that changed."""

    text_diff: str
    fields: list[FieldChange] = field(default_factory=list)


def _question_texts(question: dict) -> dict[str, str]:
    correct = str(Choice._meta.get_field("is_correct").verbose_name)
    return {
        str(Question._meta.get_field("kind").verbose_name): str(
            dict(Question.Kind.choices).get(question.get("kind"), question.get("kind") or "")
        ),
        str(Question._meta.get_field("explanation").verbose_name): question.get("explanation") or "",
        # A choice a line, the correct ones marked: a choice reworded or made correct shows.
        str(Choice._meta.verbose_name_plural): "\n".join(
            f"{choice.get('text', '')} ✓ {correct}" if choice.get("is_correct") else choice.get("text", "")
            for choice in question.get("choices", [])
        ),
    }


def _question_change(old: dict, new: dict) -> QuestionChange:
    return QuestionChange(
        text_diff(old["text"], new["text"]) if old["text"] != new["text"] else escape(new["text"]),
        _changes(_question_texts(old), _question_texts(new)),
    )


@dataclass
class RevisionDiff:
    lessons: list[LessonChange]
    questions_added: list[str]
    questions_removed: list[str]
    questions_changed: list[QuestionChange]
    outline_changed: bool
    activities_changed: list[str] = field(default_factory=list)  # "exams", "practice"
    details: list[FieldChange] = field(default_factory=list)
    nodes: list[NodeChange] = field(default_factory=list)
    title: str = ""  # the draft's
    live_title: str = ""  # what learners see now, when it is not the draft's
    first_publication: bool = False


# The course's details a revision carries and publishing applies.
_DETAILS = (
    "title",
    "summary",
    "description",
    "prerequisites",
    "level",
    "language",
    "estimated_hours",
    "delivery_modes",
)


def _detail_text(course: dict, name: str) -> str:
    value = course.get(name)
    if name == "delivery_modes":
        labels = dict(DeliveryMode.choices)
        return ", ".join(str(labels.get(mode, mode)) for mode in value or [])
    if name == "level" and value:
        return str(dict(Course.Level.choices).get(value, value))
    if name == "language" and value:
        return str(dict(Course.Language.choices).get(value, value))
    return "" if value is None else str(value)


def _empty_document() -> dict:
    """What learners see of a course never published: nothing (its review shows it all as added)."""
    return {"course": {"modules": [], "final_quiz": None}}


def _changes(old: dict[str, str], new: dict[str, str]) -> list[FieldChange]:
    return [
        FieldChange(label, text_diff(old.get(label, ""), text))
        for label, text in new.items()
        if old.get(label, "") != text
    ]


def _details_changes(before: dict, after: dict) -> list[FieldChange]:
    def texts(course: dict) -> dict[str, str]:
        return {
            str(
                _("Delivery modes") if name == "delivery_modes" else Course._meta.get_field(name).verbose_name
            ): _detail_text(course, name)
            for name in _DETAILS
        }

    return _changes(texts(before["course"]), texts(after["course"]))


def _node_settings(found: Found) -> dict[str, str]:
    """What publishing applies of a module or quiz besides its title (with publishing's defaults)."""
    node = found.node
    if found.kind == "module":
        return {str(Module._meta.get_field("summary").verbose_name): node.get("summary") or ""}
    label = {name: str(Quiz._meta.get_field(name).verbose_name) for name in QUIZ_DEFAULTS}
    attempts = node.get("max_attempts", QUIZ_DEFAULTS["max_attempts"])
    shown = node.get("show_answers", QUIZ_DEFAULTS["show_answers"])
    return {
        label["pass_mark"]: str(node.get("pass_mark", QUIZ_DEFAULTS["pass_mark"])),
        label["max_attempts"]: _("Unlimited") if attempts is None else str(attempts),
        label["shuffle"]: _("Yes") if node.get("shuffle", QUIZ_DEFAULTS["shuffle"]) else _("No"),
        label["show_answers"]: str(dict(Quiz.ShowAnswers.choices).get(shown, shown)),
    }


def _node_label(found: Found) -> str:
    if found.kind == "module":
        return _("Module")
    return _("Quiz") if found.parent else _("Final quiz")


def _node_changes(before: dict, after: dict) -> list[NodeChange]:
    """Modules and quizzes added, removed, renamed or with other settings, matched by key (their
    lessons and questions are compared on their own)."""

    def nodes(document: dict) -> dict[str, Found]:
        return {f.node["key"]: f for f in iter_nodes(document) if f.kind in ("module", "quiz")}

    old, new = nodes(before), nodes(after)
    changes = []
    for key, found in new.items():
        title, previous = found.node["title"], old.get(key)
        if previous is None:
            changes.append(
                NodeChange(
                    key,
                    _node_label(found),
                    "added",
                    text_diff("", title),
                    _changes({}, _node_settings(found)),
                )
            )
            continue
        fields = _changes(_node_settings(previous), _node_settings(found))
        if previous.node["title"] != title or fields:
            title_diff = (
                text_diff(previous.node["title"], title) if previous.node["title"] != title else escape(title)
            )
            changes.append(NodeChange(key, _node_label(found), "changed", title_diff, fields))
    changes.extend(
        NodeChange(key, _node_label(found), "removed", text_diff(found.node["title"], ""))
        for key, found in old.items()
        if key not in new
    )
    return changes


def revision_diff(*, revision: CourseRevision) -> RevisionDiff:
    """The revision against the live course, lesson by lesson, with the course's details and the
    modules' and quizzes' titles. A course never published is all new to learners: its review
    compares with nothing, so every lesson and question shows as added, with its text."""
    course = revision.course
    first = revision.status != RevStatus.PUBLISHED and (
        course.published_at is None and course.status not in LIVE_STATUSES
    )
    after = revision.document
    if first:
        before = _empty_document()
    elif revision.status != RevStatus.PUBLISHED:
        before = live_document(course=course)
    else:
        before = revision.document
    old = {node["key"]: node for node in document_lessons(before)}
    new_lessons = document_lessons(after)
    changes = []
    for node in new_lessons:
        previous = old.get(node["key"])
        if previous is None:
            changes.append(
                LessonChange(node["key"], node["title"], "added", body_diff=text_diff("", node["body"]))
            )
            continue
        other = [
            str(Lesson._meta.get_field(name).verbose_name)
            for name in ("video_url", "video_file", "duration_minutes", "is_required", "kind")
            if (previous.get(name) or "") != (node.get(name) or "")
        ]
        if [(a["title"], a["file"]) for a in previous.get("attachments", [])] != [
            (a["title"], a["file"]) for a in node.get("attachments", [])
        ]:
            other.append(str(LessonAttachment._meta.verbose_name_plural))
        changed = previous["title"] != node["title"] or previous["body"] != node["body"] or other
        changes.append(
            LessonChange(
                node["key"],
                node["title"],
                "changed" if changed else "unchanged",
                title_diff=text_diff(previous["title"], node["title"])
                if previous["title"] != node["title"]
                else "",
                body_diff=text_diff(previous["body"], node["body"])
                if previous["body"] != node["body"]
                else "",
                other=other,
            )
        )
    kept = {node["key"] for node in new_lessons}
    changes.extend(
        LessonChange(key, node["title"], "removed") for key, node in old.items() if key not in kept
    )

    def questions(document):
        return {f.node["key"]: f.node for f in iter_nodes(document) if f.kind == "question"}

    q_old, q_new = questions(before), questions(after)
    return RevisionDiff(
        lessons=changes,
        questions_added=[q["text"] for k, q in q_new.items() if k not in q_old],
        questions_removed=[q["text"] for k, q in q_old.items() if k not in q_new],
        questions_changed=[
            _question_change(q_old[k], q) for k, q in q_new.items() if k in q_old and q_old[k] != q
        ],
        outline_changed=[n.node["key"] for n in iter_nodes(before)]
        != [n.node["key"] for n in iter_nodes(after)],
        activities_changed=[]
        if revision.status == RevStatus.PUBLISHED or first
        else _activity_order_changes(course=revision.course, document=after),
        details=_details_changes({"course": {}} if first else before, after),
        nodes=_node_changes(before, after),
        title=after["course"]["title"],
        live_title=""
        if first or before["course"]["title"] == after["course"]["title"]
        else before["course"]["title"],
        first_publication=first,
    )


def course_changelog(*, course: Course, limit: int = 3) -> QuerySet[CourseRevision]:
    """The latest published changelogs learners can read on the course page."""
    return (
        CourseRevision.objects.filter(course=course, status=RevStatus.PUBLISHED)
        .exclude(changelog="")
        .order_by("-published_at")
        .only("number", "changelog", "published_at")[:limit]
    )


# --- Personal data (PIPL) ---------------------------------------------------------------


def user_authoring_data(user: User) -> dict[str, Any]:
    """What ``user`` wrote or did in the studio, for their data export."""
    revisions = CourseRevision.objects.filter(
        Q(created_by=user) | Q(submitted_by=user) | Q(published_by=user)
    ).select_related("course")
    return {
        "track_roles": [
            {"track": name, "role": role}
            for name, role in TrackRole.objects.filter(user=user).values_list("track__name", "role")
        ],
        "revisions": [
            {
                "course": revision.course.title,
                "number": revision.number,
                "created": revision.created_by_id == user.pk,
                "submitted": revision.submitted_by_id == user.pk,
                "published": revision.published_by_id == user.pk,
                "changelog": revision.changelog if revision.published_by_id == user.pk else "",
            }
            for revision in revisions.order_by("pk")
        ],
        "review_comments": [
            {"course": title, "revision": number, "text": text, "at": at.isoformat()}
            for title, number, text, at in RevisionComment.objects.filter(author=user)
            .order_by("pk")
            .values_list("revision__course__title", "revision__number", "text", "created_at")
        ],
        "studio_actions": [
            {"course": title, "action": action, "at": at.isoformat()}
            for title, action, at in StudioAuditEntry.objects.filter(user=user)
            .order_by("pk")
            .values_list("course__title", "action", "at")
        ],
    }


def user_authoring_data_erase(*, user: User) -> None:
    """Deleting an account: the person's studio roles go and their name leaves every revision,
    comment and audit entry (the curriculum and the comments' text are the programme's)."""
    TrackRole.objects.filter(user=user).delete()
    CourseRevision.objects.filter(created_by=user).update(created_by=None)
    CourseRevision.objects.filter(submitted_by=user).update(submitted_by=None)
    CourseRevision.objects.filter(published_by=user).update(published_by=None)
    RevisionComment.objects.filter(author=user).update(author=None)
    StudioAuditEntry.objects.filter(user=user).update(user=None)
