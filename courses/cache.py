"""Whole-page cache of the public catalogue pages for visitors (not signed in).

Visitors on slow links are most of the catalogue's traffic and all see the same page, so it is
rendered once per language and URL (see talentportal.pagecache). The ``catalogue`` stamp is
bumped whenever a course is published, archived or edited, or its lessons change; anything
else shows within CACHE_SECONDS.
"""

from __future__ import annotations

from talentportal import pagecache

CACHE_SECONDS = 60


def catalogue_changed(**_kwargs) -> None:
    """Invalidate every cached page built on the catalogue (courses.receivers calls it)."""
    pagecache.bump("catalogue")


def catalogue_stamps(request, *args, **kwargs) -> list[str]:
    return ["catalogue"]


cache_for_visitors = pagecache.cached_page(catalogue_stamps, who="visitor", timeout=CACHE_SECONDS)
