from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Appointment, ResponsePhoto, Survey, SurveyQuestion, SurveyResponse, Visit


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("user", "county", "home_organisation", "term_start", "term_end", "ended_on")
    list_filter = ("term_end", "ended_on")
    search_fields = ("user__name", "user__email", "county__name", "home_organisation")
    raw_id_fields = ("user", "county")
    readonly_fields = ("appointed_by", "created_at")
    actions = ["end_today"]

    def save_model(self, request, obj, form, change):
        if not change and obj.appointed_by_id is None:
            obj.appointed_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("End the selected appointments today"))
    def end_today(self, request, queryset):
        ended = services.appointments_end(appointments=list(queryset))
        self.message_user(
            request,
            ngettext("%(count)d appointment ended.", "%(count)d appointments ended.", ended)
            % {"count": ended},
            messages.SUCCESS,
        )


def _has_responses(survey: Survey | None) -> bool:
    return survey is not None and survey.pk is not None and survey.responses.exists()


class SurveyQuestionInline(admin.TabularInline):
    """A survey's questions; read only once it has a response (the answers refer to them):
    such a survey can be deactivated, not have its questions changed (services.SurveyLocked)."""

    model = SurveyQuestion
    extra = 1

    def has_add_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_delete_permission(request, obj)


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "county", "is_active", "created_by", "created_at")
    list_filter = ("is_active",)
    search_fields = ("title",)
    raw_id_fields = ("county", "created_by")
    readonly_fields = ("created_by",)
    inlines = [SurveyQuestionInline]

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        survey = self.get_object(request, object_id)
        if request.method == "GET" and _has_responses(survey):
            self.message_user(request, services.SurveyLocked().message, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)


class ResponsePhotoInline(admin.TabularInline):
    model = ResponsePhoto
    extra = 0
    fields = ("question", "photo", "width", "height")
    readonly_fields = ("question", "photo", "width", "height")
    can_delete = False

    @admin.display(description=_("photo"))
    def photo(self, obj):
        # Through the access-checked view: the media URL would serve the file to anyone.
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("officers:response_photo", args=[obj.pk]), _("Open")
        )


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("organisation_name", "organisation_kind", "survey", "county", "officer", "submitted_at")
    list_filter = ("organisation_kind",)
    search_fields = ("organisation_name",)
    raw_id_fields = ("survey", "officer", "county")
    readonly_fields = ("client_key", "submitted_at", "answers")
    inlines = [ResponsePhotoInline]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("county", "visited_on", "officer", "township", "village", "minutes_spent")
    list_filter = ("visited_on",)
    search_fields = ("village", "organisations_met", "officer__name")
    raw_id_fields = ("officer", "county", "township", "responses")
    readonly_fields = ("created_at",)
