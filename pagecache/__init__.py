"""The page cache: anonymous readers' pages kept in the shared cache, purged exactly.

Every cached page records the *surrogate keys* of what it shows ("article:12", "front", ...):
views call ``depends_on(request, *keys)``. A change purges keys, not URLs: ``purge(key)``
stamps the key with the current time, and every page rendered before that moment that showed
it is stale from then on, in every process, because the stamps live in the shared cache (Redis,
or the file cache all local processes share). The app knows no model: what a key means, and
which keys a change purges, is its users' business.

Settings: ``NEWSROOM_PAGE_CACHE`` (on/off), ``NEWSROOM_PAGE_CACHE_SECONDS`` (the longest an entry
lives), ``NEWSROOM_PAGE_MIRROR_BYTES`` (the per-process mirror, 0 for none),
``NEWSROOM_CDN_MAX_AGE`` and ``NEWSROOM_CDN_STALE_SECONDS`` (Cache-Control for a CDN), and
``NEWSROOM_PAGE_CACHE_NEXT_CHANGE``: the dotted path of a callable answering, for an aware
datetime, the next moment the clock alone changes what readers see (or None); entries expire
then. Its answer is kept per process until the key ``NEXT_CHANGE_KEY`` is purged, so whatever
changes that answer must purge that key.

Middleware: ``pagecache.middleware.PageCacheMiddleware`` first of all,
``pagecache.middleware.PublicCacheHeadersMiddleware`` below ConditionalGetMiddleware.
"""

from .api import depends_on, depends_on_listing, enabled, purge, tolerant
from .store import NEXT_CHANGE_KEY

__all__ = ["NEXT_CHANGE_KEY", "depends_on", "depends_on_listing", "enabled", "purge", "tolerant"]
