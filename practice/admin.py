from django.contrib import admin

from .models import Assignment, ItemSet


@admin.register(ItemSet)
class ItemSetAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "task", "mode", "published"]
    list_filter = ["task", "mode", "published"]
    raw_id_fields = ["course", "lesson"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "published"]
    raw_id_fields = ["course", "lesson"]
