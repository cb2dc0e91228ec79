"""Award certificates (granted by ``competitions.services.awards_grant``): rendered to PDF with
the certificates app's embedded CJK font, verifiable on a public page by their code.

``award_issue`` is what the Celery task runs: it locks the row, renders and stores the PDF and
marks it issued in one transaction; a second delivery finds it issued and does nothing.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from certificates.services import cjk_font

from .models import Award, EntryMember, Tier

BRAND = HexColor("#0b6e4f")
INK = HexColor("#1d2a33")
MUTED = HexColor("#5b6b76")
GOLD = HexColor("#b8962e")
PRIZE_NAMES = {Award.Prize.FIRST: "一等奖", Award.Prize.SECOND: "二等奖", Award.Prize.THIRD: "三等奖"}
TIER_NAMES = {Tier.COUNTY: "县赛", Tier.PROVINCE: "省赛", Tier.NATIONAL: "国赛"}


def award_url(code: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("competitions:award_verify", args=[code])


def _centred(canvas: Canvas, text: str, y: float, size: float, colour=INK) -> None:
    canvas.setFont(cjk_font(), size)
    canvas.setFillColor(colour)
    canvas.drawCentredString(A4[1] / 2, y, text)


def award_render_pdf(award: Award) -> bytes:
    """An A4 landscape award certificate: the names (a team's name and members), county,
    competition, tier, prize, rank, date, verification code and a QR code to its page."""
    entry = award.entry
    members = list(
        EntryMember.objects.filter(entry=entry, accepted_at__isnull=False)
        .exclude(learner__name="")  # an erased account's member is not printed
        .order_by("pk")
        .values_list("learner__name", flat=True)
    )
    width, height = landscape(A4)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"获奖证书 {award.verification_code}")
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(10)
    canvas.rect(22, 22, width - 44, height - 44)
    round = award.round
    _centred(canvas, "县域数字人才培养计划", height - 92, 15, BRAND)
    _centred(canvas, "获 奖 证 书", height - 148, 40, INK)
    _centred(canvas, "AWARD CERTIFICATE", height - 174, 12, MUTED)
    _centred(canvas, entry.name or "、".join(members), height - 236, 32, BRAND)
    if entry.name:
        _centred(canvas, "队员：" + "、".join(members), height - 264, 13, MUTED)
    _centred(canvas, f"（{entry.county.name}）", height - 286, 13, MUTED)
    _centred(
        canvas,
        f"在「{round.competition.title}」{TIER_NAMES.get(round.tier, '')}（{round.place_name}）中",
        height - 330,
        16,
    )
    _centred(canvas, f"荣获 {PRIZE_NAMES[award.prize]}（第 {award.rank} 名）", height - 366, 24, GOLD)
    issued = timezone.localdate(award.issued_at or timezone.now())
    canvas.setFont(cjk_font(), 11)
    canvas.setFillColor(INK)
    canvas.drawString(70, 110, f"签发日期 Issued: {issued:%Y-%m-%d}")
    canvas.drawString(70, 90, f"证书编号 Verification code: {award.verification_code}")
    url = award_url(award.verification_code)
    canvas.setFont(cjk_font(), 9)
    canvas.setFillColor(MUTED)
    canvas.drawString(70, 70, f"验证 Verify: {url}")
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    size = 110
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, width - 70 - size, 62)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@transaction.atomic
def award_issue(*, award_id: int) -> bool:
    """Render and store a pending award's PDF and mark it issued (idempotent: an issued or
    revoked award is left alone). Returns whether it was issued now."""
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("round__competition", "round__county", "round__province", "entry__county")
        .filter(pk=award_id)
        .first()
    )
    if award is None or award.status != Award.Status.PENDING:
        return False
    award.issued_at = award.issued_at or timezone.now()
    award.file.save(f"award-{award.verification_code}.pdf", ContentFile(award_render_pdf(award)), save=False)
    award.status = Award.Status.ISSUED
    award.save(update_fields=["file", "issued_at", "status"])
    return True


def awards_left_pending() -> list[int]:
    return list(Award.objects.filter(status=Award.Status.PENDING).values_list("pk", flat=True)[:500])
