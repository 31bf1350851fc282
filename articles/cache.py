"""The page cache: anonymous readers' pages kept in the shared cache, purged exactly.

Every cached page records the *surrogate keys* of what it shows ("article:12", "author:3",
"section:2", "front", "nav", ...). A change purges keys, not URLs: ``purge("article:12")``
stamps that key with the current time, and any page rendered before that moment that showed
article 12 (its own page, the front page, a section page two pages deep, a feed) is stale from
then on, in every process, because the stamps live in the shared cache (Redis, or the file
cache all local processes share).

A page is served from the cache only if it began rendering after the last purge of every key
it shows. A stamp that is missing (evicted) is re-created with the current time, so eviction
can only cause a miss, never a stale page. Entries also expire at the next scheduled
publication or unpublication, since those change pages by the clock alone.
"""

import contextlib
import hashlib
import logging
import os
import pickle
import ssl
import threading
import time
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.http.cookie import SimpleCookie
from django.http.response import ResponseHeaders
from django.utils.cache import patch_cache_control, set_response_etag

from common.redis_cache import RedisCache

log = logging.getLogger(__name__)

# "2": entries and stamps of this format (whole microseconds, by one clock). The first format
# stored float stamps that this one would read as unparsable forever.
PAGE_PREFIX = "pc2:page:"
STAMP_PREFIX = "pc2:stamp:"
SITE_WIDE = ("front", "feeds", "sitemaps", "search", "corrections")
UNSTORED_HEADERS = {"set-cookie", "x-cache"}
# What a 304 leaves out of the stored headers: they describe a body it does not have.
BODY_HEADERS = {"content-type", "content-length", "content-encoding"}


def enabled() -> bool:
    return getattr(settings, "NEWSROOM_PAGE_CACHE", False)


# --- What a page shows -----------------------------------------------------------------------


def depends_on(request, *keys):
    """Declare that this response shows what ``keys`` name (views call it)."""
    if not hasattr(request, "_cache_keys"):
        request._cache_keys = set()
    request._cache_keys.update(k for k in keys if k)


def depends_on_listing(request, key):
    """A listing page (front, section, tag, author, feed, search): its own key, and the key
    every listing shares. A story's change purges the listings it is on by their own keys
    (``story_keys``); a rarer change seen on every card (an author's name, a picture) purges
    ``listings`` as a whole. Few keys per page keep a cache hit cheap."""
    depends_on(request, key, "listings")


def depends_on_cards(request, stories):
    """Story cards on an article page (related stories, the next story): headline, section,
    picture. No bylines are shown on them."""
    keys = []
    for story in stories:
        keys.append(f"article:{story.pk}")
        if story.hero_image_id:
            keys.append(f"image:{story.hero_image_id}")
    depends_on(request, *keys)


def story_keys(article, *, bylines=(), tags=()) -> list[str]:
    """Everything a change to ``article`` can change: its page and every listing it is on."""
    return [
        f"article:{article.pk}",
        f"section:{article.section_id}",
        *(f"author:{author_id}" for author_id in bylines),
        *(f"tag:{tag_id}" for tag_id in tags),
        *SITE_WIDE,
    ]


# --- Purging ---------------------------------------------------------------------------------


def _now_us() -> int:
    """Stamps and render start times are whole microseconds: an int is stored in Redis as plain
    digits (Django's Redis serializer leaves ints unpickled), so a Lua script can compare them."""
    return time.time_ns() // 1000


def purge(*keys):
    """Make every cached page that shows any of ``keys`` stale, now, in every process.

    Inside a transaction the purge waits for the commit: a reader must not re-cache the old
    version in between.
    """
    keys = sorted({k for k in keys if k})
    if not keys:
        return

    def stamp():
        # A lost purge would leave old pages fresh until they expire, so a cache blip gets a
        # few quick retries before the failure is logged.
        for attempt in range(3):
            try:
                _store().stamp(keys)  # Fresh means: started strictly after this.
                return
            except Exception:
                if attempt == 2:
                    log.error("Page-cache purge of %s failed; pages may be stale for up to "
                              "PAGE_CACHE_SECONDS", keys, exc_info=True)  # fmt: skip
                else:
                    time.sleep(0.1 * (attempt + 1))

    transaction.on_commit(stamp)


# --- Stored pages ----------------------------------------------------------------------------
#
# An entry is one bytes value: a first line "<started> <expires> <key> <key> ..." (times in
# microseconds, keys the surrogate keys the page shows), then the pickled (status, headers,
# body). The first line is all a freshness check needs, so Redis can make it itself.


