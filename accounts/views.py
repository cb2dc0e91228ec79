from __future__ import annotations

from allauth.account import views as allauth_views
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from talentportal.visitorcache import cache_for_visitors

from .invitations import invitation_user
from .services import user_mobile_confirm, user_set_language

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
        set_language_cookie(response, language)
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
    return response


def set_language_cookie(response, language: str) -> None:
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


@never_cache
@ratelimit(key="ip", rate="60/m", method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def welcome(request, uidb36: str, token: str):
    """The one-tap link of an SMS invitation (accounts.invitations).

    Opening it (GET) only shows a "Start" button: SMS apps and carriers fetch links to preview
    them, and must not use up the link. Pressing it signs the learner in through allauth (its
    sign-in stages, two-factor authentication included) and confirms the number.
    """
    user = invitation_user(uidb36, token)
    if user is None:
        return render(request, "account/welcome_invalid.html", status=404)
    if request.method == "POST":
        user_mobile_confirm(user=user)
        messages.success(
            request,
            _("Welcome! Next time, sign in with your mobile number and a code sent by SMS."),
        )
        return perform_login(
            request, user, email_verification=EmailVerificationMethod.NONE, redirect_url=reverse("home")
        )
    return render(request, "account/welcome.html", {"invited": user})
