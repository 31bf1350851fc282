"""Where pages and purge stamps are kept: the entry format, Redis (with its Lua scripts) and the
fallback through Django's cache API (the file cache, local memory in tests).

Every cached page records the *surrogate keys* of what it shows. A purge stamps a key with the
current time; a page is fresh only if it began rendering after the last purge of every key it
shows. A stamp that is missing (evicted, or never purged) is created with the current time, so
eviction can only cause a miss, never a stale page.
"""

import pickle
import time

from django.http import HttpResponse, HttpResponseNotModified
from django.http.cookie import SimpleCookie
from django.http.response import ResponseHeaders

# "3": every key carries the hash tag {pc3}, so that a script's keys (a page and the stamps of
# its keys) are in one Redis Cluster slot. "2" stored the same entries under names without a
# tag; the new names mean an old entry is simply never read. ("2" itself replaced float stamps.)
PAGE_PREFIX = "{pc3}:page:"
STAMP_PREFIX = "{pc3}:stamp:"
# The stamp purged whenever the answer of the PAGE_CACHE_NEXT_CHANGE hook may change: each
# process keeps that answer until this stamp moves (see api.next_change).
NEXT_CHANGE_KEY = "next-change"


def now_us() -> int:
    """Stamps and render start times are whole microseconds: an int is stored in Redis as plain
    digits (Django's Redis serializer leaves ints unpickled), so a Lua script can compare them."""
    return time.time_ns() // 1000


# --- Stored pages ----------------------------------------------------------------------------
#
# An entry is one bytes value: a first line "<started> <expires> <key> <key> ..." (times in
# microseconds, keys the surrogate keys the page shows, sorted), then the pickled (status,
# headers, body). The first line is all a freshness check needs, so Redis can make it itself.


def pack(started: int, expires: int, keys, status: int, headers: dict, content: bytes) -> bytes:
    head = " ".join([str(started), str(expires), *keys]).encode()
    return head + b"\n" + pickle.dumps((status, headers, content), pickle.HIGHEST_PROTOCOL)


def unpack(blob: bytes):
    head, _, payload = blob.partition(b"\n")
    started, expires, *keys = head.decode().split(" ")
    return int(started), int(expires), keys, payload


# What a 304 leaves out of the stored headers: they describe a body it does not have.
BODY_HEADERS = {"content-type", "content-length", "content-encoding"}
_new = object.__new__


class Entry:
    """A stored page as a hit serves it: its first line parsed, its payload unpickled, and the
    response it becomes built once, so that serving it again is a copy of a few attributes."""

    __slots__ = ("started", "expires", "keys", "status", "headers", "content", "etag",
                 "_template", "_header_store", "size")  # fmt: skip

    def __init__(self, blob: bytes):
        self.started, self.expires, keys, payload = unpack(blob)
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


class Lookup:
    """What a lookup learnt: the entry if it is fresh, Redis's time (or this machine's, for the
    fallback store) when it looked, and the stamp of NEXT_CHANGE_KEY then."""

    __slots__ = ("entry", "now", "next_change_stamp")

    def __init__(self, entry, now, next_change_stamp):
        self.entry, self.now, self.next_change_stamp = entry, now, next_change_stamp


# --- Redis's scripts ---------------------------------------------------------------------------
#
# With Redis, every time the page cache compares (when a page began rendering, when a key was
# purged, when an entry expires) is read from Redis's own clock, so web servers, the admin and
# the worker on different machines never compare their clocks with each other: a web server
# whose clock ran ahead could otherwise keep a page rendered just before a purge. Times are
# written as text made from TIME's two parts (a Lua number turned into text keeps only 14
# digits) and compared as numbers (microseconds since 1970 are exact as doubles).
#
# Every key a script touches is named in KEYS, and every name carries the hash tag {pc3}, so the
# scripts run on Redis Cluster too (all in one slot: a page's freshness is one atomic check of
# the page and its keys' stamps, which a cluster allows only within a slot).
REDIS_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_text = t[1] .. string.format('%06d', tonumber(t[2]))
"""

# Freshness in one round trip. KEYS: the page, the NEXT_CHANGE_KEY stamp, then the stamps of the
# keys the caller expects the page to show (the caller remembers them from an earlier answer);
# ARGV[1]: the stamp prefix. A missing stamp (never purged, or evicted) is started now and the
# entry is not served. The answer is {entry, Redis's time now, the next-change stamp, then for
# a fresh entry the stamps of its keys in the order of its first line}; the entry is false for
# a miss, or 1 and the entry's first line when the stamps named in KEYS were not its keys (the
# caller asks again with the right ones).
LOOKUP = (
    REDIS_NOW
    + """
