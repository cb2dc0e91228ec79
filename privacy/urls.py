from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("data.json", views.data_export, name="data_export"),
    path("delete/", views.delete_account, name="delete"),
]
