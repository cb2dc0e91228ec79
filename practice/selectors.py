"""Reads of the practice lab: what a learner may open, their results, a cohort's results and the
marking queue. Every query here is scoped: a foreign object is not found (the views answer 404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from counties.models import Cohort
from enrollment.models import Enrollment

from . import viewers
from .models import Assignment, Item, ItemSet, Run, Submission, SubmissionImage


def learner_item_set(*, user, pk: int) -> tuple[ItemSet, Enrollment] | None:
    """A published item set of a course the learner is enrolled in, with the enrolment."""
    item_set = ItemSet.objects.published().select_related("course", "lesson").filter(pk=pk).first()
    if item_set is None:
        return None
    enrollment = (
        Enrollment.objects.for_learner(user)
        .filter(course_id=item_set.course_id)
        .select_related("course")
        .first()
    )
    return (item_set, enrollment) if enrollment is not None else None


def learner_run(*, user, pk: int) -> Run | None:
    return (
        Run.objects.filter(pk=pk, enrollment__learner=user)
        .select_related("item_set__course", "enrollment")
        .first()
    )


def learner_assignment(*, user, pk: int) -> tuple[Assignment, Enrollment] | None:
    assignment = Assignment.objects.filter(pk=pk, published=True).select_related("course", "lesson").first()
    if assignment is None:
        return None
    enrollment = Enrollment.objects.for_learner(user).filter(course_id=assignment.course_id).first()
    return (assignment, enrollment) if enrollment is not None else None


def lesson_practice(*, lesson_id: int, enrollment: Enrollment) -> dict:
    """The published exercises and assignments of a practice lesson with the learner's best
    score and their submission's status (2 queries)."""
    # Subqueries, not joins: a set's runs of every learner are never read.
    best = (
        Run.objects.filter(item_set=OuterRef("pk"), enrollment=enrollment, score__isnull=False)
        .order_by("-score")
        .values("score")[:1]
    )
    count = Item.objects.filter(item_set=OuterRef("pk")).order_by().values("item_set").annotate(n=Count("pk"))
    sets = list(
        ItemSet.objects.published()
        .filter(lesson_id=lesson_id)
        .annotate(best=Subquery(best), item_count=Coalesce(Subquery(count.values("n")), 0))
        .order_by("position", "title", "pk")
    )
    status = Submission.objects.filter(assignment=OuterRef("pk"), enrollment=enrollment).values("status")[:1]
    assignments = list(
        Assignment.objects.filter(lesson_id=lesson_id, published=True)
        .annotate(status=Subquery(status))
        .order_by("position", "title", "pk")
    )
    # Item sets and assignments share one sequence in the lesson (the studio outline's order).
    for item_set in sets:
        item_set.practice_kind = "item_set"
    for assignment in assignments:
        assignment.practice_kind = "assignment"
    items = sorted([*sets, *assignments], key=lambda item: item.position)
    return {"item_sets": sets, "assignments": assignments, "items": items}


def best_runs(*, enrollment_ids: list[int]) -> list[Run]:
    """The run of each item set that stands for each enrolment, with ``run.tries`` (how many
    graded runs it has): on a job set the first one handed in (there is one; a later one would
    have seen the gold), on a practice set the best (ties: the latest). A run with nothing
    graded (score None) stands for nothing."""
    runs = (
        Run.objects.filter(enrollment_id__in=enrollment_ids, submitted_at__isnull=False, score__isnull=False)
        .select_related("item_set")
        .only(
            "enrollment_id",
            "score",
            "items_per_minute",
            "passed",
            "submitted_at",
            "item_set__title",
            "item_set__task",
            "item_set__mode",
            "item_set__min_score",
        )
        .order_by("enrollment_id", "item_set_id", "submitted_at", "pk")
    )
    best: dict[tuple[int, int], Run] = {}
    tries: dict[tuple[int, int], int] = {}
    for run in runs:
        key = (run.enrollment_id, run.item_set_id)
        tries[key] = tries.get(key, 0) + 1
        kept = best.get(key)
        if kept is None or (run.item_set.mode != ItemSet.Mode.JOB and run.score >= kept.score):
            best[key] = run
    for key, run in best.items():
        run.tries = tries[key]
    return list(best.values())


def result_line(run: Run) -> str:
    """A run as the evidence line an employer reads: “图像分类 准确率 96 %，每分钟 14 条”."""
    task = run.item_set.get_task_display()
    measure = _("accuracy") if run.item_set.task in ("image_class", "text_class") else _("F1")
    line = _("%(task)s %(measure)s %(score)d %%, %(speed)s per minute") % {
        "task": task,
        "measure": measure,
        "score": run.score or 0,
        "speed": f"{run.items_per_minute or 0:g}",
    }
    if run.item_set.mode == ItemSet.Mode.JOB:
        line = _("%(line)s (job quality, on hidden gold items)") % {"line": line}
    elif getattr(run, "tries", 1) > 1:
        line = ngettext(
            "%(line)s (best of %(count)d try)", "%(line)s (best of %(count)d tries)", run.tries
        ) % {
            "line": line,
            "count": run.tries,
        }
    return line


