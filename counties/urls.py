from django.urls import path

from . import views

app_name = "counties"

cohort = "coordinator/cohorts/<int:pk>/"

urlpatterns = [
    path("pick/", views.county_picker, name="picker"),
    path("search.json", views.county_search, name="search"),
    # The coordinator's workspace: every URL below starts with "coordinator/" and has an entry in
    # the authorization matrix test (tests/counties/test_authorization.py).
    path("coordinator/", views.coordinator_home, name="coordinator_home"),
    path("coordinator/cohorts/", views.cohort_list, name="cohort_list"),
    path("coordinator/cohorts/new/", views.cohort_create, name="cohort_create"),
    path(cohort, views.cohort_detail, name="cohort_detail"),
    path(f"{cohort}edit/", views.cohort_edit, name="cohort_edit"),
    path(f"{cohort}join-code/", views.cohort_join_code_regenerate, name="cohort_join_code_regenerate"),
    path(f"{cohort}qr.svg", views.cohort_qr, name="cohort_qr"),
    path(f"{cohort}poster/", views.cohort_poster, name="cohort_poster"),
    path(f"{cohort}roster/", views.roster, name="roster"),
    path(f"{cohort}certificates/", views.cohort_certificates, name="cohort_certificates"),
    path(
        f"{cohort}certificates/issue/", views.cohort_certificates_issue_view, name="cohort_certificates_issue"
    ),
    path(f"{cohort}roster.<str:fmt>", views.roster_export, name="roster_export"),
    path(
        f"{cohort}enrolments/<int:enrollment_pk>/approve/",
        views.enrollment_approve_view,
        name="enrollment_approve",
    ),
    path(
        f"{cohort}enrolments/<int:enrollment_pk>/decline/",
        views.enrollment_decline_view,
        name="enrollment_decline",
    ),
    path(
        f"{cohort}enrolments/<int:enrollment_pk>/withdraw/",
        views.enrollment_withdraw_view,
        name="enrollment_withdraw",
    ),
    path(f"{cohort}import/", views.import_upload, name="import_upload"),
    path(f"{cohort}import/<int:job_pk>/", views.import_job, name="import_job"),
    path(f"{cohort}import/<int:job_pk>/commit/", views.import_commit, name="import_commit"),
    path(f"{cohort}import/<int:job_pk>/report.csv", views.import_report, name="import_report"),
    path(f"{cohort}sessions/", views.session_list, name="session_list"),
    path(f"{cohort}sessions/new/", views.session_create, name="session_create"),
    path(f"{cohort}sessions/<int:session_pk>/roll-call/", views.roll_call, name="roll_call"),
    path(f"{cohort}announcements/", views.announcement_list, name="announcement_list"),
    path(f"{cohort}placements/", views.placement_list, name="placement_list"),
    path(f"{cohort}placements/<int:enrollment_pk>/", views.placement_record_view, name="placement_record"),
    path("coordinator/counties/<str:code>/placements/", views.county_placements, name="county_placements"),
    path(
        "coordinator/counties/<str:code>/placements.<str:fmt>",
        views.county_placements_export,
        name="county_placements_export",
    ),
]
