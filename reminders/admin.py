from __future__ import annotations

from django.contrib import admin

from .models import ReminderLog


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
