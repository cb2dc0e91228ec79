"""Whole-page caching with invalidation by stamps.

A page that many requests see unchanged (the catalogue for every visitor, a learner's dashboard
between two of their actions, a roster between two roll calls) is rendered once and then served
from the cache. Each cached page names the *stamps* it depends on, e.g. ``user:42`` or
``cohort:7``; code that changes what a page shows *bumps* those stamps, and every page built on
them is gone at once. A stamp is a random token kept in the cache: bumping deletes it, and the
next reader makes a new one, so a lost or evicted stamp only costs a render, never a stale page.

Rules that keep it correct:

* A reader takes the stamps *before* it reads the database, so a page rendered from data older
  than a bump is always stored under a token that the bump killed.
* ``bump`` deletes the stamps at once and again after the surrounding transaction commits:
  a reader between the two may render the old data, and the second delete throws it away.
* Pages are cached only for GET/HEAD answers of 200 without cookies of their own, never while
  the request carries flash messages. The CSRF token in a form is stored as a placeholder and
  filled in per request, so a cached form posts like a fresh one.
* Cached pages also expire after ``timeout`` seconds (a safety net for what depends on the
  clock, e.g. "classes in the next two weeks"), and every key carries the language and full URL.

Stamp names used across the apps (kept in one place so writers and readers agree):

``catalogue``           published courses, their modules, lessons and quizzes
``user:<user id>``      what one user's own pages show: their account and roles (always part
                        of a ``who="user"`` page), a learner's enrolments, progress,
                        certificates, and their cohorts' classes and announcements
``cohort:<id>``         a cohort's roster and its pages in the coordinator workspace
``county:<code>``       a county's cohorts and numbers on the coordinator home
``certificate:<code>``  a certificate's public verification page
``figures``             the programme figures (bumped by each refresh)
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language

T = TypeVar("T")
STAMP_PREFIX = "stamp:"
PAGE_PREFIX = "page:"
PAGE_SECONDS = 300
# A stamp that expires or is evicted acts as a bump, so stamps need not live for ever: a day
# keeps the stamps of a million users from piling up in Redis.
STAMP_SECONDS = 24 * 60 * 60
CSRF_PLACEHOLDER = b"@@csrf-token@@"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')


# --- Stamps -----------------------------------------------------------------------------


def stamp_tokens(names: Iterable[str]) -> dict[str, str]:
    """The current token of each stamp, making one for a stamp that has none (one round trip
    when they all exist). ``extra`` keys can be read in the same round trip: see stamp_token."""
    keys = {STAMP_PREFIX + name: name for name in names}
    found = cache.get_many(list(keys))
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:  # add, not set: another process may have made it first
            cache.add(key, secrets.token_hex(6), timeout=STAMP_SECONDS)
        found.update(cache.get_many(missing))
    return {name: str(found.get(key) or secrets.token_hex(6)) for key, name in keys.items()}


def stamp_token(names: Iterable[str]) -> str:
    """One token for the current state of all ``names``: it changes when any of them is bumped."""
    tokens = stamp_tokens(names)
    joined = "|".join(tokens[name] for name in names)
    return hashlib.blake2b(joined.encode(), digest_size=10).hexdigest()


def user_value(user_id: int, name: str, compute: Callable[[], T], timeout: int = PAGE_SECONDS) -> T:
    """A value read from one user's rows (their account, their counties), cached until their
    ``user:<id>`` stamp is bumped: one cache round trip when warm. As for pages, the token is
    taken before ``compute`` reads the database."""
    stamp_key = STAMP_PREFIX + f"user:{user_id}"
    value_key = f"user-value:{name}:{user_id}"
    found = cache.get_many([stamp_key, value_key])
    token, entry = found.get(stamp_key), found.get(value_key)
    if token is not None and entry is not None and entry[0] == token:
        return entry[1]
    token = stamp_tokens([f"user:{user_id}"])[f"user:{user_id}"]
    value = compute()
    cache.set(value_key, (token, value), timeout)
    return value


def bump(*names: str) -> None:
    """Invalidate every cached page built on any of ``names``, now and after the commit."""
    keys = [STAMP_PREFIX + name for name in names if name]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def connect_receivers(label: str, receivers: Iterable[tuple[type, Callable]]) -> None:
    """Connect each ``(model, receiver)`` to the model's post_save and post_delete: the rows
    whose change an app's receivers turn into bumps (queryset updates and bulk writes send no
    signals and bump beside the write)."""
    for model, receiver in receivers:
        uid = f"{label}.{receiver.__name__}.{model.__name__}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(receiver, sender=model, dispatch_uid=uid + ".delete")


def user_stamps(user_ids: Iterable[int]) -> list[str]:
    return [f"user:{pk}" for pk in user_ids if pk is not None]


def enrollment_stamps(*, learner_id: int, cohort_id: int | None, county_id: str | None) -> list[str]:
    """What an enrolment's change can alter: the learner's pages, its roster, its county."""
    names = [f"user:{learner_id}"]
    if cohort_id:
        names.append(f"cohort:{cohort_id}")
    if county_id:
        names.append(f"county:{county_id}")
    return names


# --- Pages ------------------------------------------------------------------------------


def has_pending_messages(request: HttpRequest) -> bool:
    if request.COOKIES.get("messages"):  # an emptied cookie ("") holds none
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get("_messages"))


@functools.cache
def _release() -> str:
    """Changes with the deployed stylesheet, so that no cached page of the previous release
    links to a stylesheet that is gone; ``PORTAL_RELEASE`` (e.g. the commit) for anything else."""
    stylesheet = static("css/portal.css")
    return hashlib.blake2b(f"{settings.PORTAL_RELEASE}|{stylesheet}".encode(), digest_size=6).hexdigest()


def _key(request: HttpRequest, view_name: str, stamps: list[str], per_user: bool) -> str:
    user_part = str(request.user.pk) if per_user else "visitor"
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=12).hexdigest()
    parts = [PAGE_PREFIX + view_name, _release(), user_part, get_language() or "", path, stamp_token(stamps)]
    return ":".join(parts)


def _serve(request: HttpRequest, body: bytes) -> HttpResponse:
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    return HttpResponse(body, content_type="text/html; charset=utf-8")


def _store(key: str, response: HttpResponse, timeout: int) -> None:
    if hasattr(response, "render") and not response.is_rendered:
        response.render()  # a TemplateResponse (class-based views): its content is needed now
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    cache.set(key, _CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content), timeout)


def cached_page(
    stamps: Callable[..., Iterable[str]],
    *,
    who: str = "user",
    timeout: int = PAGE_SECONDS,
    daily: bool = False,
):
    """Serve the view's pages from the cache until one of ``stamps(request, *args, **kwargs)``
    is bumped.

    ``who="user"``: signed-in users, one page per user (visitors get the view as is); the
    ``user:<id>`` stamp is always included, so a change to the account or its roles shows.
    ``who="visitor"``: visitors without a session, one page for all of them (signed-in users
    get the view as is, since the navigation shows who they are).
    ``daily``: the page also changes with the date (e.g. "upcoming classes").
    """
    if who not in ("user", "visitor"):
        raise ValueError(who)

    def decorator(view):
        view_name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _applies(request, who):
                return view(request, *args, **kwargs)
            names = list(stamps(request, *args, **kwargs))
            if who == "user":
                names.append(f"user:{request.user.pk}")
            key = _key(request, view_name, names, per_user=who == "user")
            if daily:
                key += ":" + timezone.localdate().isoformat()
            body = cache.get(key)
            if body is not None:
                return _serve(request, body)
            response = view(request, *args, **kwargs)
            if not has_pending_messages(request):
                _store(key, response, timeout)
            return response

        return wrapper

    return decorator


def _applies(request: HttpRequest, who: str) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if who == "visitor":
        return (
            not request.user.is_authenticated
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and ("messages" not in request.COOKIES)
        )
    return request.user.is_authenticated and not has_pending_messages(request)


def no_stamps(request, *args, **kwargs) -> list[str]:
    return []
