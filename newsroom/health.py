"""GET /healthz for a load balancer: is the database reachable, is the cache?"""

import logging
import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

log = logging.getLogger(__name__)


def _check(probe) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        probe()
    except Exception:  # Whatever the backend raises when it is down.
        log.warning("Health check failed: %s", getattr(probe, "__name__", probe), exc_info=True)
        return "unavailable", time.perf_counter() - started
    return "ok", time.perf_counter() - started


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache():
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


@never_cache
def healthz(request):
    """200 when readers can be served (the database answers); the cache is reported but not
    required, since pages are rendered fresh without it. 503 when the database is down."""
    database, db_seconds = _check(_database)
    cache_state, cache_seconds = _check(_cache)
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 and cache_state == "ok" else "degraded",
            "database": database,
            "cache": cache_state,
            "database_ms": round(db_seconds * 1000, 2),
            "cache_ms": round(cache_seconds * 1000, 2),
        },
        status=status,
    )
