"""Raw data for programme staff. Learners' progress is written by the services, so the admin
shows it read-only: changing a status here would bypass the completion rule."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .certificates import certificate_revoke, certificates_issue_again
from .models import Certificate, Enrollment, LessonProgress, QuizAttempt, ReminderLog


class LessonProgressInline(admin.TabularInline):
    model = LessonProgress
    fields = ["lesson", "completed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("lessons completed")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lesson")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = [
        "learner",
        "course",
        "cohort",
        "status",
        "progress_percent",
        "last_activity_at",
        "enrolled_at",
    ]
    list_select_related = ["learner", "course", "cohort"]
    list_filter = ["status", "course__track"]
    search_fields = ["learner__email", "learner__mobile", "learner__name", "course__title", "cohort__name"]
    raw_id_fields = ["learner", "course", "cohort", "county", "last_lesson"]
    readonly_fields = [
        "status",
        "progress_percent",
        "last_activity_at",
        "last_lesson",
        "enrolled_at",
        "completed_at",
        "withdrawn_at",
    ]
    show_full_result_count = False
    inlines = [LessonProgressInline]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "quiz", "number", "score", "passed", "submitted_at"]
    list_select_related = ["enrollment__learner", "enrollment__course", "quiz"]
    list_filter = ["passed"]
    search_fields = ["enrollment__learner__email", "enrollment__learner__name", "quiz__title"]
    raw_id_fields = ["enrollment", "quiz"]
    readonly_fields = ["enrollment", "quiz", "token", "number", "score", "passed", "answers", "submitted_at"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
        return TemplateResponse(request, "enrollment/admin/revoke.html", context)
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
    ]
    show_full_result_count = False
    actions = [revoke_certificates, issue_again]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "kind", "day", "status", "sent_email", "sent_sms", "sent_at"]
    list_select_related = ["enrollment__learner", "enrollment__course"]
    list_filter = ["kind", "status", "day"]
    raw_id_fields = ["enrollment"]
    readonly_fields = [
        "enrollment",
        "kind",
        "day",
        "status",
        "sent_email",
        "sent_sms",
        "created_at",
        "sent_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False
