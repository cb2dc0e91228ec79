from django.urls import path

from . import views

app_name = "exams"

urlpatterns = [
    path("", views.exam_list, name="exam_list"),
    path("<int:pk>/release/", views.exam_results_release, name="results_release"),
    path("<int:pk>/analysis/", views.exam_analysis, name="analysis"),
    path("<int:pk>/analysis.csv", views.exam_analysis_export, name="analysis_export"),
    path("banks/<int:pk>/analysis/", views.bank_analysis, name="bank_analysis"),
    path("banks/<int:pk>/analysis.csv", views.bank_analysis_export, name="bank_analysis_export"),
    path("banks/template.xlsx", views.template_download, name="template"),
    path("banks/<int:pk>/import/", views.bank_upload, name="bank_upload"),
    path("banks/<int:pk>/import/<int:import_pk>/", views.import_report, name="import_report"),
    path("banks/<int:pk>/import/<int:import_pk>/commit/", views.import_commit, name="import_commit"),
    path("banks/<int:pk>/export.xlsx", views.bank_download, name="bank_export"),
]
