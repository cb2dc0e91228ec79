"""Reads for the studio's pages: a lesson's page weight and its images without alt text; the
exams and practice items of a course for its outline."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

from courses import revisions
from courses.models import Course
from exams.models import Exam
from practice.models import Assignment, ItemSet

# Heavy for 2G/3G: above 300 KB a lesson takes more than 15 s on EDGE (about 20 KB/s) and
# about 6 s on a weak 3G link (about 50 KB/s). The page is its text and pictures: an uploaded
# video (played on demand, preload none) and attachments (downloaded on demand) are shown
# beside it, the video with "download on Wi-Fi" when it alone is heavy.
HEAVY_BYTES = 300 * 1024


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append({name: value or "" for name, value in attrs})


@dataclass
class PageWeight:
    text: int
    images: int
    video: int
    image_count: int
    unknown_images: int
    missing_alt: list[str] = field(default_factory=list)
    attachments: int = 0
    attachment_count: int = 0

    @property
    def total(self) -> int:
        """What opening the lesson downloads: its text and pictures."""
        return self.text + self.images

    @property
    def is_heavy(self) -> bool:
        return self.total > HEAVY_BYTES

    @property
    def video_is_heavy(self) -> bool:
        return self.video > HEAVY_BYTES


def _stored_size(src: str) -> int | None:
    """The size of a picture in our storage, None for one elsewhere (not counted)."""
    if not src.startswith(settings.MEDIA_URL):
        return None
    name = src[len(settings.MEDIA_URL) :]
    try:
        return default_storage.size(name)
    except (OSError, NotImplementedError, ValueError):
        return None


def lesson_weight(
    *, body_html: str, video_size: int = 0, attachment_sizes: list[int] | None = None
) -> PageWeight:
    """What a learner downloads for a lesson: its HTML and its pictures; beside them, on demand,
    an uploaded video and the attachments."""
    parser = _Images()
    parser.feed(body_html)
    images = unknown = 0
    missing = []
    for image in parser.images:
        size = _stored_size(image.get("src", ""))
        if size is None:
            unknown += 1
        else:
            images += size
        if not image.get("alt", "").strip():
            missing.append(image.get("src", ""))
    return PageWeight(
        text=len(body_html.encode()),
        images=images,
        video=video_size,
        image_count=len(parser.images),
        unknown_images=unknown,
        missing_alt=missing,
        attachments=sum(attachment_sizes or []),
        attachment_count=len(attachment_sizes or []),
    )


# --- Exams and practice items in the outline --------------------------------------------------
# They are authored in their own apps (exams in the admin, item sets and assignments in the
# practice studio) and published there; their order is the outline's: it goes through the
# revision like the lessons' (courses.revisions "The order of exams and practice items"), and
# publishing gives the rows their ``position``. Exams are ordered within the course; practice
# items (item sets and assignments in one sequence) within their lesson, or with the course
# when they are on no lesson of it.

EXAMS, PRACTICE = "exams", "practice"


def _rows(course: Course) -> tuple[list[Exam], list[ItemSet | Assignment]]:
    """The course's exams and practice items in their live order (three queries). Ties of
    position (never ordered) keep the former order: the final exam first, then by title;
    exercises before assignments."""
    exams = list(
        Exam.objects.filter(course=course)
        .only("title", "status", "is_final", "position")
        .order_by("position", "-is_final", "title", "pk")
    )
    item_sets = ItemSet.objects.filter(course=course).only("title", "published", "lesson_id", "position")
    assignments = Assignment.objects.filter(course=course).only("title", "published", "lesson_id", "position")
    practice = sorted(
        [*item_sets.order_by("position", "title", "pk"), *assignments.order_by("position", "title", "pk")],
        key=lambda row: row.position,  # stable: exercises before assignments on a tie
    )
    return exams, practice


def _key(row: Exam | ItemSet | Assignment) -> str:
    """The row's name in a revision's ``activity_order`` (and its outline anchor)."""
    if isinstance(row, Exam):
        return f"exam-{row.pk}"
    return f"itemset-{row.pk}" if isinstance(row, ItemSet) else f"assignment-{row.pk}"


def _order(exams: list[Exam], practice: list) -> dict[str, list[str]]:
    return {EXAMS: [_key(row) for row in exams], PRACTICE: [_key(row) for row in practice]}


def live_activity_order(course: Course) -> dict[str, list[str]]:
    """The live order of the course's exams and practice items (registered in courses.revisions)."""
    return _order(*_rows(course))


@dataclass(frozen=True)
class Activity:
    key: str
    kind: str  # exam | item_set | assignment
    kind_label: str
    title: str
    published: bool
    state: str
    edit_url: str
    lesson_id: int | None


@dataclass
class ActivityGroup:
    """Exams, or the practice items of one lesson (or of the course): what moves together."""

    key: str  # the reorder form's name: "exams", "course", "lesson-<id>"
    kind: str  # exams | practice
    items: list[Activity]

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def keys(self) -> list[str]:
        return [item.key for item in self.items]


@dataclass
class CourseActivities:
    by_lesson: dict[int, ActivityGroup]
    course: ActivityGroup  # practice items on no lesson (or on a lesson the course lost)
    exams: ActivityGroup

    def for_lesson(self, lesson_id: int | None) -> ActivityGroup | None:
        return self.by_lesson.get(lesson_id) if lesson_id else None

    def groups(self) -> list[ActivityGroup]:
        return [self.exams, self.course, *self.by_lesson.values()]

    def group_of(self, key: str) -> ActivityGroup | None:
        return next((group for group in self.groups() if key in group.keys), None)


def _activity(row) -> Activity:
    published, draft = _("Published"), _("Draft")
    if isinstance(row, Exam):
        return Activity(
            _key(row),
            "exam",
            _("Final exam") if row.is_final else _("Exam"),
            row.title,
            row.status == Exam.Status.PUBLISHED,
            row.get_status_display(),
            reverse("admin:exams_exam_change", args=[row.pk]),
            None,
        )
    if isinstance(row, ItemSet):
        kind, label, url = "item_set", _("Labelling exercise"), reverse("practice:studio_set", args=[row.pk])
    else:
        kind, label, url = "assignment", _("Assignment"), reverse("practice:studio_assignment", args=[row.pk])
    return Activity(
        _key(row),
        kind,
        label,
        row.title,
        row.published,
        published if row.published else draft,
        url,
        row.lesson_id,
    )


def course_activities(*, course: Course, document: dict | None, lesson_ids: set[int]) -> CourseActivities:
    """The course's exams, item sets and assignments in the order ``document`` (the open
    revision's; None: the live course) gives them, grouped as they move (three queries)."""
    exams, practice = _rows(course)
    order = revisions.activity_order(course=course, document=document, live=_order(exams, practice))
    by_key = {activity.key: activity for activity in map(_activity, [*exams, *practice])}
    by_lesson: dict[int, ActivityGroup] = {}
    unattached = ActivityGroup("course", PRACTICE, [])
    for key in order[PRACTICE]:
        activity = by_key[key]
        if activity.lesson_id in lesson_ids:
            group = by_lesson.setdefault(
                activity.lesson_id, ActivityGroup(f"lesson-{activity.lesson_id}", PRACTICE, [])
            )
        else:
            group = unattached
        group.items.append(activity)
    return CourseActivities(
        by_lesson=by_lesson,
        course=unattached,
        exams=ActivityGroup(EXAMS, EXAMS, [by_key[key] for key in order[EXAMS]]),
    )
