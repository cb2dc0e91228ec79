"""The Redis cache: django-redis, told to ignore a Redis outage.

The cache only ever holds copies (visitors' pages, sessions written through to the database,
county headline numbers) and rate-limit counters, so while Redis is unreachable every call
answers as an empty cache would and the portal keeps working from the database
(``IGNORE_EXCEPTIONS``): ``get`` answers the default, ``set`` and ``delete`` do nothing.

Two answers differ from django-redis's, which are None for every failed call:

- A failed ``add`` answers True, as on an empty cache. allauth's rate limits take a lock with
  ``add`` and refuse the request when they cannot get it, which would turn an outage into "too
  many attempts" for every sign-in, sign-up and password reset; django-ratelimit (the
  certificate verification page, joining a class by code) counts a key it could ``add`` as its
  first hit. Both let the request through, uncounted, until Redis is back.
- A failed ``incr`` or ``decr`` raises ValueError, as on an empty cache (the key is missing), and
  not None, which a caller would compare with its limit. django-ratelimit catches it and, with
  ``RATELIMIT_FAIL_OPEN``, lets the request through.
"""

from __future__ import annotations

from django_redis.cache import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    def add(self, *args, **kwargs) -> bool:
        added = super().add(*args, **kwargs)
        return True if added is None else added  # None: the call failed and was ignored

    def incr(self, key, delta: int = 1, version=None, client=None, ignore_key_check: bool = False) -> int:
        value = super().incr(key, delta, version=version, client=client, ignore_key_check=ignore_key_check)
        if value is None:  # the call failed and was ignored
            if ignore_key_check:
                return delta  # django-redis's "create the key when it is missing", on an empty cache
            raise ValueError(f"Key {key!r} not found")
        return value

    def decr(self, key, delta: int = 1, version=None, client=None) -> int:
        value = super().decr(key, delta, version=version, client=client)
        if value is None:  # the call failed and was ignored
            raise ValueError(f"Key {key!r} not found")
        return value
