from __future__ import annotations

from urllib.parse import urlencode

from allauth.core.exceptions import RateLimited
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import roles


class PreferredLanguageMiddleware:
    """Show a signed-in user the portal in the language saved on their account.

    An explicit choice in this browser (the language cookie, set by the switcher) wins;
    otherwise the account's preference replaces what LocaleMiddleware guessed from the
    browser, so a learner who chose 中文 on one phone gets 中文 on the next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and request.user.is_authenticated:
            language = request.user.preferred_language
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


# Paths a signed-in person who must set up two-factor authentication may still open: the
# account pages (sign-out, the two-factor pages, password), static files, the language switch.
MFA_SETUP_ALLOWED = ("/accounts/", "/i18n/", "/healthz")


class MfaRequiredMiddleware:
    """Send staff and the roles of ``MFA_ROLES`` without two-factor authentication to
    its set-up page before they reach personal data or publishing.

    The roles and whether the user has an authenticator app are role flags read with the
    session's user in its one query (accounts.roles): no query of its own. Switched by
    ``MFA_REQUIRED_FOR_STAFF`` (on in production). allauth's sign-in stage then asks every
    such user for the app's code (or a recovery code) at each sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and user.is_authenticated
            and not request.path.startswith((*MFA_SETUP_ALLOWED, settings.STATIC_URL))
            and mfa_required(user)
            and not roles.flag(user, "has_mfa")
        ):
            messages.warning(
                request,
                _("Your role needs two-factor authentication: set up an authenticator app to go on."),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def mfa_required(user) -> bool:
    """Must ``user`` use two-factor authentication (staff or one of ``MFA_ROLES``)?"""
    return bool(user.is_staff or user.is_superuser) or any(
        roles.flag(user, name) for name in MFA_ROLES if roles.is_registered(name)
    )


# Flags registered by the apps that define the roles (accounts.roles): publishers, the authoring
# studio's editors and publishers (per track), coordinators and officers (counties' personal
# data), employers (their applicants' personal data) and competition judges (entrants' work).
MFA_ROLES = ("is_publisher", "is_studio_member", "is_coordinator", "is_officer", "is_employer", "is_judge")


class RateLimitedMiddleware:
    """A limit of allauth that surfaces as an exception (codes to one number: a second sign-up or
    number change within the minute) answers with the "too many codes" page (429), not an error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return render(request, "account/sms_limited.html", status=429)
        return None


OFFLINE_USER_COOKIE = "tp_offline_user"


class OfflineUserMiddleware:
    """Tell the learner's service worker (templates/learn/sw.js) who is signed in on this phone.

    The worker answers pages from the offline copies of the signed-in user only; it reads this
    cookie (the user's id, not a secret: the cache names carry it too), which is set while a user
    is signed in and removed with the session, so that after signing out nobody's copies are
    served, even when the sign-out page ran no script. The sign-out answer also asks the browser
    to drop its caches (``Clear-Site-Data``): a shared phone keeps nothing of the previous user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        current = request.COOKIES.get(OFFLINE_USER_COOKIE)
        if user is not None and user.is_authenticated:
            if current != str(user.pk):
                response.set_cookie(
                    OFFLINE_USER_COOKIE,
                    str(user.pk),
                    max_age=settings.SESSION_COOKIE_AGE,
                    secure=settings.SESSION_COOKIE_SECURE,
                    samesite="Lax",
                )
        elif current is not None:
            response.delete_cookie(OFFLINE_USER_COOKIE, samesite="Lax")
        if request.method == "POST" and request.path == reverse("account_logout"):
            response["Clear-Site-Data"] = '"cache"'
        return response
