from django.urls import path

from . import views

app_name = "competitions"
urlpatterns = [
    path("", views.competition_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.competition_detail, name="detail"),
    path("<int:pk>/register/", views.register, name="register"),
    path("entries/<int:pk>/invite/", views.invite, name="invite"),
    path("entries/<int:pk>/captain/", views.captain_take_over, name="captain_take_over"),
    path("invitations/<int:pk>/", views.invitation_answer, name="invitation_answer"),
    path("invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("rounds/<int:pk>/scoreboard/", views.scoreboard, name="scoreboard"),
    path("rounds/<int:pk>/task/start/", views.round_task_start, name="round_task_start"),
    path("rounds/<int:pk>/scoreboard.json", views.scoreboard_json, name="scoreboard_json"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.manage_create, name="manage_create"),
    path("manage/<int:pk>/", views.manage_competition, name="manage_competition"),
    path("manage/<int:pk>/rounds/new/", views.round_create, name="round_create"),
    path("manage/rounds/<int:pk>/", views.manage_round, name="manage_round"),
    path("manage/rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("manage/rounds/<int:pk>/compute/", views.round_compute, name="round_compute"),
    path("manage/rounds/<int:pk>/advance/", views.round_advance, name="round_advance"),
    path("manage/rounds/<int:pk>/reveal/", views.round_reveal, name="round_reveal"),
    path("manage/rounds/<int:pk>/adjust/", views.round_adjust, name="round_adjust"),
    path("rounds/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("manage/appeals/<int:pk>/", views.appeal_resolve, name="appeal_resolve"),
    path("manage/rounds/<int:pk>/judges/", views.round_judge_add, name="round_judge_add"),
    path(
        "manage/rounds/<int:pk>/judges/<int:judge_id>/remove/",
        views.round_judge_remove,
        name="round_judge_remove",
    ),
    path("manage/rounds/<int:pk>/judging/", views.round_judging_assign, name="round_judging_assign"),
    path("manage/rounds/<int:pk>/awards/", views.round_awards, name="round_awards"),
    path("awards/<str:code>/", views.award_verify, name="award_verify"),
    path("awards/<str:code>/pdf/", views.award_download, name="award_download"),
    path("judging/", views.judge_queue, name="judge_queue"),
    path("judging/<int:pk>/", views.judge_mark, name="judge_mark"),
]
