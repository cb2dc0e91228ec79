"""Writes to enrolments: enrol, join a cohort, approve, withdraw, study, complete.

Every function runs in one transaction and is safe to call twice: a double click, a second
tab or a repeated task finds the work done and returns it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import Cohort, County, LearnerProfile
from counties.selectors import attendance_percent
from courses.models import Course, Lesson, Quiz

from .models import Enrollment, LessonProgress, QuizAttempt
from .signals import enrollment_completed

Status = Enrollment.Status


class EnrollmentError(Exception):
    """A request the rules refuse; ``message`` is translated and meant for the learner."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _learner_county(learner: User) -> County | None:
    profile = LearnerProfile.objects.filter(user=learner).select_related("county").first()
    return profile.county if profile else None


def _get_or_create_locked(*, learner: User, course: Course, defaults: dict) -> tuple[Enrollment, bool]:
    """The learner's enrolment in ``course``, locked; created with ``defaults`` if missing.

    Two requests racing to create it meet at the unique (learner, course) constraint: the loser
    rolls back its savepoint and takes the winner's row.
    """
    enrollment = Enrollment.objects.select_for_update().filter(learner=learner, course=course).first()
    if enrollment is not None:
        return enrollment, False
    try:
        with transaction.atomic():
            return Enrollment.objects.create(learner=learner, course=course, **defaults), True
    except IntegrityError:
        return Enrollment.objects.select_for_update().get(learner=learner, course=course), False


def _reopen(enrollment: Enrollment, *, status: str, cohort: Cohort | None, county: County | None) -> None:
    enrollment.status = status
    enrollment.cohort = cohort
    enrollment.county = county
    enrollment.withdrawn_at = None
    enrollment.withdrawal_reason = ""
    enrollment.save(update_fields=["status", "cohort", "county", "withdrawn_at", "withdrawal_reason"])


@transaction.atomic
def enrollment_create(*, learner: User, course: Course) -> Enrollment:
    """Enrol ``learner`` in ``course`` on their own (self-paced).

    Idempotent: an existing enrolment is returned as it is; a withdrawn one is reopened with its
    progress kept. Raises EnrollmentError when the course is closed to new enrolment.
    """
    if not Course.objects.enrollable().filter(pk=course.pk).exists():
        raise EnrollmentError(_("This course is closed to new enrolment."), code="closed")
    county = _learner_county(learner)
    enrollment, created = _get_or_create_locked(
        learner=learner, course=course, defaults={"status": Status.ACTIVE, "county": county}
    )
    if not created and enrollment.status in (Status.WITHDRAWN, Status.DECLINED):
        _reopen(enrollment, status=Status.ACTIVE, cohort=None, county=county)
    return enrollment


def normalize_join_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()


def cohort_find_by_code(code: str) -> Cohort:
    """The cohort a join code opens, or EnrollmentError saying why it cannot be joined."""
    code = normalize_join_code(code)
    cohort = (
        Cohort.objects.select_related("course", "county").filter(join_code=code).first() if code else None
    )
    if cohort is None:
        raise EnrollmentError(
            _("No class has this join code. Check the code your coordinator gave you."), code="unknown"
        )
    return cohort


