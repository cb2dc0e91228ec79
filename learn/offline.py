"""Studying offline: what a phone keeps of a course, and the study done without a connection.

A learner saves a course on their phone (static/js/offline.js): its lesson and quiz pages, the
pictures in its lessons and the portal's own static files go into the browser's cache, which
the service worker (templates/learn/sw.js) answers from when the network is gone. "Mark done"
pressed offline is queued on the phone with a key made there, and sent when the connection
returns; offline_lesson_complete records it exactly once per key. A quiz answered offline is
sent with a fresh page token of the phone's making: quiz_submit already makes one attempt per
token, so a replay returns the attempt made the first time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from courses.models import Lesson, Quiz
from enrollment import services
from enrollment.models import Enrollment, OfflineAction

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Pictures in a lesson's body that belong to the portal (uploads, static files): the ones a
# phone may cache. Links to other sites are left out: the CSP would refuse them anyway.
_IMAGE_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["'](/(?!/)[^"'\s>]+)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class CourseBundle:
    """What a phone keeps of one course: its lessons and quizzes, with the pictures and
    attachments the lessons show."""

    lesson_ids: list[int]
    quiz_ids: list[int]
    files: list[str]


def course_bundle(*, enrollment: Enrollment) -> CourseBundle:
    """The lessons and quizzes of the enrolment's course in course order, and the paths of
    the pictures in their bodies (2 queries). Videos are left out: too big for cheap phones."""
    lessons = (
        Lesson.objects.filter(module__course_id=enrollment.course_id)
        .order_by("module__order", "order")
        .values_list("pk", "body_html")
    )
    lesson_ids, files = [], []
    for pk, body_html in lessons:
        lesson_ids.append(pk)
        for src in _IMAGE_SRC.findall(body_html or ""):
            if src not in files:
                files.append(src)
    quiz_ids = list(
        Quiz.objects.filter(course_id=enrollment.course_id)
        .order_by("module__order", "pk")
        .values_list("pk", flat=True)
    )
    return CourseBundle(lesson_ids=lesson_ids, quiz_ids=quiz_ids, files=files)


@transaction.atomic
def offline_lesson_complete(*, enrollment: Enrollment, lesson: Lesson, key: str) -> bool:
    """Record a lesson marked done offline, sent with the phone's ``key``: once per key.

    Returns True when this call completed the lesson, False when the key was already received
    (a replay: nothing is written, not even the activity time or the resume point). The key
    row and the progress are written in one transaction: a failed completion (enrolment closed)
    leaves no key behind, so the phone may send it again. Raises EnrollmentError like
    enrollment.services.lesson_complete."""
    try:
        with transaction.atomic():
            OfflineAction.objects.create(
                learner_id=enrollment.learner_id, key=key, enrollment=enrollment, lesson=lesson
            )
    except IntegrityError:
        return False
    services.lesson_complete(enrollment=enrollment, lesson=lesson)
    return True
