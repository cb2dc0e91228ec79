"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Sessions, rate limits and visitors' pages live in the cache: with one cache per process,
    each gunicorn worker counts its own rate limits and keeps its own copies."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            "The default cache is local to each process.",
            hint="Set REDIS_URL (or CACHE_URL) so that every web process shares one cache: rate limits "
            "are counted per process otherwise.",
            id="talentportal.W001",
        )
    ]
