from django.urls import path

from . import views

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
]
