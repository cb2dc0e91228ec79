"""Whole-page cache of the public catalogue pages for visitors (not signed in).

Visitors on slow links are most of the catalogue's traffic and all see the same page, so it is
rendered once per language and URL. A version number in the cache key is bumped whenever a
course is published, archived or its lessons change; other edits show within CACHE_SECONDS.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

VERSION_KEY = "courses:catalogue-version"
CACHE_SECONDS = 60


def catalogue_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def catalogue_changed(**_kwargs) -> None:
    """Invalidate every cached catalogue page (a receiver of courses.signals.curriculum_changed)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def _cacheable(request) -> bool:
    # A visitor with a session or pending messages may see something personal on the page.
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cache_for_visitors(view):
    """Serve ``view``'s 200 responses to visitors from the cache, per language and full URL."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = f"courses:page:{catalogue_version()}:{get_language()}:{request.get_full_path()}"
        cached = cache.get(key)
        if cached is not None:
            return HttpResponse(cached, content_type="text/html; charset=utf-8")
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, response.content, CACHE_SECONDS)
        return response

    return wrapper
