"""The practice lab: labelling exercises graded against gold labels, and practical assignments.

Answers and gold labels are JSON in one shape per task (see practice.scoring):

- image and text classification: ``{"labels": ["茶叶"]}``;
- text spans: ``{"spans": [[start, end, "品牌"], …]}``, character offsets into the item's text,
  ``end`` exclusive;
- boxes: ``{"boxes": [[x, y, w, h, "车辆"], …]}``, fractions (0–1) of the image's width and height,
  so a box does not move when the image is resized.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Course, Lesson
from enrollment.models import Enrollment


class ItemSetQuerySet(models.QuerySet):
    def published(self) -> ItemSetQuerySet:
        return self.filter(published=True)


class ItemSet(models.Model):
    """A labelling exercise: items, a label schema and how it is graded."""

    class Task(models.TextChoices):
        IMAGE_CLASS = "image_class", _("Image classification")
        TEXT_CLASS = "text_class", _("Text classification")
        TEXT_SPAN = "text_span", _("Text span tagging")
        BBOX = "bbox", _("Bounding boxes")

    class Mode(models.TextChoices):
        PRACTICE = "practice", _("Practice (every item has a gold label)")
        JOB = "job", _("Job (quality measured on hidden gold items only)")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="item_sets", verbose_name=_("course")
    )
    lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="item_sets",
        verbose_name=_("practice lesson"),
        help_text=_("The practice lesson this exercise belongs to: passing it completes the lesson."),
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    task = models.CharField(_("task"), max_length=12, choices=Task.choices)
    labels = models.JSONField(_("labels"), default=list)
    multi_label = models.BooleanField(
        _("several labels per item"), default=False, help_text=_("Classification only.")
    )
    iou_threshold = models.FloatField(
        _("IoU threshold"),
        default=0.5,
        help_text=_("Boxes only: how much a drawn box must overlap the gold box to count (0.1–0.95)."),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    min_score = models.PositiveSmallIntegerField(
        _("minimum score (%)"), default=80, help_text=_("The score that completes the lesson.")
    )
    published = models.BooleanField(_("published"), default=False)
    # Its place among the practice items (item sets and assignments share one sequence) of its
    # lesson, or of the course: set only by publishing a studio revision (courses.revisions).
    position = models.PositiveIntegerField(_("outline position"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ItemSetQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position", "title", "pk"]
        verbose_name = _("item set")
        verbose_name_plural = _("item sets")
        indexes = [
            models.Index(fields=["course", "published"], name="itemset_course_published"),
            models.Index(fields=["lesson", "published", "position"], name="itemset_lesson_pub_position"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(min_score__lte=100), name="itemset_min_score_percent"),
            models.CheckConstraint(
                condition=Q(iou_threshold__gte=0.1, iou_threshold__lte=0.95), name="itemset_iou_range"
            ),
            models.CheckConstraint(
                condition=Q(task__in=["image_class", "text_class", "text_span", "bbox"]),
                name="itemset_task_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_classification(self) -> bool:
        return self.task in (self.Task.IMAGE_CLASS, self.Task.TEXT_CLASS)

    @property
    def uses_images(self) -> bool:
        return self.task in (self.Task.IMAGE_CLASS, self.Task.BBOX)

    @property
    def is_job(self) -> bool:
        return self.mode == self.Mode.JOB


class Item(models.Model):
    """One image or text to label. ``gold`` is empty for the unlabelled items of a job; in a job
    the items with gold are the hidden honeypots."""

    item_set = models.ForeignKey(
        ItemSet, on_delete=models.CASCADE, related_name="items", verbose_name=_("item set")
    )
    order = models.PositiveIntegerField(_("order"))
    image = models.ImageField(_("image"), upload_to="practice/items/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    text = models.TextField(_("text"), blank=True)
    source_name = models.CharField(_("source file or row"), max_length=200, blank=True)
    gold = models.JSONField(_("gold label"), null=True, blank=True)
    is_honeypot = models.BooleanField(_("hidden gold item"), default=False)

    class Meta:
        ordering = ["item_set", "order"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["item_set", "order"], name="item_unique_order"),
            models.CheckConstraint(
                condition=Q(is_honeypot=False) | Q(gold__isnull=False), name="item_honeypot_has_gold"
            ),
        ]

    def __str__(self) -> str:
        return self.source_name or f"#{self.order}"

    @property
    def is_scored(self) -> bool:
        return self.gold is not None


class Run(models.Model):
    """A learner's go at an item set: started, answered page by page, submitted and scored."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="practice_runs", verbose_name=_("enrolment")
    )
    item_set = models.ForeignKey(
        ItemSet, on_delete=models.CASCADE, related_name="runs", verbose_name=_("item set")
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The main score in percent (accuracy, span F1 or box F1; in a job, on the honeypots only).
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    items_per_minute = models.FloatField(_("items per minute"), null=True, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("practice run")
        verbose_name_plural = _("practice runs")
        indexes = [
            models.Index(fields=["enrollment", "item_set"], name="run_enrollment_set"),
            models.Index(fields=["item_set", "submitted_at"], name="run_set_submitted"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="run_score_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.item_set} · {self.enrollment_id}"


class Answer(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="answers", verbose_name=_("run"))
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="answers", verbose_name=_("item"))
    value = models.JSONField(_("answer"), default=dict)
    # The item's score (0–1) once the run is submitted; empty for an unlabelled job item.
    score = models.FloatField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["run", "item"], name="answer_unique_item")]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.item_id}"


