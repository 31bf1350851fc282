"""Read replicas: reader pages read from a PostgreSQL streaming replica, everything else from
the primary.

Which requests may read from a replica (``ReplicaReadsMiddleware``): an anonymous GET or HEAD
(no session cookie: signed-in staff always read from the primary, so an editor who just saved
sees what they saved) to a path outside ``NEWSROOM_PRIMARY_PATHS`` (the admin, shared previews,
``/healthz``), from a browser that has not written in the last ``DB_REPLICA_PIN_SECONDS``
(every response to a POST, PUT, PATCH or DELETE sets a short-lived cookie that pins the
browser to the primary: read your own writes for anyone, signed in or not). The middleware
marks such a request in a context variable; ``ReplicaRouter`` reads it. Outside a request (the
worker, management commands, the shell) there is no mark and every query goes to the primary;
writes always do, and so does every read inside a transaction.

The replica is chosen on the request's first read, once per request, and only if:

- it is not marked down: a replica that failed (could not connect, or a query on it failed) is
  left alone for ``DB_REPLICA_RETRY_SECONDS`` by this process, and the request falls back to
  the primary. A failure in the middle of a request (after the replica was chosen) makes the
  middleware answer the request again from the primary, so readers never see a 500 for it;
- it has replayed the WAL of the latest purge. A purge (a public change) records the primary's
  WAL position after the change committed (``record_purge_lsn``, called before the caches are
  told), in the cache every process shares. A page rendered from a replica that is behind that
  position would show the old content *after* the purge, and the page cache (and any HTTP cache
  in front) would keep it as fresh. Such a request reads from the primary instead.

The cost on the hot path: a cached page runs no SQL and never gets here. A miss reads the
purge position from the cache (one GET); it asks the replica where it is
(``pg_last_wal_replay_lsn()``, microseconds) only when the last answer this process got from
that replica is behind the purge position (a replica's replay position never goes back).
"""

import contextlib
import contextvars
import itertools
import logging
import sys
import time

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger("newsroom.db")

PIN_COOKIE = "primary_pin"
PURGE_LSN_KEY = "db:purge-lsn"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def replica_aliases() -> list[str]:
    return getattr(settings, "NEWSROOM_DB_REPLICAS", [])


# --- Log sequence numbers -----------------------------------------------------------------------
#
# PostgreSQL writes an LSN as "16/B374D848" (two 32-bit halves in hex). Kept as an int here and
# as 16 hex digits in Redis, where a Lua script compares them as strings (same width, so the
# order of the strings is the order of the numbers).


def parse_lsn(text: str | None) -> int | None:
    if not text:
        return None
    high, _, low = str(text).partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


# A purge position that never moves backwards: two processes purging at once must not leave the
# older of their positions behind.
_RAISE_TO = """
local old = redis.call('GET', KEYS[1])
if not old or old < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1] end
return old
"""


class _PurgePositions:
    """The latest purge's WAL position, in the cache every process shares (Redis: a key without
    expiry, so ``volatile-lru`` never evicts it; other caches through Django's API)."""

    def __init__(self, backend):
        self.backend = backend
        self.key = backend.make_key(PURGE_LSN_KEY)
        self.client = None
        if isinstance(backend, RedisCache):
            self.client = backend._cache.get_client(write=True)
            self.raise_script = self.client.register_script(_RAISE_TO)

    def get(self) -> int | None:
        if self.client is not None:
            value = self.client.get(self.key)
            return int(value, 16) if value else None
        value = self.backend.get(PURGE_LSN_KEY)
        return value if isinstance(value, int) else None

    def raise_to(self, lsn: int) -> int:
        if self.client is not None:
            return int(self.raise_script(keys=[self.key], args=[f"{lsn:016X}"]), 16)
        # One machine (the file cache): read, compare, write, and read again in case another
        # process wrote a later position in between.
        for _ in range(3):
            current = self.get()
            if current is not None and current >= lsn:
                return current
            self.backend.set(PURGE_LSN_KEY, lsn, timeout=None)
        return lsn


def _positions() -> _PurgePositions:
    backend = caches[DEFAULT_CACHE_ALIAS]
    found = getattr(backend, "_purge_positions", None)
    if found is None:
        found = backend._purge_positions = _PurgePositions(backend)
    return found


def _primary_lsn() -> int:
    # The insert position, not the write position: with synchronous_commit off a commit returns
    # before its record is written, and the write position can still be short of it. (An idle
    # server's insert position is the end of its last record, which a replica reaches.)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return parse_lsn(cursor.fetchone()[0])


def record_purge_lsn() -> int | None:
    """Record the primary's WAL position as the latest purge's. Call it after the change has
    committed and before any cache is purged (pagecache/outbox.py does, as the first step of
    every delivery): a reader request that finds a page purged then finds this position too, and
    reads from a replica only if the replica has replayed at least this far. Raises if the
    position cannot be recorded (the purge is then retried, or fails, as a whole)."""
    if not replica_aliases() or connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    return _positions().raise_to(_primary_lsn())


def latest_purge_lsn() -> int:
    """The latest purge's position. Missing (never purged, or the cache lost it): the primary's
    position now, recorded, so one lost key costs one query, never a stale page."""
    positions = _positions()
    found = positions.get()
    if found is None:
        found = positions.raise_to(_primary_lsn())
    return found