def _pack(started: int, expires: int, keys, status: int, headers: dict, content: bytes) -> bytes:
    head = " ".join([str(started), str(expires), *keys]).encode()
    return head + b"\n" + pickle.dumps((status, headers, content), pickle.HIGHEST_PROTOCOL)


def _unpack(blob: bytes):
    head, _, payload = blob.partition(b"\n")
    started, expires, *keys = head.decode().split(" ")
    return int(started), int(expires), keys, payload


class _Entry:
    """A stored page as a hit serves it: its first line parsed, its payload unpickled, and the
    response it becomes built once, so that serving it again is a copy of a few attributes."""

    __slots__ = ("started", "expires", "keys", "status", "headers", "content", "etag",
                 "_template", "_header_store", "size")  # fmt: skip

    def __init__(self, blob: bytes):
        self.started, self.expires, keys, payload = _unpack(blob)
        self.keys = tuple(keys)
        # Written by this module, in our own cache.
        self.status, self.headers, self.content = pickle.loads(payload)  # noqa: S301
        self.etag = self.headers.get("ETag")
        self.size = len(blob)
        self._template = None

    def response(self, request):
        if self.etag and self.etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
            response = HttpResponseNotModified(
                headers={k: v for k, v in self.headers.items() if k.lower() not in BODY_HEADERS}
            )
            response["X-Cache"] = "hit"
            return response
        if self._template is None:
            # What HttpResponse(content, status=..., headers=...) makes, once; every hit copies
            # it (the same status line, headers in the same order, the same body) instead of
            # checking and encoding every header again.
            model = HttpResponse(self.content, status=self.status, headers=self.headers)
            model["X-Cache"] = "hit"
            self._header_store = model.headers._store.copy()
            self._template = {
                name: value
                for name, value in model.__dict__.items()
                if name not in ("headers", "cookies", "_resource_closers", "_container")
            }
            return model
        response = _new(HttpResponse)
        attributes = response.__dict__
        attributes.update(self._template)
        headers = _new(ResponseHeaders)
        headers._store = self._header_store.copy()
        attributes["headers"] = headers
        attributes["cookies"] = SimpleCookie()
        attributes["_resource_closers"] = []
        attributes["_container"] = [self.content]
        return response


_new = object.__new__


# With Redis, every time the page cache compares (when a page began rendering, when a key was
# purged, when an entry expires) is read from Redis's own clock, so web servers, the admin and
# the publish_due worker on different machines never compare their clocks with each other: a
# web server whose clock ran ahead could otherwise keep a page rendered just before a purge.
# Times are written as text made from TIME's two parts (a Lua number turned into text keeps
# only 14 digits) and compared as numbers (microseconds since 1970 are exact as doubles).
_REDIS_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_text = t[1] .. string.format('%06d', tonumber(t[2]))
"""

# Freshness in one round trip: the entry, the stamps of its keys, and the comparison, inside
# Redis. A missing stamp (never purged, or evicted) is started now and the entry is not served.
# The answer is {entry or false, Redis's time now, and for a fresh entry the stamps of its keys
# in the order of its first line}: the time and the stamps are what the mirror keeps (below).
_REDIS_LOOKUP = (
    _REDIS_NOW
    + """
local blob = redis.call('GET', KEYS[1])
if not blob then return {false, now_text} end
local head = string.sub(blob, 1, string.find(blob, '\\n', 1, true) - 1)
local fields = {}
for field in string.gmatch(head, '%S+') do fields[#fields + 1] = field end
if tonumber(fields[2]) <= now then return {false, now_text} end
local started = tonumber(fields[1])
local stamp_keys = {}
for i = 3, #fields do stamp_keys[#stamp_keys + 1] = ARGV[1] .. fields[i] end
if #stamp_keys == 0 then return {blob, now_text} end
local stamps = redis.call('MGET', unpack(stamp_keys))
local fresh = true
for i = 1, #stamp_keys do
  local stamp = tonumber(stamps[i])
  if not stamp then
    redis.call('SET', stamp_keys[i], now_text, 'NX')
    fresh = false
  elseif stamp >= started then
    fresh = false
  end
end
if not fresh then return {false, now_text} end
local answer = {blob, now_text}
for i = 1, #stamps do answer[#answer + 1] = stamps[i] end
return answer
"""
)

# Start the clock of every key that has none; answers how many were started.
_REDIS_START = (
    _REDIS_NOW
    + """
local started = 0
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], now_text, 'NX') then started = started + 1 end
end
return started
"""
)

# A purge: every key stamped with Redis's time now.
_REDIS_STAMP = (
    _REDIS_NOW
    + """
