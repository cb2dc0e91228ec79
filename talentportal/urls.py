from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import login_page, set_language, signup_page

from . import views

# Staff sign in through allauth (rate limits, one login page) rather than the admin's own form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = settings.PROGRAMME_NAME

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    # Before allauth's own patterns: the same pages, served from the cache to visitors.
    path("accounts/login/", login_page, name="account_login"),
    path("accounts/signup/", signup_page, name="account_signup"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("counties/", include("counties.urls")),
    path("counties/", include("coordinator.urls")),
    path("courses/", include("catalogue.urls")),
    path("learn/", include("learn.urls")),
    path("me/", include("privacy.urls")),
    path("certificates/", include("certificates.urls")),
    path("reminders/", include("reminders.urls")),
    path("figures/", include("figures.urls")),
    path("exams/", include("exams.urls")),
    path("practice/", include("practice.urls")),
    path("jobs/", include("jobs.urls")),
    path("officers/", include("officers.urls")),
    path("projects/", include("projects.urls")),
    path("competitions/", include("competitions.urls")),
    path("studio/", include("studio.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_BASELINE:
    urlpatterns.append(path("bench/baseline/", views.baseline, name="bench_baseline"))
