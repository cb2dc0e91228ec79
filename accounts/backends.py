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

from talentportal import pagecache


class CachedUserMixin:
    def get_user(self, user_id):
        user = pagecache.user_value(user_id, "auth", lambda: super(CachedUserMixin, self).get_user(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CachedUserMixin, django_backends.ModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, allauth_backends.AuthenticationBackend):
    pass
