"""Authentication backends that read the signed-in user from the cache.

Every signed-in request loads its user; on pages served from the page cache that query was
most of the remaining work. The user row is cached beside the token of its ``user:<id>`` stamp
(talentportal.pagecache), which every save of the account bumps (accounts.receivers): a
password change, a deactivation or any other edit makes the cached copy unusable at once, so
the session checks Django makes against the user (password hash, ``is_active``) see the row as
it is in the database. The token is read before the row, as for cached pages.
"""

from __future__ import annotations

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.core.cache import cache

from talentportal import pagecache

USER_SECONDS = pagecache.PAGE_SECONDS


class CachedUserMixin:
    def get_user(self, user_id):
        stamp_key = pagecache.STAMP_PREFIX + f"user:{user_id}"
        user_key = f"auth-user:{user_id}"
        found = cache.get_many([stamp_key, user_key])
        token, entry = found.get(stamp_key), found.get(user_key)
        if token is not None and entry is not None and entry[0] == token:
            user = entry[1]
            return user if self.user_can_authenticate(user) else None
        token = pagecache.stamp_tokens([f"user:{user_id}"])[f"user:{user_id}"]
        user = super().get_user(user_id)
        if user is not None:
            cache.set(user_key, (token, user), USER_SECONDS)
        return user


class ModelBackend(CachedUserMixin, django_backends.ModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, allauth_backends.AuthenticationBackend):
    pass
