from django.urls import path

from . import views

app_name = "figures"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("export/<str:table>.<str:fmt>", views.export, name="export"),
]
