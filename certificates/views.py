"""The public verification page and the certificate download."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from counties.models import County
from enrollment.services import normalize_join_code
from practice.selectors import enrollment_results

from .models import Certificate
from .services import exam_band, mask_name

VERIFY_RATE = "talentportal.views.verify_rate"


# What a verification code can be made of (see models.new_verification_code, leniently).
CODE_RE = re.compile(r"[A-Z0-9]{1,20}")


@require_GET
def verify_form(request):
    """Type a verification code (the QR code links straight to the result). What no code can
    look like ("a/b", punctuation) is answered at once: no certificate has this code."""
    typed = request.GET.get("code", "")
    code = normalize_join_code(typed)
    if not code:
        return render(request, "certificates/verify.html", {"certificate": None, "code": ""})
    if not CODE_RE.fullmatch(code):
        context = {"certificate": None, "code": typed[:40]}
        return render(request, "certificates/verify.html", context, status=404)
    return redirect("certificates:verify", code=code)


@require_GET
@ratelimit(key="ip", rate=VERIFY_RATE, block=True)
def verify(request, code: str):
    """Valid, revoked, or withdrawn by its holder; the course, the date and the learner's name
    partly masked (no name once the holder deleted their account).

    An unknown code answers 404 with the same page for every code, saying nothing about which
    codes exist; the page is rate limited per address against guessing. One indexed query (two
    for a valid certificate: its holder's practice results), never cached: a revocation shows at
    once.
    """
    Status = Certificate.Status
    certificate = (
        Certificate.objects.select_related("enrollment__learner", "enrollment__course__track")
        .filter(verification_code=normalize_join_code(code))
        .exclude(status__in=[Status.PENDING, Status.FAILED])
        # Withdrawn before it was ever issued: it never existed for anyone to verify.
        .exclude(status=Status.WITHDRAWN, issued_at__isnull=True)
        .first()
    )
    context = {"certificate": certificate, "code": code}
    if certificate is None:
        return render(request, "certificates/verify.html", context, status=404)
    context["masked_name"] = mask_name(certificate.enrollment.learner.name)
    if certificate.enrollment.course.certificate_shows_exam_band:
        context["exam_band"] = exam_band(certificate.enrollment.final_exam_percent)
    if certificate.status == Status.ISSUED:
        # What the holder practised, as an employer reads it (one more query).
        context["practice_results"] = enrollment_results(enrollment_id=certificate.enrollment_id)
    return render(request, "certificates/verify.html", context)


@login_required
def download(request, code: str):
    """The PDF, for its learner, the coordinators of its county, and staff."""
    certificates = Certificate.objects.filter(status=Certificate.Status.ISSUED, verification_code=code)
    if not request.user.is_staff:
        coordinated = County.objects.coordinated_by(request.user)
        certificates = certificates.filter(
            Q(enrollment__learner=request.user) | Q(enrollment__county__in=coordinated)
        )
    certificate = certificates.first()
    if certificate is None or not certificate.file:
        raise Http404
    return FileResponse(
        certificate.file.open("rb"),
        as_attachment=True,
        filename=f"certificate-{certificate.verification_code}.pdf",
        content_type="application/pdf",
    )
