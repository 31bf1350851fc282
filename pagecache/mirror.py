"""The per-process mirror of the page cache in Redis.

Each process keeps the pages it served and the purge stamps their keys had, so that a hit needs
no round trip to Redis at all. It stays coherent through Redis's server-assisted client-side
caching (Redis 6 or later), spoken through redis-py: one connection per process asks its own
client id, turns on ``CLIENT TRACKING ON REDIRECT <that id> BCAST PREFIX <stamp prefix>`` and
subscribes to ``__redis__:invalidate``. Redis then publishes an invalidation on it whenever any
stamp key is written, deleted, evicted or flushed (no key list for FLUSHDB/FLUSHALL). Nothing
but these messages arrives on it; it is polled without blocking at the start of every lookup,
and the stamps named are dropped from the mirror.

Why one connection that redirects to itself rather than a data connection redirecting to a
second, subscribed one: tracking belongs to the connection that turned it on, and if that one
died, Redis would stop sending invalidations without a word to the subscribed one (RESP2 gives
it no notice). With one connection there is one thing to watch: if it is alive, tracking is on.

A page is served from the mirror only if it has not expired (by Redis's clock, see below) and
every one of its keys has a mirrored stamp older than the page's render start. A key whose stamp
is not mirrored sends the request to Redis, through the one-round-trip script, which also answers
Redis's time and the stamps it compared: those are mirrored (with the entry).

Why a mirrored stamp is never stale when it is used:
- A purge writes the stamp inside a script. Redis queues the invalidation for every tracking
  connection in the same event-loop step that ran the script, before it writes any reply of that
  step (``beforeSleep``: ``trackingBroadcastInvalidationMessages()`` comes before
  ``handleClientsWithPendingWrites()``). So when the purging process has its reply (and only
  then commits, answers the editor, or lets the publish_due worker move on), the invalidation
  has been written to every tracking socket; on one host it is already in the reader's receive
  buffer, across hosts it is one network delivery behind. A reader request that starts after the
  purge was acknowledged drains it before its lookup.
- A value read from Redis and mirrored is always followed by a drain before its next use: an
  invalidation for a write just after the read, already on its way, is applied before the value
  is trusted. (A write just *before* the read can only cost an extra miss.) With threads, a drain
  that applied anything while a script call was out makes that call's answer not mirrored
  (``generation``).
- A socket that does not keep up cannot hide invalidations: when Redis cannot write to the
  tracking socket it keeps the rest in its output buffer, and a drain would see only a part. So
  whenever a drain reads anything, it ends with a PING on the tracking connection and reads up to
  the PONG: Redis answers it after everything it queued for that connection before. This costs
  one round trip per process per batch of purges, not per hit.
- A broken or closed tracking connection (Redis restarted, CLIENT KILL, a network fault) empties
  the mirror, and requests go to Redis as before until a new connection is set up (at most once
  a second); a new connection starts with an empty mirror. If no connection can be set up (Redis
  before 6, no permission for CLIENT TRACKING), the mirror stays unused.
- After a fork (gunicorn's workers) the child starts its own mirror and connection: the parent's
  could have missed invalidations sent to the parent after the fork.

Expiry: an entry's expiry is a time on Redis's clock. The mirror keeps the offset between Redis's
clock and this process's monotonic clock, measured on every script call (Redis answers its time),
counting the whole round trip against it so that the estimate of Redis's time is never early. It
allows 1 ms plus 0.1% of its age for drift, and is not used when older than a minute (the next
request then goes to Redis and measures again). The wall clock of this machine is never used, so
a clock that jumps cannot keep an expired page.
"""

import contextlib
import logging
import os
import threading
import time

from django.conf import settings

log = logging.getLogger("pagecache")

RECONNECT_INTERVAL = 1.0  # seconds between attempts to set up the tracking connection
OFFSET_MAX_AGE = 60_000_000  # µs: older than this, the clock offset is measured again
SETUP_TIMEOUT = 1.0  # seconds for the tracking connection's setup and PING
INVALIDATE = b"__redis__:invalidate"


def monotonic_us() -> int:
    return time.monotonic_ns() // 1000


