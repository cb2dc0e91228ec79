from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from counties.models import Cohort, County
from courses.models import Course, Lesson, Quiz


class EnrollmentQuerySet(models.QuerySet):
    def current(self) -> EnrollmentQuerySet:
        """Enrolments that hold a place: waiting for approval, studying or completed."""
        return self.filter(status__in=Enrollment.HOLDING_A_PLACE)

    def for_learner(self, user) -> EnrollmentQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(learner=user)


class Enrollment(models.Model):
    """A learner in a course, alone (self-paced) or in a county cohort.

    ``progress_percent`` and ``last_activity_at`` are denormalised for pages that list many
    enrolments; enrollment.services keeps them correct in the transaction that changes the
    lesson progress rows.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Waiting for approval")
        ACTIVE = "active", _("Studying")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DECLINED = "declined", _("Declined")

    HOLDING_A_PLACE = (Status.APPLIED, Status.ACTIVE, Status.COMPLETED)

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("learner"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("course")
    )
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("cohort"),
    )
    # The county the enrolment counts for in the programme's figures: the cohort's county, or
    # the learner's county when they enrolled on their own. Kept when the learner moves.
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("county"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lesson"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Set by the exams app (``enrollment_final_exam_record``) when the course's final exam is
    # passed: the completion rule reads it here, below the exams app.
    final_exam_passed_at = models.DateTimeField(_("final exam passed at"), null=True, blank=True)
    final_exam_percent = models.PositiveSmallIntegerField(_("final exam score (%)"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="enrollment_unique_learner_course"),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="enrollment_progress_percent"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="enrollment_completed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status"], name="enrollment_cohort_status"),
            models.Index(fields=["course", "status"], name="enrollment_course_status"),
            models.Index(fields=["county", "status"], name="enrollment_county_status"),
            models.Index(fields=["status", "last_activity_at"], name="enrollment_status_activity"),
            models.Index(fields=["completed_at"], name="enrollment_completed_at"),
            models.Index(fields=["enrolled_at"], name="enrollment_enrolled_at"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.course}"

    @property
    def is_open(self) -> bool:
        """Whether the learner may study: approved and not withdrawn."""
        return self.status in (self.Status.ACTIVE, self.Status.COMPLETED)


class LessonProgress(models.Model):
    """A lesson a learner has completed (one row per enrolment and lesson, written once)."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="lesson_progress", verbose_name=_("enrolment")
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="progress", verbose_name=_("lesson")
    )
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="lessonprogress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.lesson}"


class QuizAttempt(models.Model):
    """One submitted attempt at a quiz, graded on the server.

    ``token`` is issued with the quiz page; submitting the same page twice (double click, back
    button) finds the attempt already made instead of counting a second one.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name=_("enrolment")
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("quiz"))
    token = models.CharField(_("token"), max_length=64, unique=True)
    number = models.PositiveSmallIntegerField(_("attempt number"))
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    answers = models.JSONField(_("answers"), default=dict)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        ordering = ["enrollment", "quiz", "number"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "quiz", "number"], name="quizattempt_unique_number"
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="quizattempt_score_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.quiz} #{self.number}"


class CalendarFeed(models.Model):
    """A learner's personal iCal feed of their classes: the secret in its URL.

    Revoking replaces ``token``, so the old URL answers 404 at once. One per learner; it holds
    no more than who may read the learner's own classes.
    """

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("learner"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.learner} · {self.created_at:%Y-%m-%d}"


class OfflineAction(models.Model):
    """A lesson marked done on the learner's phone without a connection, sent later with the
    key the phone gave it. The unique (learner, key) constraint makes a replay of the same
    action find this row and change nothing."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="offline_actions",
        verbose_name=_("learner"),
    )
    key = models.CharField(_("key"), max_length=64)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="offline_actions", verbose_name=_("enrolment")
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="offline_actions", verbose_name=_("lesson")
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("offline study record")
        verbose_name_plural = _("offline study records")
        constraints = [
            models.UniqueConstraint(fields=["learner", "key"], name="offlineaction_unique_learner_key"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.key}"