@transaction.atomic
def cohort_join(*, learner: User, cohort: Cohort) -> Enrollment:
    """Put ``learner`` in ``cohort``: active at once, or waiting for approval if the cohort says so.

    Locks the cohort row, so concurrent joins are counted one after another and the capacity
    holds even for the last seat. Idempotent for a learner already in the cohort. A learner
    studying the course on their own moves into the cohort with their progress.
    """
    cohort = Cohort.objects.select_for_update().select_related("course").get(pk=cohort.pk)
    today = timezone.localdate()
    if cohort.status == Cohort.Status.PLANNED and cohort.end_date >= today:
        raise EnrollmentError(
            _("This class is not open for joining yet: try again when your coordinator says it has opened."),
            code="not_open_yet",
        )
    if cohort.status not in (Cohort.Status.OPEN, Cohort.Status.RUNNING) or cohort.end_date < today:
        raise EnrollmentError(_("This class is no longer open for joining."), code="closed")
    if not Course.objects.enrollable().filter(pk=cohort.course_id).exists():
        raise EnrollmentError(_("This course is closed to new enrolment."), code="closed")

    existing = Enrollment.objects.select_for_update().filter(learner=learner, course=cohort.course).first()
    if existing is not None and existing.status in Enrollment.HOLDING_A_PLACE:
        if existing.cohort_id == cohort.pk:
            return existing
        if existing.cohort_id is not None:
            raise EnrollmentError(
                _("You are already in another class of this course. Withdraw from it first."),
                code="other_cohort",
            )
    if cohort.enrollments.current().count() >= cohort.capacity:
        raise EnrollmentError(_("This class is full."), code="full")

    status = Status.APPLIED if cohort.requires_approval else Status.ACTIVE
    if existing is None:
        enrollment, created = _get_or_create_locked(
            learner=learner,
            course=cohort.course,
            defaults={"status": status, "cohort": cohort, "county": cohort.county},
        )
        if created:
            return enrollment
        existing = enrollment
    if existing.status == Status.COMPLETED:
        # A learner who already finished the course keeps their completion.
        status = Status.COMPLETED
    _reopen(existing, status=status, cohort=cohort, county=cohort.county)
    return existing


@transaction.atomic
def enrollment_approve(*, enrollment: Enrollment) -> Enrollment:
    """Accept a join request. Idempotent; only an ``applied`` enrolment changes."""
    Enrollment.objects.filter(pk=enrollment.pk, status=Status.APPLIED).update(status=Status.ACTIVE)
    enrollment.refresh_from_db(fields=["status"])
    return enrollment