# --- Replicas: chosen, caught up, or down -------------------------------------------------------

_replayed: dict[str, int] = {}  # alias -> the furthest replay position it reported to us
_down_until: dict[str, float] = {}  # alias -> time.monotonic() until which it is left alone
_rotation = itertools.count()


def mark_down(alias: str, reason: str) -> None:
    seconds = getattr(settings, "NEWSROOM_DB_REPLICA_RETRY_SECONDS", 5)
    _down_until[alias] = time.monotonic() + seconds
    log.warning("Replica %s unavailable (%s): reading from the primary for %ss", alias, reason,
                seconds, exc_info=sys.exc_info()[0] is not None)  # fmt: skip
    with contextlib.suppress(Exception):  # It is being abandoned anyway.
        connections[alias].close()


def is_down(alias: str) -> bool:
    until = _down_until.get(alias)
    if until is None:
        return False
    if time.monotonic() < until:
        return True
    _down_until.pop(alias, None)
    return False


def replay_lsn(alias: str) -> int | None:
    """Where the replica is in replaying the primary's WAL; None if it is not a standby (a
    promoted replica is no longer fed by the primary)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END"
        )
        found = parse_lsn(cursor.fetchone()[0])
    if found is not None and found > _replayed.get(alias, -1):
        _replayed[alias] = found
    return found


def caught_up(alias: str, purge_lsn: int) -> bool:
    if _replayed.get(alias, -1) >= purge_lsn:
        return True  # Replay only moves forward: no need to ask again.
    found = replay_lsn(alias)
    return found is not None and found >= purge_lsn


class ReadScope:
    """One request allowed to read from a replica: which database its reads go to (decided on
    its first read) and why."""

    __slots__ = ("alias", "reason")

    def __init__(self):
        self.alias = None
        self.reason = ""

    def read_alias(self) -> str:
        if self.alias is None:
            self.alias, self.reason = choose_replica()
        return self.alias


def choose_replica() -> tuple[str, str]:
    aliases = replica_aliases()
    if not aliases:
        return DEFAULT_DB_ALIAS, "no replica"
    try:
        purge_lsn = latest_purge_lsn()
    except Exception:  # The cache (or the primary) cannot say: only the primary is safe.
        log.warning("Latest purge position unknown: reading from the primary", exc_info=True)
        return DEFAULT_DB_ALIAS, "purge position unknown"
    start = next(_rotation)
    reason = "replicas down"
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if is_down(alias):
            continue
        connection = connections[alias]
        try:
            # A persistent connection the replica dropped is replaced here (health check), and
            # a replica that does not answer is found out here, before the page reads anything.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
            if caught_up(alias, purge_lsn):
                return alias, "replica"
            reason = "replica behind the latest purge"
        except Exception as exc:  # Any connection or query failure: this request goes on.
            mark_down(alias, type(exc).__name__)
    return DEFAULT_DB_ALIAS, reason


_scope: contextvars.ContextVar[ReadScope | None] = contextvars.ContextVar(
    "newsroom_read_scope", default=None
)


def current_scope() -> ReadScope | None:
    return _scope.get()


class ReplicaRouter:
    """Reads inside a replica-allowed request go to the replica chosen for it; everything else
    (writes, reads in a transaction, reads outside such a request) to the primary."""

    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return scope.read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # A replica holds the primary's very rows.

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db not in replica_aliases()


# --- Which requests --------------------------------------------------------------------------


def replica_allowed(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and not request.path.startswith(tuple(getattr(settings, "NEWSROOM_PRIMARY_PATHS", ())))
    )


class ReplicaReadsMiddleware:
    """Marks the requests that may read from a replica; answers from the primary a request
    whose replica failed under it; pins a browser that just wrote to the primary for a few
    seconds.

    The pin cookie is set only on responses to writes, which no cache stores; a request that
    carries it reads from the primary, whose pages are never older than a replica's, so a page
    it renders may be cached and served to everyone (the page cache keys on the address alone).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        if not replica_allowed(request):
            request.read_database = (DEFAULT_DB_ALIAS, "primary only")
            response = self.get_response(request)
            if request.method in WRITE_METHODS:
                self._pin(request, response)
            return response
        scope = ReadScope()
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
            alias = scope.alias
            if (
                alias not in (None, DEFAULT_DB_ALIAS)
                and response.status_code >= 500
                and connections[alias].errors_occurred
            ):
                # The replica failed after it was chosen (it went away mid-request, or a
                # recovery conflict cancelled a query): the same request, from the primary.
                mark_down(alias, "failed during a request")
                scope.alias, scope.reason = DEFAULT_DB_ALIAS, "replica failed"
                response = self.get_response(request)
        finally:
            _scope.reset(token)
        request.read_database = (scope.alias or DEFAULT_DB_ALIAS, scope.reason or "no reads")
        return response

    @staticmethod
    def _pin(request, response):
        response.set_cookie(
            PIN_COOKIE,
            "1",
            max_age=getattr(settings, "NEWSROOM_DB_REPLICA_PIN_SECONDS", 10),
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
