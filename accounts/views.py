from __future__ import annotations

from allauth.account import views as allauth_views
from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from talentportal.visitorcache import cache_for_visitors

from .services import user_set_language

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
