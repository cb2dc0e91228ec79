"""Writes to the curriculum: the publishing workflow, lessons and ordered children.

The admin, the management commands and the views all change courses through these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Course, CourseStatusChange, Lesson, Module, Question
from .rendering import render_markdown
from .signals import curriculum_changed

Status = Course.Status

EDIT_PERMISSION = "courses.change_course"
PUBLISH_PERMISSION = "courses.publish_course"

# The workflow: (from, to) → the permission the acting user needs.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.IN_REVIEW): EDIT_PERMISSION,
    (Status.IN_REVIEW, Status.DRAFT): PUBLISH_PERMISSION,  # sent back to the author with a comment
    (Status.IN_REVIEW, Status.PUBLISHED): PUBLISH_PERMISSION,
    (Status.PUBLISHED, Status.ARCHIVED): PUBLISH_PERMISSION,
    (Status.ARCHIVED, Status.PUBLISHED): PUBLISH_PERMISSION,
}


# Learners read a published course, and may still be finishing an archived one.
LIVE_STATUSES = (Status.PUBLISHED, Status.ARCHIVED)


def course_content_editable(*, course: Course, user: User) -> bool:
    """Whether ``user`` may change ``course``'s content (its fields, modules, lessons,
    attachments, quizzes, questions, choices): while it is a draft or in review, anyone who
    edits courses; once learners read it (published, archived), only a publisher, so that no
    change reaches learners without a publisher's approval."""
    return course.status not in LIVE_STATUSES or user.has_perm(PUBLISH_PERMISSION)


def course_publish_problems(*, course: Course) -> list[str]:
    """What keeps ``course`` from being published (empty when it is ready)."""
    problems = []
    if not Lesson.objects.filter(module__course=course).exists():
        problems.append(_("The course has no lesson."))
    questions = Question.objects.filter(quiz__course=course).annotate(
        correct=Count("choices", filter=Q(choices__is_correct=True)), total=Count("choices")
    )
    for question in questions.filter(
        Q(correct=0) | Q(total__lt=2) | Q(kind=Question.Kind.SINGLE, correct__gt=1)
    ):
        problems.append(
            _(
                "Question “%(question)s” needs at least two choices and a correct one "
                "(exactly one if single choice)."
            )
            % {"question": question}
        )
    empty_quizzes = course.quizzes.annotate(n=Count("questions")).filter(n=0)
    for quiz in empty_quizzes:
        problems.append(_("Quiz “%(quiz)s” has no question.") % {"quiz": quiz})
    return problems


@transaction.atomic
def course_status_change(
    *, course: Course, to_status: str, by: User | None, comment: str = ""
) -> CourseStatusChange:
    """Move ``course`` to ``to_status`` along the workflow and record who did it.

    Locks the course row, so two reviewers cannot both act on the same status. ``by`` needs
    the transition's permission (see TRANSITIONS); ``by=None`` is an operator's management
    command and is not checked. Raises PermissionDenied or ValidationError and changes
    nothing when the move is not allowed. Updates ``course`` in place.
    """
    locked = Course.objects.select_for_update().get(pk=course.pk)
    from_status = locked.status
    permission = TRANSITIONS.get((from_status, to_status))
    if permission is None:
        raise ValidationError(
            _("A course cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to_status).label}
        )
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))
    comment = comment.strip()
    if (from_status, to_status) == (Status.IN_REVIEW, Status.DRAFT) and not comment:
        raise ValidationError(_("Say what needs to change when you send a course back to its author."))
    if to_status == Status.PUBLISHED:
        problems = course_publish_problems(course=locked)
        if problems:
            raise ValidationError(problems)

    now = timezone.now()
    locked.status = to_status
    update_fields = ["status", "updated_at"]
    if to_status == Status.PUBLISHED and locked.published_at is None:
        locked.published_at = now
        update_fields.append("published_at")
    locked.save(update_fields=update_fields)
    course.status, course.published_at, course.updated_at = (
        locked.status,
        locked.published_at,
        locked.updated_at,
    )
    return CourseStatusChange.objects.create(
        course=locked, from_status=from_status, to_status=to_status, changed_by=by, comment=comment
    )


def course_submit_for_review(*, course: Course, by: User | None, comment: str = "") -> CourseStatusChange:
    return course_status_change(course=course, to_status=Status.IN_REVIEW, by=by, comment=comment)


def course_return_to_draft(*, course: Course, by: User | None, comment: str) -> CourseStatusChange:
    return course_status_change(course=course, to_status=Status.DRAFT, by=by, comment=comment)


def course_publish(*, course: Course, by: User | None, comment: str = "") -> CourseStatusChange:
    return course_status_change(course=course, to_status=Status.PUBLISHED, by=by, comment=comment)


def course_archive(*, course: Course, by: User | None, comment: str = "") -> CourseStatusChange:
    return course_status_change(course=course, to_status=Status.ARCHIVED, by=by, comment=comment)


def course_lessons_changed(*, course_ids: Iterable[int]) -> None:
    """Announce that these courses' required lessons may have changed (curriculum_changed):
    the enrollment app refreshes its learners' progress after the transaction commits."""
    for course_id in sorted(set(course_ids)):
        curriculum_changed.send(sender=Course, course_id=course_id)


def curriculum_course_ids(objects: Iterable[models.Model]) -> set[int]:
    """The courses of deleted lessons and modules (other children do not change progress)."""
    ids = set()
    for obj in objects:
        if isinstance(obj, Lesson):
            ids.add(obj.module.course_id)
        elif isinstance(obj, Module):
            ids.add(obj.course_id)
    return ids


def lesson_save(*, lesson: Lesson) -> Lesson:
    """Save ``lesson`` with its body rendered to sanitised HTML (the cache pages read).

    A new lesson, or one whose "required" flag or course changed, sends curriculum_changed.
    """
    before = None
    if lesson.pk is not None:
        before = Lesson.objects.filter(pk=lesson.pk).values_list("is_required", "module__course_id").first()
    lesson.body_html = render_markdown(lesson.body)
    lesson.save()
    course_id = lesson.module.course_id
    if before != (lesson.is_required, course_id):
        course_lessons_changed(course_ids={course_id, before[1] if before else course_id})
    return lesson


@transaction.atomic
def ordered_children_save(
    *,
    objects: Sequence[models.Model],
    deleted: Iterable[models.Model] = (),
    save: Callable[[models.Model], object] | None = None,
) -> None:
    """Save siblings (modules, lessons, questions, choices) whose ``order`` numbers may have
    been swapped, in one transaction.

    The unique (parent, order) constraints are checked row by row, so existing rows that move
    are first parked above every order number in use, then saved at their new place. Primary
    keys never change: learners' progress keeps pointing at the same lessons.
    """
    deleted = list(deleted)
    changed_courses = curriculum_course_ids(deleted)
    for obj in deleted:
        obj.delete()
    moving = [obj for obj in objects if obj.pk is not None]
    if moving:
        model = type(moving[0])
        top = model.objects.aggregate(top=Max("order"))["top"] or 0
        for offset, obj in enumerate(moving, start=1):
            model.objects.filter(pk=obj.pk).update(order=top + offset)
    for obj in objects:
        if save is not None:
            save(obj)
        else:
            obj.save()
    course_lessons_changed(course_ids=changed_courses)
