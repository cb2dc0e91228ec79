from django.contrib import admin

from .models import Employer, EmployerMember, JobFair, JobPost


class EmployerMemberInline(admin.TabularInline):
    model = EmployerMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "county", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["county", "created_by", "reviewed_by"]
    inlines = [EmployerMemberInline]


@admin.register(JobPost)
class JobPostAdmin(admin.ModelAdmin):
    list_display = ["title", "employer", "status", "deadline"]
    list_filter = ["status", "hours", "is_remote"]
    search_fields = ["title", "employer__name"]
    raw_id_fields = ["employer", "county", "created_by"]


@admin.register(JobFair)
class JobFairAdmin(admin.ModelAdmin):
    list_display = ["title", "county", "date"]
    raw_id_fields = ["county", "organised_by"]
    filter_horizontal = ["employers", "posts"]
