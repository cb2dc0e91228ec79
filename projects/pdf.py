"""The officer's term report as a PDF: the same figures as the page, drawn with ReportLab in the
CJK font the certificates embed (their font registration is reused, not repeated)."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from certificates.services import BRAND, INK, MUTED, cjk_font

from .selectors import TermReport

MARGIN = 56
LINE = 18


class _Writer:
    """Lines down an A4 page, a new page when the page is full."""

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.y = A4[1] - MARGIN

    def line(self, text: str, *, size: float = 11, colour=INK, indent: float = 0, gap: float = LINE) -> None:
        if self.y < MARGIN + gap:
            self.canvas.showPage()
            self.y = A4[1] - MARGIN
        self.canvas.setFont(cjk_font(), size)
        self.canvas.setFillColor(colour)
        self.canvas.drawString(MARGIN + indent, self.y, text)
        self.y -= gap


def term_report_pdf(report: TermReport) -> bytes:
    appointment = report.appointment
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    title = _("Term report")
    canvas.setTitle(f"{title} · {appointment.user.name} · {appointment.county.name}")
    canvas.setAuthor(str(settings.PROGRAMME_NAME))
    out = _Writer(canvas)
    out.line(str(settings.PROGRAMME_NAME), size=12, colour=BRAND)
    out.line(title, size=22, gap=30)
    out.line(
        _("%(officer)s (%(organisation)s), technology officer in %(county)s")
        % {
            "officer": appointment.user.name,
            "organisation": appointment.home_organisation,
            "county": appointment.county.name,
        },
        size=12,
    )
    out.line(
        _("Term: %(start)s – %(end)s")
        % {"start": f"{report.start:%Y-%m-%d}", "end": f"{report.end:%Y-%m-%d}"},
        colour=MUTED,
        gap=28,
    )
    out.line(_("Visits"), size=14, colour=BRAND, gap=22)
    out.line(
        _("%(visits)s visits, %(hours)s hours, %(villages)s villages")
        % {"visits": report.visits, "hours": report.hours, "villages": report.villages},
        indent=12,
    )
    if report.townships:
        out.line(_("Townships: %(townships)s") % {"townships": "、".join(report.townships)}, indent=12)
    out.line(_("Needs surveys filled in: %(count)s") % {"count": report.surveys}, indent=12, gap=28)
    out.line(_("Projects"), size=14, colour=BRAND, gap=22)
    out.line(
        "  ".join(f"{label} {count}" for _value, label, count in report.by_status),
        indent=12,
    )
    for project in report.projects:
        out.line(
            _("%(title)s (%(status)s): %(talents)s local talents trained")
            % {
                "title": project.title,
                "status": project.get_status_display(),
                "talents": report.talents_by_project.get(project.pk, 0),
            },
            indent=12,
        )
    out.y -= 10
    out.line(_("Indicators"), size=14, colour=BRAND, gap=22)
    out.line(
        _("%(achieved)s of %(total)s achieved, %(on_track)s on track")
        % {"achieved": report.achieved, "total": report.indicators, "on_track": report.on_track},
        indent=12,
        gap=28,
    )
    out.line(_("Local talents trained"), size=14, colour=BRAND, gap=22)
    out.line(
        _("%(count)s people: the projects' successors and the learners of their cohorts who completed")
        % {"count": report.talents},
        indent=12,
    )
    canvas.save()
    return buffer.getvalue()
