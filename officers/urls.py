from django.urls import path

from . import offline_views, views

app_name = "officers"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("surveys/<int:pk>/respond/", views.survey_respond, name="survey_respond"),
    path("counties/<str:code>/responses/", views.county_responses, name="county_responses"),
    path(
        "counties/<str:code>/responses/export/", views.county_responses_export, name="county_responses_export"
    ),
    path("photos/<int:pk>/", views.response_photo, name="response_photo"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("counties/<str:code>/visits/", views.county_visits, name="county_visits"),
    path("counties/<str:code>/visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("offline/", offline_views.offline_bundle, name="offline_bundle"),
]
