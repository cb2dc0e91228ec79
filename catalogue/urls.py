from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("preview/<slug:slug>/", views.course_preview, name="preview"),
    path("<slug:slug>/", views.course_detail, name="detail"),
]
