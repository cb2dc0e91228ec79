from django.urls import path

from . import calendar_views, exam_views, offline_views, views

app_name = "learn"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join_code, name="join_code"),
    path("courses/<slug:slug>/", views.player, name="player"),
    path("courses/<slug:slug>/enrol/", views.enrol, name="enrol"),
    path("courses/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path(
        "courses/<slug:slug>/lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"
    ),
    path("courses/<slug:slug>/quizzes/<int:quiz_id>/", views.quiz, name="quiz"),
    path(
        "courses/<slug:slug>/quizzes/<int:quiz_id>/attempts/<int:number>/",
        views.quiz_result,
        name="quiz_result",
    ),
    path("calendar/", calendar_views.class_calendar, name="calendar"),
    path("calendar/link/", calendar_views.calendar_feed_renew, name="calendar_feed_renew"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline_views.manifest, name="manifest"),
    path("courses/<slug:slug>/offline/", offline_views.course_bundle, name="offline_bundle"),
    path("exams/", exam_views.exam_list, name="exams"),
    path("exams/room/", exam_views.exam_room, name="exam_room"),
    path("exams/<int:pk>/", exam_views.exam_page, name="exam"),
    path("exams/<int:pk>/start/", exam_views.exam_start, name="exam_start"),
    path("attempts/<int:pk>/", exam_views.attempt_page, name="attempt"),
    path("attempts/<int:pk>/save/", exam_views.attempt_save, name="attempt_save"),
    path("attempts/<int:pk>/review/", exam_views.attempt_review, name="attempt_review"),
    path("attempts/<int:pk>/submit/", exam_views.attempt_finish, name="attempt_submit"),
    path("attempts/<int:pk>/result/", exam_views.attempt_result, name="attempt_result"),
]
