from django.urls import path

from .views import announcements, classes, cohorts, exams, home, imports, placements, roster

app_name = "coordinator"

cohort = "coordinator/cohorts/<int:pk>/"
exam = f"{cohort}exams/<int:exam_pk>/"
room = f"{cohort}exam-rooms/<int:room_pk>/"

urlpatterns = [
    # The coordinator's workspace: every URL below starts with "coordinator/" and has an entry in
    # the authorization matrix test (tests/coordinator/test_authorization.py).
    path("coordinator/", home.coordinator_home, name="coordinator_home"),
    path("coordinator/cohorts/", cohorts.cohort_list, name="cohort_list"),
    path("coordinator/cohorts/new/", cohorts.cohort_create, name="cohort_create"),
    path(cohort, cohorts.cohort_detail, name="cohort_detail"),
    path(f"{cohort}edit/", cohorts.cohort_edit, name="cohort_edit"),
    path(f"{cohort}open/", cohorts.cohort_open, name="cohort_open"),
    path(f"{cohort}join-code/", cohorts.cohort_join_code_regenerate, name="cohort_join_code_regenerate"),
    path(f"{cohort}qr.svg", cohorts.cohort_qr, name="cohort_qr"),
    path(f"{cohort}poster/", cohorts.cohort_poster, name="cohort_poster"),
    path(f"{cohort}roster/", roster.roster, name="roster"),
    path(f"{cohort}roster/bulk/", roster.roster_bulk, name="roster_bulk"),
    path(f"{cohort}certificates/", cohorts.cohort_certificates, name="cohort_certificates"),
    path(
        f"{cohort}certificates/issue/",
        cohorts.cohort_certificates_issue_view,
        name="cohort_certificates_issue",
    ),
    path(f"{cohort}roster.<str:fmt>", roster.roster_export, name="roster_export"),
    path(
        f"{cohort}enrolments/<int:enrollment_pk>/approve/",
        roster.enrollment_approve_view,
        name="enrollment_approve",
    ),
    path(
        f"{cohort}enrolments/<int:enrollment_pk>/decline/",
        roster.enrollment_decline_view,
        name="enrollment_decline",
    ),
    path(
        f"{cohort}enrolments/<int:enrollment_pk>/withdraw/",
        roster.enrollment_withdraw_view,
        name="enrollment_withdraw",
    ),
    path(f"{cohort}import/", imports.import_upload, name="import_upload"),
    path(f"{cohort}import/<int:job_pk>/", imports.import_job, name="import_job"),
    path(f"{cohort}import/<int:job_pk>/commit/", imports.import_commit, name="import_commit"),
    path(f"{cohort}import/<int:job_pk>/report.csv", imports.import_report, name="import_report"),
    path(f"{cohort}sessions/", classes.session_list, name="session_list"),
    path(f"{cohort}sessions/new/", classes.session_create, name="session_create"),
    path(f"{cohort}sessions/<int:session_pk>/roll-call/", classes.roll_call, name="roll_call"),
    path(f"{cohort}announcements/", announcements.announcement_list, name="announcement_list"),
    path(f"{cohort}placements/", placements.placement_list, name="placement_list"),
    path(
        f"{cohort}placements/<int:enrollment_pk>/", placements.placement_record_view, name="placement_record"
    ),
    path(f"{cohort}exams/", exams.cohort_exam_list, name="cohort_exam_list"),
    path(f"{exam}window/", exams.exam_window, name="exam_window"),
    path(f"{exam}marking/", exams.exam_marking, name="exam_marking"),
    path(f"{exam}marking/<int:answer_pk>/", exams.exam_marking_answer, name="exam_marking_answer"),
    path(f"{exam}gradebook/", exams.exam_gradebook, name="exam_gradebook"),
    path(
        f"{cohort}exams/<int:exam_pk>/gradebook.<str:fmt>",
        exams.exam_gradebook_export,
        name="exam_gradebook_export",
    ),
    path(f"{exam}attempts/<int:attempt_pk>/", exams.exam_attempt, name="exam_attempt"),
    path(f"{exam}exceptions/<int:enrollment_pk>/", exams.exam_exception, name="exam_exception"),
    path(f"{cohort}sessions/<int:session_pk>/exam-room/", exams.exam_room_open, name="exam_room_open"),
    path(room, exams.exam_room, name="exam_room"),
    path(f"{room}projector/", exams.exam_room_projector, name="exam_room_projector"),
    path(f"{room}pause/", exams.exam_room_pause, name="exam_room_pause"),
    path(f"{room}resume/", exams.exam_room_resume, name="exam_room_resume"),
    path(f"{room}close/", exams.exam_room_close, name="exam_room_close"),
    path(f"{room}attempts/<int:attempt_pk>/release/", exams.exam_room_release, name="exam_room_release"),
    path(f"{room}paper/<int:enrollment_pk>/", exams.exam_room_paper, name="exam_room_paper"),
    path(
        "coordinator/counties/<str:code>/placements/", placements.county_placements, name="county_placements"
    ),
    path(
        "coordinator/counties/<str:code>/placements.<str:fmt>",
        placements.county_placements_export,
        name="county_placements_export",
    ),
]
