from __future__ import annotations

import json

from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from counties.models import LearnerProfile
from talentportal.visitorcache import cache_for_visitors

from .forms import DeleteAccountForm, ProfileForm
from .models import User
from .services import user_data_export, user_delete_account, user_profile_update, user_set_language

# The sign-in and sign-up forms change only with a deploy (whose pages the release key drops).
ENTRANCE_CACHE_SECONDS = 10 * 60


# allauth's sign-in and sign-up pages are the same for every visitor without a session (the
# CSRF token is filled in per request and ``?next=`` is part of the URL key), so their GETs are
# served from the cache. Posts, signed-in users (redirected) and requests with a session or
# messages go to allauth's views as they are, with its rate limits.
@never_cache
@cache_for_visitors(ENTRANCE_CACHE_SECONDS)
def login_page(request):
    return allauth_views.login(request)


@never_cache
@cache_for_visitors(ENTRANCE_CACHE_SECONDS)
def signup_page(request):
    return allauth_views.signup(request)


@require_http_methods(["GET", "HEAD", "POST"])
def set_language(request):
    """Switch the language: sets the language cookie, saves it on a signed-in user's account and
    returns to ``next``.

    A plain link (GET) as well as a form: pages then carry no CSRF token for it, so pages for
    visitors can be cached whole. A forged switch only changes the display language.
    """
    data = request.POST if request.method == "POST" else request.GET
    language = data.get("language", "")
    next_url = data.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        _set_language_cookie(response, language)
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
    return response


def _set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """Edit name, mobile, county and school, language and reminder preferences."""
    # A copy: an invalid form must not leave its values on request.user (the page's header).
    user = User.objects.get(pk=request.user.pk)
    learner_profile = LearnerProfile.objects.filter(user=user).select_related("county").first()
    form = ProfileForm(
        request.POST if request.method == "POST" else None, instance=user, profile=learner_profile
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            user_profile_update(
                user=user,
                name=data["name"],
                mobile=data["mobile"],
                preferred_language=data["preferred_language"],
                remind_by_email=data["remind_by_email"],
                remind_by_sms=data["remind_by_sms"],
                county=data["county"],
                school=data["school"],
            )
        except IntegrityError:
            form.add_error("mobile", ProfileForm._meta.error_messages["mobile"]["unique"])
        else:
            translation.activate(user.preferred_language)
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            _set_language_cookie(response, user.preferred_language)
            return response
    return render(request, "accounts/profile.html", {"form": form, "learner_profile": learner_profile})


@login_required
@require_GET
def data_export(request):
    """All my data as a JSON download."""
    document = user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="talent-portal-my-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    """Confirm with the password, then remove the personal data and log out."""
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        user_delete_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Your personal data has been removed."))
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})
