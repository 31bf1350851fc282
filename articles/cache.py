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

import hashlib
import logging
import pickle
import time
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, set_response_etag

from newsroom.redis_cache import RedisCache

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
_REDIS_LOOKUP = (
    _REDIS_NOW
    + """
local blob = redis.call('GET', KEYS[1])
if not blob then return false end
local head = string.sub(blob, 1, string.find(blob, '\\n', 1, true) - 1)
local fields = {}
for field in string.gmatch(head, '%S+') do fields[#fields + 1] = field end
if tonumber(fields[2]) <= now then return false end
local started = tonumber(fields[1])
local stamp_keys = {}
for i = 3, #fields do stamp_keys[#stamp_keys + 1] = ARGV[1] .. fields[i] end
if #stamp_keys == 0 then return blob end
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
if fresh then return blob end
return false
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
    """The same, with the freshness check made inside Redis (one round trip per page view)
    and Redis's clock for every time."""

    def __init__(self, backend):
        super().__init__(backend)
        self.client = client = backend._cache.get_client(write=True)
        self.lookup_script = client.register_script(_REDIS_LOOKUP)
        self.start_script = client.register_script(_REDIS_START)
        self.stamp_script = client.register_script(_REDIS_STAMP)
        self.stamp_prefix = backend.make_and_validate_key(STAMP_PREFIX)

    def clock(self) -> int:
        seconds, microseconds = self.client.time()
        return seconds * 1_000_000 + microseconds

    def lookup(self, key: str) -> bytes | None:
        blob = self.lookup_script(keys=[self.cache.make_key(key)], args=[self.stamp_prefix])
        return blob or None

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


def tolerant(default=None):
    """A cache that is down (Redis restarting) must not take the site down: readers get pages
    rendered fresh, and the logs say why."""

    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception:  # Any backend's connection error.
                name = getattr(func, "__name__", repr(func))
                log.warning("Cache unavailable in %s; serving without it", name, exc_info=True)
                return default

        return wrapper

    return decorate


@tolerant(default=None)
def _clock() -> int | None:
    """Now, by the clock the page cache compares with (None when the cache is down)."""
    return _store().clock()


@tolerant(default=None)
def _lookup(key):
    blob = _store().lookup(key)
    if blob is None:
        return None
    _started, _expires, _keys, payload = _unpack(blob)
    return pickle.loads(payload)  # noqa: S301 (written by this module, in our own cache)


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
            status, headers, content = hit
            etag = headers.get("ETag")
            if etag and etag in request.headers.get("If-None-Match", ""):
                response = HttpResponseNotModified(
                    headers={k: v for k, v in headers.items() if k.lower() not in BODY_HEADERS}
                )
                response["X-Cache"] = "hit"
                return response
            response = HttpResponse(content, status=status, headers=headers)
            response["X-Cache"] = "hit"
            return response
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
