from django.urls import path

from . import views

app_name = "officers"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("surveys/<int:pk>/respond/", views.survey_respond, name="survey_respond"),
    path("counties/<str:code>/responses/", views.county_responses, name="county_responses"),
    path(
        "counties/<str:code>/responses/export/", views.county_responses_export, name="county_responses_export"
    ),
]