for i = 1, #KEYS do
  -- Never backwards: a purge that reaches Redis late must not undo a later one.
  local stamp = tonumber(redis.call('GET', KEYS[i]))
  if not stamp or stamp < now then redis.call('SET', KEYS[i], now_text) end
end
return #KEYS
"""
)


# --- The per-process mirror ------------------------------------------------------------------
#
# With Redis, each process keeps a mirror of the pages it served and of the purge stamps their
# keys had, so that a hit needs no round trip to Redis at all. It stays coherent through Redis's
# server-assisted client-side caching: one connection per process, in RESP3, asks for
# ``CLIENT TRACKING ON BCAST PREFIX <stamp prefix>``, and Redis then pushes an "invalidate"
# message on it whenever any stamp key is written, deleted, evicted or flushed (a null key list
# for FLUSHDB/FLUSHALL). Nothing but these pushes arrives on it; it is read without blocking at
# the start of every lookup, and the stamps named are dropped from the mirror.
#
# A page is served from the mirror only if it has not expired (by Redis's clock, see below) and
# every one of its keys has a mirrored stamp older than the page's render start. A key whose
# stamp is not mirrored sends the request to Redis, through the one-round-trip script, which
# also answers Redis's time and the stamps it compared: those are mirrored (with the entry).
#
# Why a mirrored stamp is never stale when it is used:
# - A purge writes the stamp inside a script. Redis queues the invalidation for every tracking
#   connection in the same event-loop step that ran the script, before it writes any reply of
#   that step (``beforeSleep``: ``trackingBroadcastInvalidationMessages()`` comes before
#   ``handleClientsWithPendingWrites()``). So when the purging process has its reply (and only
#   then commits, answers the editor, or lets the publish_due worker move on), the invalidation
#   has been written to every tracking socket; on one host it is already in the reader's
#   receive buffer, across hosts it is one network delivery behind. A reader request that
#   starts after the purge was acknowledged drains it before its lookup.
# - A value read from Redis and mirrored is always followed by a drain before its next use: an
#   invalidation for a write just after the read, already on its way, is applied before the
#   value is trusted. (A write just *before* the read can only cost an extra miss.) With
#   threads, a drain that applied anything while a script call was out makes that call's
#   answer not mirrored (``generation``).
# - A socket that does not keep up cannot hide invalidations: when Redis cannot write to the
#   tracking socket it keeps the rest in its output buffer, and a drain would see only a part.
#   So whenever a drain reads anything, it ends with a PING on the tracking connection and reads
#   up to the PONG: Redis answers it after everything it queued for that connection before.
#   This costs one round trip per process per batch of purges, not per hit.
# - A broken or closed tracking connection (Redis restarted, CLIENT KILL, a network fault)
#   empties the mirror, and requests go to Redis as before until a new connection is set up
#   (at most once a second); a new connection starts with an empty mirror. If no connection can
#   be set up (Redis before 6, no permission for CLIENT TRACKING), the mirror stays unused.
# - After a fork (gunicorn's workers) the child starts its own mirror and connection: the
#   parent's could have missed pushes sent to the parent after the fork.
#
# Expiry: an entry's expiry is a time on Redis's clock. The mirror keeps the offset between
# Redis's clock and this process's monotonic clock, measured on every script call (Redis
# answers its time), counting the whole round trip against it so that the estimate of Redis's
# time is never early. It allows 1 ms plus 0.1% of its age for drift, and is not used when older
# than a minute (the next request then goes to Redis and measures again). The wall clock of this
# machine is never used, so a clock that jumps cannot keep an expired page.

RECONNECT_INTERVAL = 1.0  # seconds between attempts to set up the tracking connection
OFFSET_MAX_AGE = 60_000_000  # µs: older than this, the clock offset is measured again
SETUP_TIMEOUT = 1.0  # seconds for the tracking connection's setup and PING


def _monotonic_us() -> int:
    return time.monotonic_ns() // 1000


class _Push(list):
    """An out-of-band RESP3 message (``>``), as opposed to a reply."""


class _Incomplete(Exception):
    pass


def _resp_command(*args) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _resp_parse(buf: bytes, pos: int):
    """One RESP3 value from ``buf`` at ``pos``: (value, next position), or _Incomplete."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Incomplete
    kind, line, pos = buf[pos : pos + 1], buf[pos + 1 : end], end + 2
    if kind in (b"+", b"(", b","):
        return line, pos
    if kind == b"-":
        return RuntimeError(line.decode(errors="replace")), pos
    if kind == b":":
        return int(line), pos
    if kind == b"#":
        return line == b"t", pos
    if kind == b"_":
        return None, pos
    if kind in (b"$", b"=", b"!"):
        size = int(line)
        if size < 0:
            return None, pos
        if len(buf) < pos + size + 2:
            raise _Incomplete
        data = buf[pos : pos + size]
        return (
            RuntimeError(data.decode(errors="replace")) if kind == b"!" else data
        ), pos + size + 2
    if kind in (b"*", b">", b"~", b"%", b"|"):
        count = int(line)
        if count < 0:
            return None, pos
        if kind in (b"%", b"|"):
            count *= 2
        items = []
        for _ in range(count):
            item, pos = _resp_parse(buf, pos)
            items.append(item)
        if kind == b"|":  # Attributes come before the value they describe.
            return _resp_parse(buf, pos)
        return (_Push(items) if kind == b">" else items), pos
    raise ValueError(f"not RESP3: {buf[pos - len(line) - 3 : pos][:40]!r}")