local next_change = redis.call('GET', KEYS[2])
if not next_change then
  redis.call('SET', KEYS[2], now_text, 'NX')
  next_change = now_text
end
local blob = redis.call('GET', KEYS[1])
if not blob then return {false, now_text, next_change} end
local head = string.sub(blob, 1, string.find(blob, '\\n', 1, true) - 1)
local fields = {}
for field in string.gmatch(head, '%S+') do fields[#fields + 1] = field end
if tonumber(fields[2]) <= now then return {false, now_text, next_change} end
if #fields - 2 ~= #KEYS - 2 then return {1, now_text, next_change, head} end
for i = 3, #fields do
  if ARGV[1] .. fields[i] ~= KEYS[i] then return {1, now_text, next_change, head} end
end
local started = tonumber(fields[1])
local answer = {blob, now_text, next_change}
local fresh = true
for i = 3, #KEYS do
  local stamp = redis.call('GET', KEYS[i])
  if not stamp then
    redis.call('SET', KEYS[i], now_text, 'NX')
    fresh = false
  elseif tonumber(stamp) >= started then
    fresh = false
  end
  answer[#answer + 1] = stamp
end
if not fresh then return {false, now_text, next_change} end
return answer
"""
)

# A miss's page, stored in the same round trip as the clocks of its keys are started. KEYS: the
# page, then its keys' stamps; ARGV: the entry, its lifetime in seconds. A key with no stamp
# (never purged, or evicted) starts its clock now; the render began before that, so the page is
# not stored: had the missing stamp been an evicted purge during the render, storing would
# serve the old page as fresh. Answers 1 if stored.
SAVE = (
    REDIS_NOW
    + """
local started = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], now_text, 'NX') then started = started + 1 end
end
if started > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
)

# A purge: every key stamped with Redis's time now.
STAMP = (
    REDIS_NOW
    + """
for i = 1, #KEYS do
  -- Never backwards: a purge that reaches Redis late must not undo a later one.
  local stamp = tonumber(redis.call('GET', KEYS[i]))
  if not stamp or stamp < now then redis.call('SET', KEYS[i], now_text) end
end
return #KEYS
"""
)


class Store:
    """Pages and stamps through Django's cache API (the file cache, local memory in tests):
    one machine, so its own clock."""

    def __init__(self, backend):
        self.cache = backend

    def clock(self) -> int:
        return now_us()

    def lookup(self, key: str) -> Lookup:
        now = self.clock()
        next_change = self.cache.get(STAMP_PREFIX + NEXT_CHANGE_KEY)
        if not isinstance(next_change, int):
            self.cache.add(STAMP_PREFIX + NEXT_CHANGE_KEY, now, timeout=None)
            next_change = self.cache.get(STAMP_PREFIX + NEXT_CHANGE_KEY, now)
        blob = self.cache.get(key)
        if not isinstance(blob, bytes):
            return Lookup(None, now, next_change)
        started, expires, keys, _payload = unpack(blob)
        if expires <= now:
            return Lookup(None, now, next_change)
        stamps = self.cache.get_many([STAMP_PREFIX + k for k in keys])
        fresh = True
        for k in keys:
            stamp = stamps.get(STAMP_PREFIX + k)
            if not isinstance(stamp, int):  # Evicted or never purged: start the clock now.
                self.cache.add(STAMP_PREFIX + k, now, timeout=None)
                fresh = False
            elif stamp >= started:
                fresh = False
        return Lookup(Entry(blob) if fresh else None, now, next_change)

    def save(self, key: str, keys, blob: bytes, timeout: int) -> bool:
        now = self.clock()
        started = False
        for k in keys:
            started |= bool(self.cache.add(STAMP_PREFIX + k, now, timeout=None))
        if not started:
            self.cache.set(key, blob, timeout=timeout)
        return not started

    def purged_since(self, keys, since: int) -> bool:
        """Whether any of ``keys`` was purged at or after ``since`` (the store's clock)."""
        stamps = self.cache.get_many([STAMP_PREFIX + k for k in keys])
        return any(isinstance(stamp, int) and stamp >= since for stamp in stamps.values())

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
