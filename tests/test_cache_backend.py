"""The Redis cache backend (talentportal.cache) while Redis is unreachable: it only holds copies
and counters, so every call answers as an empty cache would."""

from __future__ import annotations

from talentportal.cache import RedisCache


def test_an_unreachable_redis_answers_as_an_empty_cache():
    down = RedisCache(
        "redis://127.0.0.1:9/0",
        {"OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}},
    )
    assert down.get("page", "missing") == "missing"
    assert down.get_many(["a", "b"]) == {}
    # As on an empty cache: allauth's rate-limit lock is taken, so sign-ins are not refused.
    assert down.add("a", 1) is True
    down.set("a", 1)
    down.delete_many(["a", "b"])
