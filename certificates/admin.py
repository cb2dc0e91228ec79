"""Certificates for programme staff: read-only rows, revoking with a reason, issuing again."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .models import Certificate
from .services import certificate_revoke, certificates_issue_again


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the certificate; the public verification page says it was revoked."),
    )


@admin.action(description=_("Revoke the selected certificates"), permissions=["change"])
def revoke_certificates(modeladmin, request, queryset):
    """Ask for the reason on an intermediate page, then revoke through the service."""
    form = RevokeForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Revoke certificates"),
            "opts": modeladmin.model._meta,
            "certificates": queryset.select_related("enrollment__learner", "enrollment__course"),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "certificates/admin/revoke.html", context)
    for certificate in queryset:
        certificate_revoke(certificate=certificate, reason=form.cleaned_data["reason"])
    modeladmin.message_user(request, _("%(count)d certificate(s) revoked.") % {"count": queryset.count()})
    return None


@admin.action(description=_("Issue again (failed or pending)"), permissions=["change"])
def issue_again(modeladmin, request, queryset):
    queued = certificates_issue_again(queryset)
    modeladmin.message_user(request, _("%(count)d certificate(s) queued.") % {"count": queued})


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["verification_code", "enrollment", "status", "created_at", "issued_at", "attempts"]
    list_select_related = ["enrollment__learner", "enrollment__course"]
    list_filter = ["status"]
    search_fields = ["verification_code", "enrollment__learner__email", "enrollment__learner__name"]
    raw_id_fields = ["enrollment"]
    readonly_fields = [
        "enrollment",
        "status",
        "verification_code",
        "file",
        "created_at",
        "issued_at",
        "attempts",
        "last_error",
        "revoked_at",
        "revoked_reason",
        "withdrawn_at",
    ]
    show_full_result_count = False
    actions = [revoke_certificates, issue_again]

    def has_add_permission(self, request) -> bool:
        return False