class _Mirror:
    """Pages and stamps of one Redis (and key prefix) kept in this process, and the tracking
    connection that keeps them coherent. Its methods are called with ``lock`` held."""

    def __init__(self, pool, stamp_prefix: str, budget: int):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.pool = pool
        self.stamp_prefix = stamp_prefix.encode()
        self.budget = budget
        self.pages: dict[str, _Entry] = {}  # Oldest first: the first to go over the budget.
        self.size = 0
        self.stamps: dict[str, int] = {}
        self.offset = 0  # Redis's time minus _monotonic_us(), never less than the truth.
        self.offset_at = -OFFSET_MAX_AGE - 1
        self.generation = 0  # Moves on whenever something is dropped from the mirror.
        self.connection = None
        self.sock = None
        self.buffer = b""
        self.client_id = None
        self.next_attempt = 0.0
        self.pings = 0  # How many times a drain had to sync (for tests).

    # -- The tracking connection --

    def ready(self) -> bool:
        """Apply every invalidation Redis has sent; False when the mirror cannot be used for
        this request (no tracking connection)."""
        if self.sock is None:
            return self._connect()
        sock = self.sock
        received = []
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("tracking connection closed")
                received.append(data)
        except (BlockingIOError, ssl.SSLWantReadError):
            pass
        except Exception:
            self._broken("read")
            return False
        if received:
            try:
                self.buffer += b"".join(received)
                self._apply(expect_reply=False)
                self._sync()
            except Exception:
                self._broken("invalidations")
                return False
        return True

    def _apply(self, expect_reply: bool) -> bool:
        """Apply the complete messages in the buffer; whether the awaited reply was among them."""
        buf, pos, replied = self.buffer, 0, False
        try:
            while pos < len(buf):
                message, pos = _resp_parse(buf, pos)
                if isinstance(message, _Push):
                    if message and message[0] == b"invalidate":
                        self._invalidate(message[1] if len(message) > 1 else None)
                elif expect_reply and not replied:
                    if isinstance(message, Exception):
                        raise message
                    replied = True
                else:
                    raise ValueError(f"unexpected reply on the tracking connection: {message!r}")
        except _Incomplete:
            pass
        self.buffer = buf[pos:]
        return replied

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
        self.sock.settimeout(SETUP_TIMEOUT)
        try:
            self.sock.sendall(_resp_command("PING"))
            self.pings += 1
            self._read_reply()
        finally:
            self.sock.setblocking(False)

    def _read_reply(self):
        while not self._apply(expect_reply=True):
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("tracking connection closed")
            self.buffer += data

    def _connect(self) -> bool:
        now = time.monotonic()
        if now < self.next_attempt:
            return False
        self.next_attempt = now + RECONNECT_INTERVAL
        self._forget()
        connection = None
        try:
            # The pool's own settings (address, TLS, password, database), in RESP3: HELLO 3.
            # Not the pool's handling of maintenance notices: this connection is not the pool's.
            options = {**self.pool.connection_kwargs, "protocol": 3}
            options.pop("maint_notifications_pool_handler", None)
            if "maint_notifications_config" in options:
                from redis.maint_notifications import MaintNotificationsConfig

                options["maint_notifications_config"] = MaintNotificationsConfig(enabled=False)
            connection = self.pool.connection_class(**options)
            connection.connect()
            sock = connection._sock
            sock.settimeout(SETUP_TIMEOUT)
            self.sock, self.connection, self.buffer = sock, connection, b""
            self.client_id = (getattr(connection, "handshake_metadata", None) or {}).get(b"id")
            if self.client_id is None:
                sock.sendall(_resp_command("CLIENT", "ID"))
                self._read_reply_value()
            sock.sendall(
                _resp_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", self.stamp_prefix)
            )
            self._read_reply()
            sock.setblocking(False)
        except Exception:
            log.warning("Page-cache mirror off for now: no tracking connection", exc_info=True)
            self.sock = self.connection = None
            if connection is not None:
                connection.disconnect()
            return False
        return True

    def _read_reply_value(self):
        """The CLIENT ID answer, read before tracking is on (so nothing else can come first)."""
        while True:
            try:
                value, pos = _resp_parse(self.buffer, 0)
                break
            except _Incomplete:
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError("tracking connection closed") from None
                self.buffer += data
        self.buffer = self.buffer[pos:]
        if not isinstance(value, int):
            raise ValueError(f"CLIENT ID answered {value!r}")
        self.client_id = value

    def _broken(self, where):
        log.warning("Page-cache mirror: tracking connection lost (%s); using Redis", where,
                    exc_info=True)  # fmt: skip
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.disconnect()
        self.sock = self.connection = None
        self.next_attempt = time.monotonic() + RECONNECT_INTERVAL
        self._forget()

    def _forget(self):
        self.generation += 1
        self.pages.clear()
        self.size = 0
        self.stamps.clear()
        self.buffer = b""

    # -- Pages and stamps --

    def fresh(self, entry: _Entry) -> bool:
        stamps, started = self.stamps, entry.started
        for key in entry.keys:
            stamp = stamps.get(key)
            if stamp is None or stamp >= started:
                return False
        now = _monotonic_us()
        age = now - self.offset_at
        if age > OFFSET_MAX_AGE:
            return False
        return entry.expires > now + self.offset + 1000 + age // 1000

    def measured(self, before: int, redis_now: int):
        """Redis said ``redis_now`` during a call that began at ``before`` (monotonic µs)."""
        self.offset = redis_now - before
        self.offset_at = before

    def keep(self, key: str, entry: _Entry | None, stamps):
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
                    if mirror.connection is not None:
                        with contextlib.suppress(Exception):
                            mirror.connection.disconnect()
                    mirror.sock = mirror.connection = None
                    mirror._forget()
                    mirror.pid = None  # Stores holding it fetch a new one.
        _mirrors.clear()


