from django.urls import path

from . import views

app_name = "exams"

urlpatterns = [
    path("banks/template.xlsx", views.template_download, name="template"),
    path("banks/<int:pk>/import/", views.bank_upload, name="bank_upload"),
    path("banks/<int:pk>/import/<int:import_pk>/", views.import_report, name="import_report"),
    path("banks/<int:pk>/import/<int:import_pk>/commit/", views.import_commit, name="import_commit"),
    path("banks/<int:pk>/export.xlsx", views.bank_download, name="bank_export"),
]
