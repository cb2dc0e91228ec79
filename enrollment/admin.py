"""Raw data for programme staff. Learners' progress is written by the services, so the admin
shows it read-only: changing a status here would bypass the completion rule."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Enrollment, LessonProgress, QuizAttempt


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