# --- practical assignments -------------------------------------------------------------------


class Assignment(models.Model):
    """A practical task marked by the cohort's coordinator against a rubric.

    ``criteria`` is a list of ``{"title": …, "levels": [lowest, …, highest]}``: a criterion's
    points are the index of the level given.
    """

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("course")
    )
    lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("practice lesson"),
    )
    title = models.CharField(_("title"), max_length=200)
    brief = models.TextField(_("brief"))
    criteria = models.JSONField(_("rubric"), default=list)
    max_images = models.PositiveSmallIntegerField(_("images allowed"), default=5)
    published = models.BooleanField(_("published"), default=False)
    # In the sequence it shares with the item sets of its lesson (see ItemSet.position).
    position = models.PositiveIntegerField(_("outline position"), default=0, editable=False)

    class Meta:
        ordering = ["course", "position", "title", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            models.Index(fields=["lesson", "published", "position"], name="assignment_lesson_pub_position")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def max_points(self) -> int:
        return sum(len(criterion["levels"]) - 1 for criterion in self.criteria)


class Submission(models.Model):
    """A learner's work for an assignment: one row per learner, replaced on resubmission."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for marking")
        NEEDS_WORK = "needs_work", _("Resubmission asked")
        ACCEPTED = "accepted", pgettext_lazy("assignment", "Accepted")

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("assignment")
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        related_name="assignment_submissions",
        verbose_name=_("enrolment"),
    )
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("assignment submission")
        verbose_name_plural = _("assignment submissions")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "enrollment"], name="submission_unique_learner"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="submission_status_time")]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.enrollment_id}"


class SubmissionImage(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="images", verbose_name=_("submission")
    )
    image = models.ImageField(_("image"), upload_to="practice/submissions/%Y/%m/")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["submission", "order", "pk"]
        verbose_name = _("submitted image")
        verbose_name_plural = _("submitted images")

    def __str__(self) -> str:
        return self.image.name


class Mark(models.Model):
    """The marking of one attempt of a submission: a level per criterion and feedback."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="marks", verbose_name=_("submission")
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("marker"),
    )
    levels = models.JSONField(_("levels"), default=list)
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    feedback = models.TextField(_("feedback"))
    accepted = models.BooleanField(_("accepted"), default=False)
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        ordering = ["submission", "-attempt", "-pk"]
        verbose_name = _("assignment mark")
        verbose_name_plural = _("assignment marks")
        constraints = [models.UniqueConstraint(fields=["submission", "attempt"], name="mark_unique_attempt")]

    def __str__(self) -> str:
        return f"{self.submission} · {self.attempt}"
