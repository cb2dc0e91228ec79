"""The officer's pages offline: the service worker (/officers/sw.js, scope /officers/) and the
list of addresses a phone keeps so that the survey pages open with no signal, from a cold start.

What is kept (static/js/officers-offline.js, when the officer presses "Keep for offline"): the
workspace (the surveys to fill in), the fill-in page of each survey open to them, the visit form
of each of their counties, and the portal's files those pages need. The copies are kept per user
(caches named ``officers-<user id>-…``) and the worker answers only the signed-in user's copies:
a shared phone never shows one officer's pages to another. A response filled in offline is kept
on the phone and sent later by static/js/officers-survey.js, as online.

Only an officer (a current appointment) gets the worker and the list: staff, who see every
county, would have the whole country to keep.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.middleware import OFFLINE_USER_COOKIE

from . import selectors

# The portal's own files the kept pages need.
STATIC_FILES = ("css/portal.css", "css/officers.css", "js/officers-survey.js", "js/officers-offline.js")
# The prefix of the caches holding one officer's copies; the worker reads only the signed-in
# user's. Shared with templates/officers/sw.js and static/js/officers-offline.js.
CACHE_PREFIX = "officers-"


def _officer_only(request) -> None:
    if not roles.flag(request.user, "is_officer"):
        raise Http404


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def service_worker(request):
    """The officers' service worker, served under /officers/ so that its scope is the officers'
    pages (no ``Service-Worker-Allowed`` needed). Never taken from the browser's HTTP cache: a
    new version reaches phones on their next visit."""
    _officer_only(request)
    context = {
        "static_prefix": settings.STATIC_URL,
        "user_cookie": OFFLINE_USER_COOKIE,
        "cache_prefix": CACHE_PREFIX,
    }
    return render(request, "officers/sw.js", context, content_type="text/javascript; charset=utf-8")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def offline_bundle(request):
    """The addresses a phone keeps for the officer's survey pages to open offline (JSON), and
    the name of the cache (the user's id in it). Only the officer's own: the surveys open to
    them and their counties' visit forms (2 queries)."""
    _officer_only(request)
    counties = list(
        selectors.current_appointments(request.user).values_list("county_id", flat=True).distinct()
    )
    surveys = selectors.surveys_for(request.user).order_by("pk").values_list("pk", flat=True)
    urls = [reverse("officers:workspace")]
    urls += [reverse("officers:survey_respond", args=[pk]) for pk in surveys]
    urls += [reverse("officers:visit_create", args=[code]) for code in sorted(set(counties))]
    urls += [static(name) for name in STATIC_FILES]
    return JsonResponse({"prefix": f"{CACHE_PREFIX}{request.user.pk}-", "urls": urls})
