from django.contrib import admin

from .models import HandoverFlag, HandoverNotice, Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "county", "owner", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["title", "partner_name", "county__name"]
    raw_id_fields = ["county", "owner", "survey_responses", "cohorts"]


class HandoverNoticeInline(admin.TabularInline):
    model = HandoverNotice
    extra = 0
    raw_id_fields = ["recipient"]
    readonly_fields = ["recipient", "address", "channel", "claimed_at", "sent_at"]
    can_delete = False


@admin.register(HandoverFlag)
class HandoverFlagAdmin(admin.ModelAdmin):
    list_display = ["project", "term_ends_on", "without_successor", "open_items", "flagged_at", "notified_at"]
    raw_id_fields = ["project", "appointment"]
    readonly_fields = ["flagged_at", "notified_at"]
    inlines = [HandoverNoticeInline]
