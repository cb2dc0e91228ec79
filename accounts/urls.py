from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("welcome/<str:uidb36>/<str:token>/", views.welcome, name="welcome"),
]
