from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import CoordinatorAssignment, County, LearnerProfile, Prefecture, Province, Township


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


@admin.action(description=_("Mark as priority counties"))
def mark_priority(modeladmin, request, queryset):
    queryset.update(is_priority=True)


@admin.action(description=_("Unmark as priority counties"))
def unmark_priority(modeladmin, request, queryset):
    queryset.update(is_priority=False)


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
    list_display = ["user", "county", "school"]
    list_select_related = ["user", "county"]
    autocomplete_fields = ["user", "county"]
    search_fields = ["user__email", "user__name", "school"]
    show_full_result_count = False
