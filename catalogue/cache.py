"""The public catalogue pages for visitors (not signed in) come whole from the cache for a
minute: visitors on slow links are most of the catalogue's traffic and all see the same page
(see talentportal.visitorcache). A published, archived or edited course shows within
CACHE_SECONDS; signed-in users always get the page as it is."""

from __future__ import annotations

from talentportal.visitorcache import cache_for_visitors as _cache_for_visitors

CACHE_SECONDS = 60

cache_for_visitors = _cache_for_visitors(CACHE_SECONDS)
