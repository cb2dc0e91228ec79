"""Certificates: render the PDF, issue it once, revoke it, find the ones left behind.

A certificate row is created ``pending`` when an enrolment completes (enrollment.services).
``certificate_issue`` is what the Celery task runs: it locks the row, renders and stores the
PDF and marks it ``issued`` in one transaction, so a worker killed half-way leaves the row
pending for the next delivery, and a second delivery finds it issued and does nothing.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from counties.models import LearnerProfile
from enrollment.models import Enrollment
from talentportal.queue import enqueue, enqueue_on_commit

from .models import Certificate
from .signals import certificate_issued

ISSUE_TASK = "certificates.tasks.issue_certificate"

logger = logging.getLogger(__name__)

FONT_NAME = "WenQuanYiMicroHei"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
BRAND = HexColor("#0b6e4f")
INK = HexColor("#1d2a33")
MUTED = HexColor("#5b6b76")
GOLD = HexColor("#b8962e")


@cache
def cjk_font() -> str:
    """Register the embedded CJK font once per process (ReportLab subsets it per document)."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
    return FONT_NAME


def verification_url(code: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("certificates:verify", args=[code])


@dataclass(frozen=True)
class CertificateContent:
    name: str
    course: str
    track: str
    hours: int
    county: str
    cohort: str
    issued_on: str
    code: str
    url: str
    exam_band: str = ""


# The final exam's score bands a certificate may show: (lowest percent, Chinese, English).
EXAM_BANDS = ((90, "优秀", "Excellent"), (75, "良好", "Good"), (0, "合格", "Pass"))


def exam_band(percent: int | None) -> str:
    """The band of a final exam score in the certificate's two languages, e.g. "良好 Good"; ""
    without a score."""
    if percent is None:
        return ""
    for lowest, chinese, english in EXAM_BANDS:
        if percent >= lowest:
            return f"{chinese} {english}"
    return ""


def certificate_content(certificate: Certificate, *, issued_at=None) -> CertificateContent:
    enrollment = certificate.enrollment
    course = enrollment.course
    county = enrollment.county
    if county is None:
        profile = LearnerProfile.objects.select_related("county__province", "county__prefecture").filter(
            user_id=enrollment.learner_id
        )
        county = profile[0].county if profile else None
    issued_at = timezone.localtime(issued_at or certificate.issued_at or timezone.now())
    return CertificateContent(
        name=enrollment.learner.name or enrollment.learner.email or "",
        course=course.title,
        track=course.track.name,
        hours=course.estimated_hours,
        county=county.full_name if county else "",
        cohort=enrollment.cohort.name if enrollment.cohort else "",
        issued_on=f"{issued_at.year}年{issued_at.month}月{issued_at.day}日",
        code=certificate.verification_code,
        url=verification_url(certificate.verification_code),
        exam_band=exam_band(enrollment.final_exam_percent) if course.certificate_shows_exam_band else "",
    )


def _centred(canvas: Canvas, text: str, y: float, size: float, colour=INK) -> None:
    canvas.setFont(cjk_font(), size)
    canvas.setFillColor(colour)
    canvas.drawCentredString(A4[1] / 2, y, text)


def certificate_render_pdf(content: CertificateContent) -> bytes:
    """An A4 landscape certificate with the learner's name, course, track, hours, county,
    cohort, date, verification code and a QR code to the public verification page."""
    width, height = landscape(A4)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"结业证书 {content.code}")
    canvas.setAuthor(str(settings.PROGRAMME_NAME))
    canvas.setSubject(content.course)

    # Frame: a broad green border and a thin gold rule inside it.
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(10)
    canvas.rect(22, 22, width - 44, height - 44)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(36, 36, width - 72, height - 72)

    _centred(canvas, "县域数字人才培养计划", height - 92, 15, BRAND)
    _centred(canvas, "结 业 证 书", height - 148, 40, INK)
    _centred(canvas, "CERTIFICATE OF COMPLETION", height - 174, 12, MUTED)
    _centred(canvas, "兹证明", height - 220, 15, INK)
    _centred(canvas, content.name, height - 270, 34, BRAND)
    if content.county:
        _centred(canvas, f"（{content.county}）", height - 298, 13, MUTED)
    _centred(canvas, f"参加「{content.track}」方向课程《{content.course}》的学习，", height - 338, 16)
    _centred(canvas, f"完成全部 {content.hours} 学时并通过结业考核，准予结业。", height - 364, 16)
    if content.cohort:
        _centred(canvas, f"班级：{content.cohort}", height - 392, 12, MUTED)
    if content.exam_band:
        _centred(canvas, f"结业考试成绩 Final exam: {content.exam_band}", height - 414, 13, BRAND)

    canvas.setFont(cjk_font(), 11)
    canvas.setFillColor(INK)
    canvas.drawString(70, 110, f"签发日期 Issued: {content.issued_on}")
    canvas.drawString(70, 90, f"证书编号 Verification code: {content.code}")
    canvas.setFont(cjk_font(), 9)
    canvas.setFillColor(MUTED)
    canvas.drawString(70, 70, f"验证 Verify: {content.url}")

    qr_size = 110
    _draw_qr(canvas, content.url, x=width - 70 - qr_size, y=62, size=qr_size)
    canvas.setFont(cjk_font(), 9)
    canvas.drawCentredString(width - 70 - qr_size / 2, 56, "扫码验证 Scan to verify")

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_qr(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """A QR code as one filled path, a rectangle per run of dark modules (fast and compact)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    path = canvas.beginPath()
    for row, modules in enumerate(matrix):
        top = y + size - (row + 1) * cell
        column = 0
        while column < len(modules):
            if not modules[column]:
                column += 1
                continue
            start = column
            while column < len(modules) and modules[column]:
                column += 1
            path.rect(x + start * cell, top, (column - start) * cell, cell)
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)


def _file_name(certificate: Certificate) -> str:
    return f"certificates/{certificate.verification_code}.pdf"


def certificate_request(*, enrollment: Enrollment) -> Certificate:
    """The certificate of a just-completed ``enrollment``, created ``pending`` in the transaction
    that completed it, and queued for rendering after commit. Idempotent: one certificate per
    enrolment, and a pending row the broker never got is queued again by the sweep."""
    certificate, _created = Certificate.objects.get_or_create(enrollment=enrollment)
    enqueue_on_commit(ISSUE_TASK, certificate.pk)
    return certificate


def certificate_issue(*, certificate_id: int) -> bool:
    """Render and store a pending certificate's PDF and mark it issued.

    Locks the row for the whole job: a concurrent second delivery waits, then finds it issued
    and does nothing; a worker killed mid-way rolls back and the row stays pending. The file is
    written under a name fixed by the verification code, replacing any half-written one, so there
    is only ever one file. Returns True only for the run that issued it, which also queues the
    "certificate ready" message after commit.
    """
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("enrollment__learner", "enrollment__course__track", "enrollment__cohort")
            .select_related("enrollment__county__province", "enrollment__county__prefecture")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None or certificate.status != Certificate.Status.PENDING:
            return False
        now = timezone.now()
        pdf = certificate_render_pdf(certificate_content(certificate, issued_at=now))
        name = _file_name(certificate)
        storage = certificate.file.storage
        if storage.exists(name):
            storage.delete(name)
        certificate.file.name = storage.save(name, ContentFile(pdf))
        certificate.status = Certificate.Status.ISSUED
        certificate.issued_at = now
        certificate.last_error = ""
        certificate.save(update_fields=["file", "status", "issued_at", "last_error"])
        transaction.on_commit(
            lambda: certificate_issued.send(sender=Certificate, certificate_id=certificate_id)
        )
    return True


def certificate_issue_attempt(*, certificate_id: int, final: bool) -> tuple[bool, Exception | None]:
    """One delivery of the issue task: count the attempt, try to issue.

    Returns (issued, error): ``error`` is the exception to retry on, None when there is nothing
    to retry — issued, nothing to do, or ``final`` and now marked ``failed`` for staff.
    """
    certificate_count_attempt(certificate_id=certificate_id)
    try:
        return certificate_issue(certificate_id=certificate_id), None
    except Exception as error:  # any failure is recorded and retried a bounded number of times
        certificate_record_failure(
            certificate_id=certificate_id, error=f"{type(error).__name__}: {error}", final=final
        )
        if final:
            logger.exception("Certificate %s failed for good", certificate_id)
            return False, None
        return False, error


def certificate_record_failure(*, certificate_id: int, error: str, final: bool) -> None:
    """Count a failed rendering attempt; after the last retry the certificate is marked
    ``failed`` for staff to see (the admin can put it back to pending)."""
    update = {"last_error": error[:2000]}
    if final:
        update["status"] = Certificate.Status.FAILED
    Certificate.objects.filter(pk=certificate_id, status=Certificate.Status.PENDING).update(**update)


def certificate_count_attempt(*, certificate_id: int) -> None:
    Certificate.objects.filter(pk=certificate_id).update(attempts=F("attempts") + 1)


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate: the verification page says so from now on. Idempotent."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A certificate is revoked with a reason.")
    Certificate.objects.filter(pk=certificate.pk).exclude(status=Certificate.Status.REVOKED).update(
        status=Certificate.Status.REVOKED, revoked_at=timezone.now(), revoked_reason=reason[:300]
    )
    certificate.refresh_from_db()
    return certificate


def certificates_left_pending(*, older_than: timedelta | None = None) -> list[int]:
    """Pending certificates nobody issued in time (broker down, worker died): ids to re-queue."""
    older_than = older_than or timedelta(minutes=settings.CERTIFICATE_SWEEP_AFTER_MINUTES)
    cutoff = timezone.now() - older_than
    return list(
        Certificate.objects.filter(status=Certificate.Status.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[: settings.CERTIFICATE_SWEEP_BATCH]
    )


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明; Latin names keep first and last letter."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def cohort_certificate_counts(*, cohort_id: int) -> dict[str, int]:
    """How many of a cohort's certificates are in each status (one query)."""
    rows = (
        Certificate.objects.filter(enrollment__cohort_id=cohort_id)
        .values("status")
        .annotate(n=models.Count("pk"))
        .values_list("status", "n")
    )
    counts = dict.fromkeys(Certificate.Status.values, 0)
    counts.update(dict(rows))
    return counts


def certificates_queue(ids: list[int]) -> int:
    """Send the issue task for each certificate id; returns how many the broker took."""
    return sum(enqueue(ISSUE_TASK, certificate_id) for certificate_id in ids)


def certificates_issue_again(certificates: models.QuerySet[Certificate]) -> int:
    """Queue every one of ``certificates`` still to be issued — pending ones, and failed ones put
    back to pending. Returns how many were queued. Safe to repeat: each is issued once."""
    failed = certificates.filter(status=Certificate.Status.FAILED)
    failed.update(status=Certificate.Status.PENDING, attempts=0, last_error="")
    ids = list(certificates.filter(status=Certificate.Status.PENDING).values_list("pk", flat=True))
    certificates_queue(ids)
    return len(ids)


def cohort_certificates_issue(*, cohort_id: int) -> int:
    """Queue a cohort's certificates still to be issued (the coordinator's button)."""
    return certificates_issue_again(Certificate.objects.filter(enrollment__cohort_id=cohort_id))
