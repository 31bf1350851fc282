"""What views, feeds and the code that changes content call: declare what a page shows, purge
what changed, and keep serving when the cache is down."""

import logging
import time
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.utils.module_loading import import_string

from .redis_store import store

log = logging.getLogger("pagecache")


def enabled() -> bool:
    return getattr(settings, "NEWSROOM_PAGE_CACHE", False)


# --- What a page shows -----------------------------------------------------------------------


def depends_on(request, *keys):
    """Declare that this response shows what ``keys`` name (views call it)."""
    if not hasattr(request, "_cache_keys"):
        request._cache_keys = set()
    request._cache_keys.update(k for k in keys if k)


def depends_on_listing(request, key):
    """A listing page: its own key, and the key every listing shares ("listings"). A change to
    one item purges the listings it is on by their own keys; a rarer change seen on every item
    (a name shown on every card) purges ``listings`` as a whole. Few keys per page keep a cache
    hit cheap."""
    depends_on(request, key, "listings")


# --- Purging ---------------------------------------------------------------------------------


def purge(*keys):
    """Make every cached page that shows any of ``keys`` stale in every cache tier: the page
    cache in every process, and every HTTP cache in front (pagecache/tiers.py).

    The purge is recorded in the database in the caller's transaction (pagecache/outbox.py) and
    sent when it commits (at once outside a transaction): a reader must not re-cache the old
    version in between, and a change rolled back purges nothing. A tier that does not confirm
    keeps its row, retried by the worker until it does.
    """
    from .outbox import record  # The model: not at import time (apps load this module).

    record(keys)


# --- When the clock alone changes a page ---------------------------------------------------
#
# NEWSROOM_PAGE_CACHE_NEXT_CHANGE names a callable: given an aware datetime, the next moment
# after it at which the clock alone changes what readers see (a scheduled publication), or None.
# An entry expires then. Asking it on every store would cost its queries on every miss, so each
# process keeps the answer for as long as the stamp of NEXT_CHANGE_KEY ("next-change") has not
# moved and the moment is still ahead: whatever changes the hook's answer must purge that key.
# The lookup reads that stamp in the same round trip as the page, so this costs nothing.

_next_change = {"for": None, "at": None}


def next_change(now: int, stamp) -> int | None:
    """The hook's answer in µs, counted from ``now`` (µs, the store's clock), when the
    NEXT_CHANGE_KEY stamp is ``stamp``."""
    path = getattr(settings, "NEWSROOM_PAGE_CACHE_NEXT_CHANGE", None)
    if not path:
        return None
    remembered = _next_change
    source = (id(store()), path, stamp)
    if remembered["for"] == source and (remembered["at"] is None or remembered["at"] > now):
        return remembered["at"]
    moment = import_string(path)(datetime.fromtimestamp(now / 1_000_000, tz=UTC))
    at = int(moment.timestamp() * 1_000_000) if moment else None
    # Kept only when the stamp was read before the hook ran (a purge after it moves the stamp).
    if stamp is not None:
        remembered.update({"for": source, "at": at})
    return at


def forget_next_change():
    _next_change.update({"for": None, "at": None})


# --- A cache that is down -------------------------------------------------------------------
#
# While the cache is down every request fails to reach it: the full traceback is logged at
# most once a minute per process, with the count of failures since the last one.
_OUTAGE_LOG_INTERVAL = 60.0
_outage = {"logged_at": None, "since": 0}


def _log_outage(name):
    now = time.monotonic()
    last = _outage["logged_at"]
    if last is not None and now - last < _OUTAGE_LOG_INTERVAL:
        _outage["since"] += 1
        return
    more = f" ({_outage['since']} more failures since the last report)" if _outage["since"] else ""
    log.warning("Cache unavailable in %s; serving without it%s", name, more, exc_info=True)
    _outage["logged_at"], _outage["since"] = now, 0


def tolerant(default=None):
    """A cache that is down (Redis restarting) must not take the site down: readers get pages
    rendered fresh, and the logs say why (once a minute, not once a request)."""

    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception:  # Any backend's connection error.
                _log_outage(getattr(func, "__name__", repr(func)))
                return default

        return wrapper

    return decorate
