"""Whole pages for visitors: the pages that are the same for everyone who is not signed in.

Visitors on slow links are most of the catalogue's traffic and all see the same catalogue,
course pages, sign-in and sign-up forms, so such a page is rendered once per language and URL
and served from the cache for ``timeout`` seconds. Nothing invalidates it: a change shows
when the page expires, which is why only pages that may lag a minute behind are cached here.

Signed-in pages are never cached whole: they are built from a few indexed queries each time
(see ../shared/DESIGN.md, "Speed comes from cheap pages").

* Only GET/HEAD answers of 200 with HTML and no cookies of their own are stored, and only for
  requests with neither a session cookie nor flash messages.
* The CSRF token in a form is stored as a placeholder and filled in per request, so a cached
  form posts like a fresh one.
* Keys carry the view, the language, the full URL and the release (the hashed stylesheet and
  ``PORTAL_RELEASE``), so no page of the previous release outlives a deploy.
"""

from __future__ import annotations

import functools
import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.utils.translation import get_language

PREFIX = "visitor-page:"
CSRF_PLACEHOLDER = b"@@csrf-token@@"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')


@functools.cache
def _release() -> str:
    stylesheet = static("css/portal.css")
    return hashlib.blake2b(f"{settings.PORTAL_RELEASE}|{stylesheet}".encode(), digest_size=6).hexdigest()


def _key(request: HttpRequest, view_name: str) -> str:
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=12).hexdigest()
    return ":".join([PREFIX + view_name, _release(), get_language() or "", path])


def _is_visitor(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.COOKIES.get("messages")
    )


def _store(key: str, response: HttpResponse, timeout: int) -> None:
    if hasattr(response, "render") and not response.is_rendered:
        response.render()  # a TemplateResponse: its content is needed now
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    cache.set(key, _CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content), timeout)


def cache_for_visitors(timeout: int):
    """Serve the view's page to visitors from the cache for ``timeout`` seconds; signed-in users
    (whose navigation shows who they are) and posts get the view as it is."""

    def decorator(view):
        view_name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _is_visitor(request):
                return view(request, *args, **kwargs)
            key = _key(request, view_name)
            body = cache.get(key)
            if body is not None:
                if CSRF_PLACEHOLDER in body:
                    body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode())
                return HttpResponse(body, content_type="text/html; charset=utf-8")
            response = view(request, *args, **kwargs)
            _store(key, response, timeout)
            return response

        return wrapper

    return decorator
