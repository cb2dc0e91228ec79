from django.urls import path

from . import certificate_views

app_name = "certificates"

urlpatterns = [
    path("verify/", certificate_views.verify_form, name="verify_form"),
    path("verify/<str:code>/", certificate_views.verify, name="verify"),
    path("<str:code>/pdf/", certificate_views.download, name="download"),
]