def learner_results(*, user) -> list[tuple[Enrollment, Run]]:
    """The learner's best run per item set, across their enrolments, each with its evidence line
    as ``run.line`` (2 queries): what ``practice/_results.html`` shows on a profile."""
    enrollments = {
        e.pk: e for e in Enrollment.objects.for_learner(user).select_related("course").only("course__title")
    }
    runs = best_runs(enrollment_ids=list(enrollments))
    for run in runs:
        run.line = result_line(run)
    return [(enrollments[run.enrollment_id], run) for run in runs]


def enrollment_results(*, enrollment_id: int) -> list[str]:
    """The evidence lines of an enrolment's best runs (1 query), for its certificate's
    verification page."""
    return [result_line(run) for run in best_runs(enrollment_ids=[enrollment_id])]


# --- coordinators --------------------------------------------------------------------------------


@dataclass
class LearnerRow:
    enrollment: Enrollment
    runs: dict[int, Run]

    def run_for(self, item_set_id: int) -> Run | None:
        return self.runs.get(item_set_id)


def cohort_results(
    *, cohort: Cohort, enrollments: list[Enrollment]
) -> tuple[list[ItemSet], list[LearnerRow]]:
    """The course's published item sets and, for each learner of the page, their best run on
    each (2 queries whatever the number of learners)."""
    item_sets = list(
        ItemSet.objects.published().filter(course_id=cohort.course_id).order_by("position", "title", "pk")
    )
    by_enrollment: dict[int, dict[int, Run]] = {}
    for run in best_runs(enrollment_ids=[e.pk for e in enrollments]):
        by_enrollment.setdefault(run.enrollment_id, {})[run.item_set_id] = run
    rows = [LearnerRow(enrollment=e, runs=by_enrollment.get(e.pk, {})) for e in enrollments]
    return item_sets, rows


def cohort_enrollments(cohort: Cohort) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(cohort=cohort, status__in=Enrollment.HOLDING_A_PLACE)
        .select_related("learner")
        .only("learner__name", "learner__email", "learner__mobile", "status", "cohort_id")
        .order_by("learner__name", "pk")
    )


def marking_queue(cohort: Cohort) -> QuerySet[Submission]:
    """The cohort's submissions, those waiting first."""
    return (
        Submission.objects.filter(enrollment__cohort=cohort)
        .select_related("assignment", "enrollment__learner")
        .only(
            "status",
            "attempt",
            "submitted_at",
            "assignment__title",
            "enrollment__learner__name",
            "enrollment__learner__email",
            "enrollment__learner__mobile",
        )
        .order_by("-status", "submitted_at", "pk")
    )


def cohort_submission(*, cohort: Cohort, pk: int) -> Submission | None:
    return (
        Submission.objects.filter(enrollment__cohort=cohort, pk=pk)
        .select_related("assignment", "enrollment__learner")
        .first()
    )


def submission_image(*, user, pk: int) -> SubmissionImage | None:
    """A photo of handed-in work, for the learner who took it, a coordinator of the
    submission's cohort (the marking pages' scope), staff, or someone an app above lets see
    the submission (``practice.viewers``: a competition's judge); None for anyone else. One
    query."""
    if not user.is_authenticated:
        return None
    rows = SubmissionImage.objects.filter(pk=pk).only("image")
    if user.is_staff:
        return rows.first()
    allowed = Q(submission__enrollment__learner=user) | Q(
        submission__enrollment__cohort__in=Cohort.objects.visible_to(user)
    )
    for ids in viewers.submission_ids(user):
        allowed |= Q(submission_id__in=ids)
    return rows.filter(allowed).first()


def lesson_has_exercises(*, lesson_id: int) -> bool:
    """Whether a lesson is completed by passing exercises rather than by the learner's click."""
    return ItemSet.objects.published().filter(lesson_id=lesson_id).exists()


def learner_data_export(*, user) -> dict:
    """What the practice lab holds about ``user`` for the privacy export (4 queries): their runs
    with scores and answers, their assignment submissions with the markings."""
    runs = (
        Run.objects.filter(enrollment__learner=user)
        .select_related("item_set__course")
        .prefetch_related("answers")
        .order_by("started_at", "pk")
    )
    submissions = (
        Submission.objects.filter(enrollment__learner=user)
        .select_related("assignment__course")
        .prefetch_related("images", "marks")
        .order_by("submitted_at", "pk")
    )

    def iso(value):
        return value.isoformat() if value is not None else None

    return {
        "practice_runs": [
            {
                "course": run.item_set.course.title,
                "item_set": run.item_set.title,
                "started_at": iso(run.started_at),
                "submitted_at": iso(run.submitted_at),
                "score": run.score,
                "items_per_minute": run.items_per_minute,
                "passed": run.passed,
                "answers": [
                    {"item_id": answer.item_id, "answer": answer.value} for answer in run.answers.all()
                ],
            }
            for run in runs
        ],
        "assignment_submissions": [
            {
                "course": submission.assignment.course.title,
                "assignment": submission.assignment.title,
                "text": submission.text,
                "images": [row.image.name for row in submission.images.all()],
                "status": submission.status,
                "attempt": submission.attempt,
                "submitted_at": iso(submission.submitted_at),
                "marks": [
                    {
                        "attempt": mark.attempt,
                        "levels": mark.levels,
                        "points": mark.points,
                        "feedback": mark.feedback,
                        "accepted": mark.accepted,
                        "marked_at": iso(mark.marked_at),
                    }
                    for mark in submission.marks.all()
                ],
            }
            for submission in submissions
        ],
    }
