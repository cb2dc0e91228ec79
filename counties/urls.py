from django.urls import path

from . import views

app_name = "counties"

urlpatterns = [
    path("pick/", views.county_picker, name="picker"),
    path("search.json", views.county_search, name="search"),
]
