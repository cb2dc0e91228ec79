"""Reminders to learners by email and SMS: one row per enrolment, kind and day."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from enrollment.models import Enrollment


class ReminderLog(models.Model):
    """A reminder due to one enrolment on one day: written by the daily scan, then sent.

    The unique (enrolment, kind, day) constraint makes a second scan on the same day add
    nothing; ``status`` moves from ``queued`` to ``sent`` (or ``skipped`` when the learner has
    no channel left), so a lost queue message is caught up by the next send sweep.
    """

    class Kind(models.TextChoices):
        INACTIVE = "inactive", _("Inactive for 7 days")
        COHORT_ENDING = "cohort_ending", _("Class ends within 7 days")
        CLASS_TOMORROW = "class_tomorrow", _("Offline class tomorrow")
        CERTIFICATE_READY = "certificate_ready", _("Certificate ready")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (no channel)")

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("enrolment")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    sent_email = models.BooleanField(_("sent by email"), default=False)
    sent_sms = models.BooleanField(_("sent by SMS"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        db_table = "enrollment_reminderlog"  # the table predates the app
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "kind", "day"], name="reminderlog_unique_per_day"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="reminderlog_status_created")]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.get_kind_display()} · {self.day}"
