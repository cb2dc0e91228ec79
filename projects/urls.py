from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.home, name="home"),
    path("counties/<str:code>/", views.county_projects, name="county_projects"),
    path("counties/<str:code>/new/", views.project_create, name="project_create"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/milestones/new/", views.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/mark/", views.milestone_mark, name="milestone_mark"),
    path("<int:pk>/updates/new/", views.update_add, name="update_add"),
    path("updates/<int:pk>/photo/", views.update_photo, name="update_photo"),
    path("<int:pk>/indicators/new/", views.indicator_add, name="indicator_add"),
    path("indicators/<int:pk>/periods/new/", views.period_add, name="period_add"),
    path("<int:pk>/handover/", views.handover, name="handover"),
    path("successors/<int:pk>/remove/", views.successor_remove, name="successor_remove"),
    path("checklist/<int:pk>/mark/", views.checklist_mark, name="checklist_mark"),
    path("terms/<int:pk>/", views.term_report, name="term_report"),
    path("terms/<int:pk>/pdf/", views.term_report_pdf, name="term_report_pdf"),
]
