"""The page cache in Redis: the freshness check made inside Redis (one round trip per page
view, through the LOOKUP script), Redis's clock for every time, a miss's page stored without
waiting for Redis (SAVE), and the per-process mirror in front (no round trip at all)."""

import contextlib
import logging
import os
import threading

from django.core.cache import DEFAULT_CACHE_ALIAS, caches

from common.redis_cache import RedisCache

from .mirror import Mirror, mirror_for, monotonic_us, private_connection
from .store import LOOKUP, NEXT_CHANGE_KEY, SAVE, STAMP, STAMP_PREFIX, Entry, Lookup, Store

# Page keys whose surrogate keys this process knows (from a store or a lookup), so the lookup
# script can be given the stamps it compares in KEYS. Bounded: past this, it starts again.
KNOWN_KEYS_MAX = 50_000


log = logging.getLogger("pagecache")


class Sender:
    """A connection of this process's own on which a miss's page is sent to Redis without
    waiting for the answer: it is read before the next thing this process asks Redis (by then
    it has long arrived), so a miss costs one wait for Redis (its lookup), not two. On a busy
    machine a wait is mostly Redis waiting for a CPU, a millisecond or more.

    Nothing is lost by not waiting: a page Redis failed to store is a later miss. And since
    the answer is read before this process's next lookup, a page it stored is seen by it."""

    def __init__(self, pool, script: str):
        self.pool, self.script = pool, script
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.connection = None
        self.sha = None
        self.pending = 0

    def send(self, keys, args):
        with self.lock:
            self._settle()
            try:
                if self.connection is None:
                    connection = private_connection(self.pool)
                    connection.connect()
                    connection.send_command("SCRIPT", "LOAD", self.script)
                    self.sha = connection.read_response()
                    self.connection = connection
                self.connection.send_command("EVALSHA", self.sha, len(keys), *keys, *args)
                self.pending += 1
            except Exception:
                self._close()
                raise

    def settle(self):
        """Read the answers owed (before a lookup: what this process stored, it then sees)."""
        if self.pending:
            with self.lock:
                self._settle()

    def _settle(self):
        try:
            while self.pending:
                self.pending -= 1
                self.connection.read_response()
        except Exception:
            # A page not stored (Redis restarted, or its scripts were flushed): a later miss.
            log.warning("Page-cache store not acknowledged; reconnecting", exc_info=True)
            self._close()

    def _close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):  # Already gone.
                self.connection.disconnect()
        self.connection, self.pending = None, 0


class RedisStore(Store):
    def __init__(self, client, make_key, location=None):
        """``client``: a redis-py client (Redis or RedisCluster); ``make_key``: how a name
        becomes a Redis key (the cache backend's prefix and version); ``location``: the
        server's address, naming this process's mirror of it (None: no mirror)."""
        self.client = client
        self.make_key = make_key
        self.lookup_script = client.register_script(LOOKUP)
        self.save_script = client.register_script(SAVE)
        self.stamp_script = client.register_script(STAMP)
        self.stamp_prefix = make_key(STAMP_PREFIX)
        self.next_change_key = self.stamp_prefix + NEXT_CHANGE_KEY
        self.location = location
        self.mirror = None
        self.sender = None
        self.known: dict[str, tuple] = {}

    @classmethod
    def for_backend(cls, backend):
        return cls(
            backend._cache.get_client(write=True),
            backend.make_and_validate_key,
            backend._cache._servers[0],
        )

    def _mirror(self) -> Mirror | None:
        if self.location is None:
            return None
        mirror = self.mirror
        if mirror is None or mirror.pid != os.getpid():
            mirror = self.mirror = mirror_for(
                self.location, self.client.connection_pool, self.stamp_prefix
            )
        return mirror

    def _sender(self) -> Sender | None:
        """This process's sender (None without a location: a RedisCluster client, in tests)."""
        if self.location is None:
            return None
        sender = self.sender
        if sender is None or sender.pid != os.getpid():
            # In a forked child the parent's connection is left alone (its answers are owed to
            # the parent).
            sender = self.sender = Sender(self.client.connection_pool, SAVE)
        return sender

    def _ask(self, key: str):
        names = self.known.get(key, ())
        prefix = self.stamp_prefix
        return self.lookup_script(
            keys=[key, self.next_change_key, *(prefix + name for name in names)], args=[prefix]
        )

    def _remember(self, key: str, names):
        known = self.known
        if len(known) >= KNOWN_KEYS_MAX:
            known.clear()
        known[key] = tuple(names)

    def lookup(self, key: str) -> Lookup:
        key = self.make_key(key)
        mirror = self._mirror()
        usable = False
        if mirror is not None:
            with mirror.lock:
                usable = mirror.ready()
                if usable:
                    entry = mirror.pages.get(key)
                    if entry is not None and mirror.fresh(entry):
                        return Lookup(entry, None, None)
                    generation = mirror.generation
        sender = self.sender
        if sender is not None and sender.pid == os.getpid():
            sender.settle()
        before = monotonic_us()
        answer = self._ask(key)
        if answer[0] == 1:
            # Stored by another process (or since) with keys this one did not know: once more
            # with the right stamps. Should they have changed again meanwhile, it is a miss.
            self._remember(key, answer[3].decode().split(" ")[2:])
            answer = self._ask(key)
        blob, now, next_change, *stamps = answer
        entry = Entry(blob) if isinstance(blob, bytes) else None
        if entry is not None:
            self._remember(key, entry.keys)
        if usable:
            with mirror.lock:
                mirror.measured(before, int(now))
                # Not if an invalidation was applied meanwhile (another thread's drain): it may
                # have been for a value this answer holds.
                if mirror.generation == generation:
                    mirror.keep(key, entry, stamps)
        return Lookup(entry, int(now), int(next_change))

    def save(self, key: str, keys, blob: bytes, timeout: int) -> bool | None:
        """Whether the page was stored (None: sent, not waited for)."""
        # Stored as it is (not pickled by Django's serializer): the lookup script reads it.
        key = self.make_key(key)
        self._remember(key, keys)
        names = [key, *(self.stamp_prefix + k for k in keys)]
        sender = self._sender()
        if sender is None:
            return self.save_script(keys=names, args=[blob, timeout]) == 1
        sender.send(names, [blob, timeout])
        return None

    def purged_since(self, keys, since: int) -> bool:
        """Whether any of ``keys`` was purged at or after ``since`` (Redis's clock). One MGET:
        every stamp carries the same hash tag, so this works on Redis Cluster too."""
        stamps = self.client.mget([self.stamp_prefix + k for k in keys])
        return any(stamp is not None and int(stamp) >= since for stamp in stamps)

    def stamp(self, keys):
        self.stamp_script(keys=[self.stamp_prefix + k for k in keys])


def store() -> Store:
    """The store for the cache backend in use (kept on the backend: tests swap CACHES)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    found = getattr(backend, "_page_cache_store", None)
    if found is None:
        if isinstance(backend, RedisCache):
            found = RedisStore.for_backend(backend)
        else:
            found = Store(backend)
        backend._page_cache_store = found
    return found