def _mirror_for(location: str, pool, stamp_prefix: str) -> _Mirror | None:
    """This process's mirror of that Redis and prefix (None when the mirror is turned off)."""
    budget = getattr(settings, "NEWSROOM_PAGE_MIRROR_BYTES", 0)
    if budget <= 0:
        return None
    key = (location, stamp_prefix, budget)
    with _mirrors_lock:
        mirror = _mirrors.get(key)
        if mirror is None or mirror.pid != os.getpid():
            # In a forked child the parent's mirror is left alone (its socket is the parent's).
            mirror = _mirrors[key] = _Mirror(pool, stamp_prefix, budget)
        return mirror


class _Store:
    """Pages and stamps through Django's cache API (the file cache, local memory in tests):
    one machine, so its own clock."""

    def __init__(self, backend):
        self.cache = backend

    def clock(self) -> int:
        return _now_us()

    def lookup(self, key: str) -> bytes | None:
        blob = self.cache.get(key)
        if not isinstance(blob, bytes):
            return None
        now = self.clock()
        started, expires, keys, _payload = _unpack(blob)
        if expires <= now:
            return None
        stamps = self.cache.get_many([STAMP_PREFIX + k for k in keys])
        fresh = True
        for k in keys:
            stamp = stamps.get(STAMP_PREFIX + k)
            if not isinstance(stamp, int):  # Evicted or never purged: start the clock now.
                self.cache.add(STAMP_PREFIX + k, now, timeout=None)
                fresh = False
            elif stamp >= started:
                fresh = False
        return blob if fresh else None

    def start_clocks(self, keys) -> bool:
        now = self.clock()
        started = False
        for k in keys:
            started |= bool(self.cache.add(STAMP_PREFIX + k, now, timeout=None))
        return started

    def stamp(self, keys):
        now = self.clock()
        names = [STAMP_PREFIX + k for k in keys]
        old = self.cache.get_many(names)
        # Never backwards (one machine here, so this is a guard, not a lock).
        self.cache.set_many(
            {
                name: max(now, old[name]) if isinstance(old.get(name), int) else now
                for name in names
            },
            timeout=None,
        )

    def save(self, key: str, blob: bytes, timeout: int):
        self.cache.set(key, blob, timeout=timeout)


