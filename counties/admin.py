from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Announcement,
    Attendance,
    ClassSession,
    Cohort,
    CoordinatorAssignment,
    County,
    ImportJob,
    InvitationLog,
    LearnerProfile,
    PlacementOutcome,
    Prefecture,
    Province,
    Township,
)
from .signals import attendance_changed


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    list_select_related = ["province"]
    list_filter = ["province"]
    search_fields = ["code", "name"]


def _priority_set(queryset, value: bool) -> None:
    queryset.update(is_priority=value)


@admin.action(description=_("Mark as priority counties"))
def mark_priority(modeladmin, request, queryset):
    _priority_set(queryset, True)


@admin.action(description=_("Unmark as priority counties"))
def unmark_priority(modeladmin, request, queryset):
    _priority_set(queryset, False)


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "prefecture", "province", "is_priority"]
    list_select_related = ["prefecture", "province"]
    list_filter = ["is_priority", "province"]
    search_fields = ["code", "name"]
    actions = [mark_priority, unmark_priority]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "county"]
    list_select_related = ["county"]
    search_fields = ["code", "name"]
    raw_id_fields = ["county"]
    show_full_result_count = False


@admin.register(CoordinatorAssignment)
class CoordinatorAssignmentAdmin(admin.ModelAdmin):
    list_display = ["coordinator", "county", "assigned_at"]
    list_select_related = ["coordinator", "county"]
    autocomplete_fields = ["coordinator", "county"]
    search_fields = ["coordinator__email", "coordinator__name", "county__name", "county__code"]


@admin.register(LearnerProfile)
class LearnerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "county", "school", "school_type"]
    list_select_related = ["user", "county"]
    autocomplete_fields = ["user", "county"]
    search_fields = ["user__email", "user__name", "school"]
    show_full_result_count = False


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "course", "start_date", "end_date", "capacity", "status", "join_code"]
    list_select_related = ["county", "course"]
    list_filter = ["status", "delivery", "requires_approval"]
    search_fields = ["name", "join_code", "county__name", "county__code", "course__title"]
    autocomplete_fields = ["county"]
    raw_id_fields = ["course", "created_by"]
    readonly_fields = ["join_code", "created_at"]
    date_hierarchy = "start_date"
    show_full_result_count = False


@admin.register(ClassSession)
class ClassSessionAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "cohort", "place", "topic"]
    list_select_related = ["cohort"]
    raw_id_fields = ["cohort"]
    search_fields = ["cohort__name", "place", "topic"]
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "learner", "status", "recorded_at"]
    list_select_related = ["session", "learner"]
    list_filter = ["status"]
    raw_id_fields = ["session", "learner"]
    search_fields = ["learner__email", "learner__name", "learner__mobile"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A corrected attendance can meet the class minimum, as a roll call does (in the admin's
        # transaction: the completion and the attendance are saved together).
        attendance_changed.send(
            sender=Attendance, cohort_id=obj.session.cohort_id, learner_ids=[obj.learner_id]
        )


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "cohort", "author", "created_at", "emailed_at"]
    list_select_related = ["cohort", "author"]
    raw_id_fields = ["cohort", "author"]
    search_fields = ["title", "cohort__name"]
    readonly_fields = ["emailed_at", "emailed_up_to_learner_id"]
    show_full_result_count = False


@admin.register(PlacementOutcome)
class PlacementOutcomeAdmin(admin.ModelAdmin):
    list_display = ["learner", "county", "course", "outcome", "wage_band", "outcome_date"]
    list_select_related = ["learner", "county", "course"]
    list_filter = ["outcome", "wage_band"]
    raw_id_fields = ["learner", "cohort", "course", "recorded_by"]
    autocomplete_fields = ["county"]
    search_fields = ["learner__name", "learner__email", "employer"]
    show_full_result_count = False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "cohort",
        "status",
        "total_rows",
        "enrolled_count",
        "error_count",
        "created_at",
    ]
    list_select_related = ["cohort"]
    list_filter = ["status"]
    raw_id_fields = ["cohort", "created_by"]
    exclude = ["results"]
    readonly_fields = [
        "status",
        "total_rows",
        "processed_rows",
        "created_count",
        "matched_count",
        "enrolled_count",
        "error_count",
        "error",
        "requeue_count",
    ]
    show_full_result_count = False


@admin.register(InvitationLog)
class InvitationLogAdmin(admin.ModelAdmin):
    """The invitations sent to imported learners: what the per-learner rate limit counts."""

    list_display = ["user", "channel", "sent_at"]
    list_select_related = ["user"]
    list_filter = ["channel"]
    search_fields = ["user__email", "user__mobile", "user__name"]
    raw_id_fields = ["user"]
    date_hierarchy = "sent_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
