"""The page cache in Redis: the freshness check made inside Redis (one round trip per page
view, through the LOOKUP script), Redis's clock for every time, a miss's page stored in one
more round trip (SAVE), and the per-process mirror in front (no round trip at all)."""

import os

from .mirror import Mirror, mirror_for, monotonic_us
from .store import LOOKUP, NEXT_CHANGE_KEY, SAVE, STAMP, STAMP_PREFIX, Entry, Lookup, Store

# Page keys whose surrogate keys this process knows (from a store or a lookup), so the lookup
# script can be given the stamps it compares in KEYS. Bounded: past this, it starts again.
KNOWN_KEYS_MAX = 50_000


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

    def save(self, key: str, keys, blob: bytes, timeout: int) -> bool:
        # Stored as it is (not pickled by Django's serializer): the lookup script reads it.
        key = self.make_key(key)
        self._remember(key, keys)
        prefix = self.stamp_prefix
        stored = self.save_script(keys=[key, *(prefix + k for k in keys)], args=[blob, timeout])
        return stored == 1

    def stamp(self, keys):
        self.stamp_script(keys=[self.stamp_prefix + k for k in keys])
