"""Certificates of completed enrolments: created pending when an enrolment completes, rendered
to PDF by a task, verifiable on a public page, revocable."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from enrollment.models import Enrollment


def new_verification_code() -> str:
    """Hard to guess (about 10**19 possibilities), short enough to type from paper."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(13))


class Certificate(models.Model):
    """The certificate of a completed enrolment.

    Created ``pending`` in the transaction that completes the enrolment; a Celery task renders
    the PDF and marks it ``issued``. A periodic sweep re-enqueues rows left pending. Staff
    ``revoke`` a certificate (misconduct, an error); its holder ``withdraws`` it by deleting
    their account, which says nothing against them and is shown as such on verification.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        ISSUED = "issued", _("Issued")
        FAILED = "failed", _("Failed")
        REVOKED = "revoked", _("Revoked")
        WITHDRAWN = "withdrawn", _("Withdrawn by the holder")

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("enrolment")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    verification_code = models.CharField(
        _("verification code"), max_length=20, unique=True, default=new_verification_code
    )
    file = models.FileField(_("PDF file"), upload_to="certificates/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("rendering attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn by the holder at"), null=True, blank=True)

    class Meta:
        db_table = "enrollment_certificate"  # the table predates the app
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [models.Index(fields=["status", "created_at"], name="certificate_status_created")]

    def __str__(self) -> str:
        return self.verification_code
