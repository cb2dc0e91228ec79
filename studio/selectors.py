"""Reads for the studio's pages: a lesson's page weight and its images without alt text; the
exams and practice items of a course for its outline."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

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
# practice studio) and their order there is by title: the outline lists them read only, under
# the lesson they complete or with the course, each with its state and where it is edited.


@dataclass(frozen=True)
class Activity:
    kind: str  # exam | item_set | assignment
    kind_label: str
    title: str
    published: bool
    state: str
    edit_url: str
    lesson_id: int | None


@dataclass
class CourseActivities:
    by_lesson: dict[int, list[Activity]]
    course: list[Activity]  # practice items on no lesson (or on a lesson the course lost)
    exams: list[Activity]

    def for_lesson(self, lesson_id: int | None) -> list[Activity]:
        return self.by_lesson.get(lesson_id, []) if lesson_id else []


def course_activities(*, course: Course, lesson_ids: set[int]) -> CourseActivities:
    """The course's exams, item sets and assignments in outline order (three queries)."""
    published, draft = _("Published"), _("Draft")
    exams = [
        Activity(
            "exam",
            _("Final exam") if exam.is_final else _("Exam"),
            exam.title,
            exam.status == Exam.Status.PUBLISHED,
            exam.get_status_display(),
            reverse("admin:exams_exam_change", args=[exam.pk]),
            None,
        )
        for exam in Exam.objects.filter(course=course)
        .only("title", "status", "is_final")
        .order_by("-is_final", "title", "pk")
    ]
    practice = [
        Activity(
            "item_set",
            _("Labelling exercise"),
            item_set.title,
            item_set.published,
            published if item_set.published else draft,
            reverse("practice:studio_set", args=[item_set.pk]),
            item_set.lesson_id,
        )
        for item_set in ItemSet.objects.filter(course=course).only("title", "published", "lesson_id")
    ] + [
        Activity(
            "assignment",
            _("Assignment"),
            assignment.title,
            assignment.published,
            published if assignment.published else draft,
            reverse("practice:studio_assignment", args=[assignment.pk]),
            assignment.lesson_id,
        )
        for assignment in Assignment.objects.filter(course=course).only("title", "published", "lesson_id")
    ]
    by_lesson: dict[int, list[Activity]] = {}
    unattached = []
    for activity in practice:
        if activity.lesson_id in lesson_ids:
            by_lesson.setdefault(activity.lesson_id, []).append(activity)
        else:
            unattached.append(activity)
    return CourseActivities(by_lesson=by_lesson, course=unattached, exams=exams)
