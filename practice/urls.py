from django.urls import path

from . import views

app_name = "practice"
urlpatterns = [
    path("sets/<int:pk>/", views.item_set_detail, name="item_set"),
    path("sets/<int:pk>/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("runs/<int:pk>/result/", views.run_result, name="run_result"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("photos/<int:pk>/", views.submission_image, name="submission_image"),
    path("cohorts/<int:pk>/results/", views.cohort_results, name="cohort_results"),
    path("cohorts/<int:pk>/marking/", views.marking_queue, name="marking_queue"),
    path("cohorts/<int:pk>/submissions/<int:submission_pk>/", views.submission_mark, name="submission_mark"),
    path("studio/", views.studio, name="studio"),
    path("studio/new/", views.studio_create, name="studio_create"),
    path("studio/<int:pk>/", views.studio_set, name="studio_set"),
    path("studio/assignments/", views.studio_assignments, name="studio_assignments"),
    path("studio/assignments/new/", views.studio_assignment, name="studio_assignment_create"),
    path("studio/assignments/<int:pk>/", views.studio_assignment, name="studio_assignment"),
]