@transaction.atomic
def enrollment_decline(*, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """Refuse a join request, freeing its place. Idempotent; only an ``applied`` one changes."""
    Enrollment.objects.filter(pk=enrollment.pk, status=Status.APPLIED).update(
        status=Status.DECLINED, withdrawn_at=timezone.now(), withdrawal_reason=reason.strip()[:300]
    )
    enrollment.refresh_from_db(fields=["status", "withdrawn_at", "withdrawal_reason"])
    return enrollment


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """Withdraw from a course (the learner, or their coordinator with a reason).

    Progress rows are kept, so re-enrolling resumes where the learner stopped. A completed
    enrolment cannot be withdrawn: its certificate stands.
    """
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.status == Status.COMPLETED:
        raise EnrollmentError(_("A completed course cannot be withdrawn from."), code="completed")
    if locked.status not in (Status.WITHDRAWN, Status.DECLINED):
        locked.status = Status.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.withdrawal_reason = reason.strip()[:300]
        locked.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
    return locked


def _steps(course_id: int) -> tuple[int, bool]:
    """How many steps a course has: its required lessons, and whether a final quiz is one."""
    required = Lesson.objects.filter(module__course_id=course_id, is_required=True).count()
    # A course that requires its final exam counts the exam instead of the final quiz.
    has_final_quiz = Quiz.objects.filter(
        course_id=course_id, module__isnull=True, course__requires_final_exam=False
    ).exists()
    return required, has_final_quiz


@dataclass(frozen=True)
class StudyProgress:
    """How far an enrolment is through its course's steps: the required lessons and, if the
    course has one, the final quiz."""

    required_lessons: int
    lessons_done: int
    has_final_quiz: bool
    final_quiz_passed: bool

    @property
    def percent(self) -> int:
        steps = self.required_lessons + int(self.has_final_quiz)
        if steps == 0:
            return 100
        done = self.lessons_done + int(self.has_final_quiz and self.final_quiz_passed)
        return min(100, done * 100 // steps)

    @property
    def is_complete(self) -> bool:
        """Every required lesson done and the final quiz (if any) passed."""
        return self.lessons_done >= self.required_lessons and (
            self.final_quiz_passed or not self.has_final_quiz
        )


def study_progress(*, enrollment: Enrollment) -> StudyProgress:
    """The enrolment's progress through its course's steps (2 queries)."""
    lessons = (
        Lesson.objects.filter(module__course_id=enrollment.course_id, is_required=True)
        .alias(mine=FilteredRelation("progress", condition=Q(progress__enrollment=enrollment)))
        .aggregate(required=Count("pk"), done=Count("mine__pk"))
    )
    final_quiz = (
        Quiz.objects.filter(
            course_id=enrollment.course_id, module__isnull=True, course__requires_final_exam=False
        )
        .alias(
            passed=FilteredRelation(
                "attempts", condition=Q(attempts__enrollment=enrollment, attempts__passed=True)
            )
        )
        .order_by()
        .values_list("passed__pk", flat=True)
    )
    # No row without a final quiz; else a row per passed attempt, or one row of None.
    final = list(final_quiz[:1])
    return StudyProgress(
        required_lessons=lessons["required"],
        lessons_done=lessons["done"],
        has_final_quiz=bool(final),
        final_quiz_passed=bool(final) and final[0] is not None,
    )


def enrollment_progress_update(*, enrollment: Enrollment, lesson: Lesson | None = None) -> StudyProgress:
    """Recompute the denormalised progress of a locked ``enrollment`` and mark activity.

    Call inside the transaction that changed its lesson progress or quiz attempts. Returns the
    progress it computed (see enrollment_complete_if_done).
    """
    progress = study_progress(enrollment=enrollment)
    enrollment.progress_percent = progress.percent
    enrollment.last_activity_at = timezone.now()
    fields = ["progress_percent", "last_activity_at"]
    if lesson is not None:
        enrollment.last_lesson = lesson
        fields.append("last_lesson")
    enrollment.save(update_fields=fields)
    return progress


@transaction.atomic
def lesson_complete(*, enrollment: Enrollment, lesson: Lesson) -> Enrollment:
    """Mark ``lesson`` done for ``enrollment``, update progress and complete the course if this
    was the last step. Idempotent: completing a lesson twice changes nothing but the activity time.
    """
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not locked.is_open:
        raise EnrollmentError(_("You cannot study this course now."), code="not_open")
    if lesson.module.course_id != locked.course_id:
        raise EnrollmentError(_("This lesson belongs to another course."), code="wrong_course")
    # One INSERT … ON CONFLICT DO NOTHING: a lesson already done stays as it was.
    LessonProgress.objects.bulk_create(
        [LessonProgress(enrollment=locked, lesson=lesson)], ignore_conflicts=True
    )
    progress = enrollment_progress_update(enrollment=locked, lesson=lesson)
    enrollment_complete_if_done(enrollment=locked, progress=progress)
    return locked


def completion_missing(*, enrollment: Enrollment, progress: StudyProgress | None = None) -> list[str]:
    """What the learner still has to do to complete (empty when done). The one completion rule:
    every required lesson, the final quiz passed (if the course has one), and the cohort's
    minimum attendance (if it sets one). ``progress``, if given, is the enrolment's current
    study_progress()."""
    progress = progress or study_progress(enrollment=enrollment)
    missing = []
    if progress.lessons_done < progress.required_lessons:
        missing.append(_("Complete every required lesson."))
    if progress.has_final_quiz and not progress.final_quiz_passed:
        missing.append(_("Pass the final quiz."))
    if enrollment.course.requires_final_exam and enrollment.final_exam_passed_at is None:
        missing.append(_("Pass the final exam."))
    cohort = enrollment.cohort
    if cohort is not None and cohort.min_attendance_percent:
        percent = attendance_percent(learner_id=enrollment.learner_id, cohort=cohort)
        if percent is None or percent < cohort.min_attendance_percent:
            missing.append(
                _("Attend at least %(percent)d%% of the offline classes.")
                % {"percent": cohort.min_attendance_percent}
            )
    return missing


def enrollment_complete_if_done(*, enrollment: Enrollment, progress: StudyProgress | None = None) -> bool:
    """Complete a locked, active ``enrollment`` whose completion rule is met, and tell the apps
    above (enrollment_completed) in the same transaction: the certificates app creates the
    pending certificate there. Returns whether it completed now.

    ``progress``, if given, is the enrolment's study_progress() in this transaction: while
    study is left, nothing more is read."""
    if enrollment.status != Status.ACTIVE:
        return False
    if progress is not None and not progress.is_complete:
        return False
    if completion_missing(enrollment=enrollment, progress=progress):
        return False
    enrollment.status = Status.COMPLETED
    enrollment.completed_at = timezone.now()
    enrollment.progress_percent = 100
    enrollment.save(update_fields=["status", "completed_at", "progress_percent"])
    enrollment_completed.send(sender=Enrollment, enrollment=enrollment)
    return True


@transaction.atomic
def enrollment_final_exam_record(*, enrollment_id: int, percent: int, passed_at: datetime) -> Enrollment:
    """Record the course's final exam passed with ``percent`` of the points (the exams app calls
    this when an attempt at a final exam passes), then complete the enrolment if that was all
    that was missing. Keeps the first pass time and the best score. Locks the enrolment."""
    locked = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("course", "cohort")
        .get(pk=enrollment_id)
    )
    fields = []
    if locked.final_exam_passed_at is None:
        locked.final_exam_passed_at = passed_at
        fields.append("final_exam_passed_at")
    if locked.final_exam_percent is None or percent > locked.final_exam_percent:
        locked.final_exam_percent = percent
        fields.append("final_exam_percent")
    if fields:
        locked.save(update_fields=fields)
    enrollment_complete_if_done(enrollment=locked)
    return locked


@transaction.atomic
def enrollment_check_completion(*, enrollment_id: int) -> bool:
    """Re-check completion after something outside the learner's study changed it (attendance
    taken, a cohort's minimum lowered). Idempotent."""
    locked = Enrollment.objects.select_for_update().get(pk=enrollment_id)
    return enrollment_complete_if_done(enrollment=locked)


def cohort_completion_recheck(*, cohort_id: int, learner_ids: Iterable[int] | None = None) -> int:
    """Complete the cohort's learners whose completion now holds (attendance taken, minimum
    lowered). Only active enrolments at 100 % progress can complete, so only those are checked,
    each in its own transaction (enrollment_check_completion locks the enrolment). Returns how
    many completed."""
    candidates = Enrollment.objects.filter(
        cohort_id=cohort_id, status=Status.ACTIVE, progress_percent__gte=100
    )
    if learner_ids is not None:
        candidates = candidates.filter(learner_id__in=list(learner_ids))
    return sum(
        enrollment_check_completion(enrollment_id=pk) for pk in candidates.values_list("pk", flat=True)
    )


def course_progress_refresh(*, course_id: int) -> int:
    """Recompute the progress of every open enrolment in a course whose lessons changed, in one
    UPDATE. Completed enrolments keep their completion. Returns the number of rows updated."""
    required, has_final_quiz = _steps(course_id)
    steps = required + int(has_final_quiz)
    open_enrollments = Enrollment.objects.filter(
        course_id=course_id, status__in=[Status.APPLIED, Status.ACTIVE]
    )
    if steps == 0:
        return open_enrollments.update(progress_percent=100)
    lessons_done = (
        LessonProgress.objects.filter(enrollment=OuterRef("pk"), lesson__is_required=True)
        .values("enrollment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    done = Coalesce(Subquery(lessons_done, output_field=IntegerField()), Value(0))
    if has_final_quiz:
        passed_final = QuizAttempt.objects.filter(
            enrollment=OuterRef("pk"), quiz__module__isnull=True, passed=True
        )
        done = done + Case(When(Exists(passed_final), then=Value(1)), default=Value(0))
    return open_enrollments.update(progress_percent=Least(Value(100), done * 100 / steps))
