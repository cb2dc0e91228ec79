from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "mobile", "name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "gender", "preferred_language"]
    search_fields = ["email", "mobile", "name"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["email", "mobile", "password"]}),
        (_("Personal info"), {"fields": ["name", "gender", "birth_year", "preferred_language"]}),
        (_("Reminders"), {"fields": ["remind_by_email", "remind_by_sms"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined", "privacy_consent_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]
