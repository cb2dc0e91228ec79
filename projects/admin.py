from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import dates
from .models import HandoverFlag, HandoverNotice, Project


class ProjectAdminForm(forms.ModelForm):
    """Staff change a project's dates here too: the same rules as the officers' form
    (projects.dates), so no milestone or period is left outside."""

    class Meta:
        model = Project
        fields = [
            "county",
            "title",
            "description",
            "owner",
            "partner_name",
            "partner_kind",
            "start_date",
            "end_date",
            "status",
            "survey_responses",
            "cohorts",
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end:
            try:
                if self.instance.pk:
                    dates.check_date_change(project=self.instance, start=start, end=end)
                else:
                    dates.check_project_dates(start=start, end=end)
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
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