def private_connection(pool):
    """A connection with the pool's own settings (address, TLS, password, database), not the
    pool's: RESP2, so that invalidations are plain pub/sub messages; no retries and no health
    checks, which would reconnect or PING behind our back (a reconnected connection has no
    tracking, nor the replies it was owed); not the pool's handling of maintenance notices."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options = {
        **pool.connection_kwargs,
        "protocol": 2,
        "decode_responses": False,
        "health_check_interval": 0,
        "retry": Retry(NoBackoff(), 0),
        "socket_timeout": SETUP_TIMEOUT,
        "socket_connect_timeout": SETUP_TIMEOUT,
    }
    options.pop("maint_notifications_pool_handler", None)
    if "maint_notifications_config" in options:
        from redis.maint_notifications import MaintNotificationsConfig

        options["maint_notifications_config"] = MaintNotificationsConfig(enabled=False)
    return pool.connection_class(**options)


class Mirror:
    """Pages and stamps of one Redis (and key prefix) kept in this process, and the tracking
    connection that keeps them coherent. Its methods are called with ``lock`` held."""

    def __init__(self, pool, stamp_prefix: str, budget: int):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.pool = pool
        self.stamp_prefix = stamp_prefix.encode()
        self.budget = budget
        self.pages: dict = {}  # Entries, oldest first: the first to go over the budget.
        self.size = 0
        self.stamps: dict[str, int] = {}
        self.offset = 0  # Redis's time minus monotonic_us(), never less than the truth.
        self.offset_at = -OFFSET_MAX_AGE - 1
        self.generation = 0  # Moves on whenever something is dropped from the mirror.
        self.connection = None
        self.client_id = None
        self.next_attempt = 0.0
        self.pings = 0  # How many times a drain had to sync (for tests).

    # -- The tracking connection --

    def ready(self) -> bool:
        """Apply every invalidation Redis has sent; False when the mirror cannot be used for
        this request (no tracking connection)."""
        connection = self.connection
        if connection is None:
            return self._connect()
        try:
            # can_read() raises when Redis closed the connection. (Never called on a closed
            # connection object: it would quietly open a new one, without tracking.)
            if not connection.can_read(timeout=0):
                return True
            while connection.can_read(timeout=0):
                self._apply(connection.read_response(timeout=SETUP_TIMEOUT))
            self._sync()
        except Exception:
            self._broken("invalidations")
            return False
        return True

    def _apply(self, message, pong=False) -> bool:
        """Apply one message; whether it was the PONG awaited."""
        if isinstance(message, list) and message[:2] == [b"message", INVALIDATE]:
            self._invalidate(message[2])
            return False
        if pong and isinstance(message, list) and message[:1] == [b"pong"]:
            return True
        raise ValueError(f"unexpected message on the tracking connection: {message!r}")

    def _invalidate(self, keys):
        self.generation += 1
        if keys is None:  # FLUSHDB, FLUSHALL.
            self.stamps.clear()
            return
        prefix, stamps = self.stamp_prefix, self.stamps
        for key in keys:
            if isinstance(key, bytes) and key.startswith(prefix):
                stamps.pop(key[len(prefix) :].decode(errors="replace"), None)
            else:
                stamps.clear()  # Not ours to name, so nothing is trusted.

    def _sync(self):
        """Read up to the answer of a PING: everything Redis queued for us before it is in."""
        connection = self.connection
        connection.send_command("PING")
        self.pings += 1
        while not self._apply(connection.read_response(timeout=SETUP_TIMEOUT), pong=True):
            pass

    def _connect(self) -> bool:
        now = time.monotonic()
        if now < self.next_attempt:
            return False
        self.next_attempt = now + RECONNECT_INTERVAL
        self._forget()
        connection = None
        try:
            connection = private_connection(self.pool)
            connection.connect()
            connection.send_command("CLIENT", "ID")
            client_id = connection.read_response()
            connection.send_command(
                "CLIENT", "TRACKING", "ON", "REDIRECT", client_id,
                "BCAST", "PREFIX", self.stamp_prefix,
            )  # fmt: skip
            connection.read_response()
            connection.send_command("SUBSCRIBE", INVALIDATE)
            subscribed = connection.read_response()
            if subscribed[:2] != [b"subscribe", INVALIDATE]:
                raise ValueError(f"SUBSCRIBE answered {subscribed!r}")
        except Exception:
            log.warning("Page-cache mirror off for now: no tracking connection", exc_info=True)
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.disconnect()
            return False
        self.connection, self.client_id = connection, client_id
        return True

    def _broken(self, where):
        log.warning("Page-cache mirror: tracking connection lost (%s); using Redis", where,
                    exc_info=True)  # fmt: skip
        self.close()
        self.next_attempt = time.monotonic() + RECONNECT_INTERVAL

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.disconnect()
        self.connection = None
        self._forget()

    def _forget(self):
        self.generation += 1
        self.pages.clear()
        self.size = 0
        self.stamps.clear()

    # -- Pages and stamps --

    def fresh(self, entry) -> bool:
        stamps, started = self.stamps, entry.started
        for key in entry.keys:
            stamp = stamps.get(key)
            if stamp is None or stamp >= started:
                return False
        now = monotonic_us()
        age = now - self.offset_at
        if age > OFFSET_MAX_AGE:
            return False
        return entry.expires > now + self.offset + 1000 + age // 1000

    def measured(self, before: int, redis_now: int):
        """Redis said ``redis_now`` during a call that began at ``before`` (monotonic µs)."""
        self.offset = redis_now - before
        self.offset_at = before

    def keep(self, key: str, entry, stamps):
        """What the lookup script answered for page ``key``."""
        old = self.pages.pop(key, None)
        if old is not None:
            self.size -= old.size
        if entry is None:
            return
        for name, stamp in zip(entry.keys, stamps, strict=False):
            with contextlib.suppress(TypeError, ValueError):
                self.stamps[name] = int(stamp)
        if len(self.stamps) > 100_000:  # Keys of pages long gone: start again.
            self.stamps.clear()
        if entry.size > self.budget:
            return
        self.pages[key] = entry
        self.size += entry.size
        while self.size > self.budget:
            oldest = next(iter(self.pages))
            self.size -= self.pages.pop(oldest).size


_mirrors: dict = {}
_mirrors_lock = threading.Lock()


def forget_mirrors():
    """Close this process's tracking connections and empty its mirrors (tests start afresh)."""
    with _mirrors_lock:
        for mirror in _mirrors.values():
            if mirror.pid == os.getpid():
                with mirror.lock:
                    mirror.close()
                    mirror.pid = None  # Stores holding it fetch a new one.
        _mirrors.clear()


def mirror_for(location: str, pool, stamp_prefix: str) -> Mirror | None:
    """This process's mirror of that Redis and prefix (None when the mirror is turned off)."""
    budget = getattr(settings, "NEWSROOM_PAGE_MIRROR_BYTES", 0)
    if budget <= 0:
        return None
    key = (location, stamp_prefix, budget)
    with _mirrors_lock:
        mirror = _mirrors.get(key)
        if mirror is None or mirror.pid != os.getpid():
            # In a forked child the parent's mirror is left alone (its socket is the parent's).
            mirror = _mirrors[key] = Mirror(pool, stamp_prefix, budget)
        return mirror
