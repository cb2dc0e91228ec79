from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Appointment, ResponsePhoto, Survey, SurveyQuestion, SurveyResponse


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


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 1


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "county", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("title",)
    raw_id_fields = ("county",)
    inlines = [SurveyQuestionInline]


class ResponsePhotoInline(admin.TabularInline):
    model = ResponsePhoto
    extra = 0
    readonly_fields = ("question", "image", "width", "height")
    can_delete = False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("organisation_name", "organisation_kind", "survey", "county", "officer", "submitted_at")
    list_filter = ("organisation_kind",)
    search_fields = ("organisation_name",)
    raw_id_fields = ("survey", "officer", "county")
    readonly_fields = ("client_key", "submitted_at", "answers")
    inlines = [ResponsePhotoInline]