class _RedisStore(_Store):
    """The same, with the freshness check made inside Redis (one round trip per page view),
    Redis's clock for every time, and the mirror in front of it (no round trip)."""

    def __init__(self, backend):
        super().__init__(backend)
        self.client = client = backend._cache.get_client(write=True)
        self.lookup_script = client.register_script(_REDIS_LOOKUP)
        self.start_script = client.register_script(_REDIS_START)
        self.stamp_script = client.register_script(_REDIS_STAMP)
        self.stamp_prefix = backend.make_and_validate_key(STAMP_PREFIX)
        self.location = backend._cache._servers[0]
        self.mirror = None

    def clock(self) -> int:
        seconds, microseconds = self.client.time()
        return seconds * 1_000_000 + microseconds

    def _mirror(self) -> _Mirror | None:
        mirror = self.mirror
        if mirror is None or mirror.pid != os.getpid():
            mirror = self.mirror = _mirror_for(
                self.location, self.client.connection_pool, self.stamp_prefix
            )
        return mirror

    def lookup(self, key: str) -> _Entry | None:
        key = self.cache.make_key(key)
        mirror = self._mirror()
        usable = False
        if mirror is not None:
            with mirror.lock:
                usable = mirror.ready()
                if usable:
                    entry = mirror.pages.get(key)
                    if entry is not None and mirror.fresh(entry):
                        return entry
                    generation = mirror.generation
        before = _monotonic_us()
        blob, now, *stamps = self.lookup_script(keys=[key], args=[self.stamp_prefix])
        entry = _Entry(blob) if blob else None
        if usable:
            with mirror.lock:
                mirror.measured(before, int(now))
                # Not if an invalidation was applied meanwhile (another thread's drain): it may
                # have been for a value this answer holds.
                if mirror.generation == generation:
                    mirror.keep(key, entry, stamps)
        return entry

    def start_clocks(self, keys) -> bool:
        stamp_keys = [self.stamp_prefix + k for k in keys]
        return bool(stamp_keys) and self.start_script(keys=stamp_keys) > 0

    def stamp(self, keys):
        self.stamp_script(keys=[self.stamp_prefix + k for k in keys])

    def save(self, key: str, blob: bytes, timeout: int):
        # Stored as it is (not pickled by Django's serializer): the lookup script reads it.
        self.client.set(self.cache.make_key(key), blob, ex=timeout)


