"""The Redis cache: django-redis, told to ignore a Redis outage.

The cache only ever holds copies (visitors' pages, sessions written through to the database,
county headline numbers) and rate-limit counters, so while Redis is unreachable every call
answers as an empty cache would and the portal keeps working from the database
(``IGNORE_EXCEPTIONS``). One difference from django-redis: a failed ``add`` answers True, as it
would on an empty cache, not None. allauth's rate limits take a lock with ``add`` and refuse the
request when they cannot get it, which would turn an outage into "too many attempts" for every
sign-in; with this they let it through, uncounted, until Redis is back.
"""

from __future__ import annotations

from django_redis.cache import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    def add(self, *args, **kwargs) -> bool:
        added = super().add(*args, **kwargs)
        return True if added is None else added  # None: the call failed and was ignored