def _store() -> _Store:
    """The store for the cache backend in use (kept on the backend: tests swap CACHES)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    store = getattr(backend, "_newsroom_page_store", None)
    if store is None:
        store = (_RedisStore if isinstance(backend, RedisCache) else _Store)(backend)
        backend._newsroom_page_store = store
    return store


# --- The middleware --------------------------------------------------------------------------


def _page_key(request) -> str:
    # The scheme too: a page served over plain HTTP (where a proxy, not Django, redirects)
    # names http:// addresses and has no HSTS header.
    raw = (
        f"{request.scheme}|{request.get_host()}|{request.path}|"
        f"{request.META.get('QUERY_STRING', '')}"
    )
    return PAGE_PREFIX + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def _uses_nonce(request) -> bool:
    """Whether this response carries a CSP nonce (django-csp's lazy ``request.csp_nonce`` is
    true once read). Such a page is one reader's only: a nonce served twice protects nothing,
    and a cached body's nonce would not match the next response's header."""
    return getattr(request, "_csp_nonce", None) is not None or bool(
        getattr(request, "csp_nonce", None)
    )


def _to_be_redirected(request) -> bool:
    """SecurityMiddleware, below this one, sends plain-HTTP requests to HTTPS."""
    return settings.SECURE_SSL_REDIRECT and not request.is_secure()


def _is_anonymous_read(request) -> bool:
    # No session cookie means no logged-in staff: no database query is needed to know it.
    return request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES


def _next_scheduled_change(since: float) -> float | None:
    """When the clock alone next changes what readers see (a scheduled publish or unpublish),
    counted from ``since``, the moment the page began rendering."""
    from .models import Article

    now = datetime.fromtimestamp(since, tz=UTC)
    upcoming = [
        Article.objects.filter(status=Article.Status.SCHEDULED, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first(),
        Article.objects.filter(status__in=Article.VISIBLE_STATES, unpublish_at__gt=now)
        .order_by("unpublish_at")
        .values_list("unpublish_at", flat=True)
        .first(),
    ]
    moments = [m.timestamp() for m in upcoming if m]
    return min(moments) if moments else None


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


@tolerant(default=None)
def _clock() -> int | None:
    """Now, by the clock the page cache compares with (None when the cache is down)."""
    return _store().clock()


@tolerant(default=None)
def _lookup(key) -> _Entry | None:
    found = _store().lookup(key)
    return _Entry(found) if isinstance(found, bytes) else found


@tolerant(default=None)
def _save(key, started: int, expires: int, keys, status, headers, content):
    store = _store()
    # A key with no stamp (never purged, or evicted) starts its clock now. This render began
    # before that, so it is not stored: had the missing stamp been an evicted purge during the
    # render, storing would serve the old page as fresh.
    if not store.start_clocks(keys):
        timeout = max(1, (expires - started) // 1_000_000)
        store.save(key, _pack(started, expires, keys, status, headers, content), timeout)


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the shared cache; store the ones views declared."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (enabled() and _is_anonymous_read(request)) or _to_be_redirected(request):
            return self.get_response(request)
        key = _page_key(request)
        hit = _lookup(key)
        if hit is not None:
            return hit.response(request)
        started = _clock()
        response = self.get_response(request)
        if started is not None and self._storable(request, response):
            expires = started + settings.NEWSROOM_PAGE_CACHE_SECONDS * 1_000_000
            next_change = _next_scheduled_change(started / 1_000_000)
            if next_change:
                expires = min(expires, int(next_change * 1_000_000))
            if not response.has_header("ETag"):
                set_response_etag(response)
            headers = {
                name: value
                for name, value in response.items()
                if name.lower() not in UNSTORED_HEADERS
            }
            _save(key, started, expires, sorted(request._cache_keys), response.status_code,
                  headers, response.content)  # fmt: skip
            response["X-Cache"] = "miss"
        return response

    @staticmethod
    def _storable(request, response) -> bool:
        return (
            getattr(request, "_cache_keys", None)
            and response.status_code in (200, 410)
            and not response.streaming
            and not response.cookies
            and not _uses_nonce(request)
            and "private" not in response.get("Cache-Control", "")
            and "no-cache" not in response.get("Cache-Control", "")
        )


class PublicCacheHeadersMiddleware:
    """Cache-Control for a CDN in front: a short shared max-age and stale-while-revalidate on
    public pages; private for anyone logged in. ETag and 304s come from ConditionalGetMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "_cache_keys", None) or "Cache-Control" in response:
            return response
        if _is_anonymous_read(request) and not _uses_nonce(request):
            # Browsers revalidate every time (a 304 is cheap, and an editor's correction must
            # show on reload); a shared cache or CDN may keep the page briefly.
            patch_cache_control(
                response,
                public=True,
                max_age=0,
                s_maxage=settings.NEWSROOM_CDN_MAX_AGE,
                stale_while_revalidate=settings.NEWSROOM_CDN_STALE_SECONDS,
            )
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response


def connect_signals():
    """Profile, tag and picture edits change pages without going through the workflow."""
    from django.db.models.signals import post_delete, post_save
    from taggit.models import Tag

    from authors.models import Author

    from .models import Image

    def purge_for(prefix):
        def handler(sender, instance, **kwargs):
            # Tags are not shown on cards; authors' names and pictures are.
            purge(f"{prefix}:{instance.pk}", None if prefix == "tag" else "listings")

        return handler

    for model, prefix in ((Author, "author"), (Tag, "tag"), (Image, "image")):
        for signal in (post_save, post_delete):
            signal.connect(
                purge_for(prefix), sender=model, weak=False, dispatch_uid=f"pc-{prefix}-{signal}"
            )
