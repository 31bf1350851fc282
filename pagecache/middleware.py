"""The page cache's two middlewares: serving and storing anonymous readers' pages, and the
Cache-Control a CDN in front reads."""

import hashlib

from django.conf import settings
from django.utils.cache import patch_cache_control, set_response_etag

from .api import enabled, next_change, store, tolerant
from .store import PAGE_PREFIX, Lookup, pack
from .tiers import purges_http_caches

UNSTORED_HEADERS = {"set-cookie", "x-cache"}


def page_key(request) -> str:
    # The scheme too: a page served over plain HTTP (where a proxy, not Django, redirects)
    # names http:// addresses and has no HSTS header.
    raw = (
        f"{request.scheme}|{request.get_host()}|{request.path}|"
        f"{request.META.get('QUERY_STRING', '')}"
    )
    return PAGE_PREFIX + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def uses_nonce(request) -> bool:
    """Whether this response carries a CSP nonce (django-csp's lazy ``request.csp_nonce`` is
    true once read). Such a page is one reader's only: a nonce served twice protects nothing,
    and a cached body's nonce would not match the next response's header."""
    return getattr(request, "_csp_nonce", None) is not None or bool(
        getattr(request, "csp_nonce", None)
    )


def to_be_redirected(request) -> bool:
    """SecurityMiddleware, below this one, sends plain-HTTP requests to HTTPS."""
    return settings.SECURE_SSL_REDIRECT and not request.is_secure()


def is_anonymous_read(request) -> bool:
    # No session cookie means no logged-in staff: no database query is needed to know it.
    return request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES


@tolerant(default=None)
def lookup(key) -> Lookup | None:
    """The entry if fresh, and the store's clock now: a miss's page began rendering after it.
    None when the cache is down (nothing is stored then)."""
    return store().lookup(key)


@tolerant(default=True)
def purged_since(keys, since: int) -> bool:
    """Whether a purge of any of ``keys`` came at or after ``since``; when the store cannot say,
    assume so (the caller then keeps the page out of long-lived caches)."""
    return store().purged_since(keys, since)


def shorten_for_shared_caches(response):
    """Back to Cache-Control's s-maxage (CDN_MAX_AGE) for every shared cache."""
    for name in ("Surrogate-Control", "Cloudflare-CDN-Cache-Control"):
        if name in response:
            del response[name]


def withhold_from_shared_caches(response):
    """A page rendered while one of its keys was purged may show what the purge removed: its
    purge reached the HTTP tier in front before the page did, and nothing would ever purge
    it there again. It goes to this reader, and is kept by no cache."""
    shorten_for_shared_caches(response)
    response["Cache-Control"] = "max-age=0, no-cache, no-store"


@tolerant(default=None)
def save(key, started: int, expires: int, keys, status, headers, content):
    timeout = max(1, (expires - started) // 1_000_000)
    store().save(key, keys, pack(started, expires, keys, status, headers, content), timeout)


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the shared cache; store the ones views declared.

    A miss costs one round trip to look up (which also answers the clock and the next-change
    stamp) and one to store (which also starts the clocks of keys never purged)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (enabled() and is_anonymous_read(request)) or to_be_redirected(request):
            return self.get_response(request)
        key = page_key(request)
        found = lookup(key)
        if found is not None and found.entry is not None:
            return found.entry.response(request)
        response = self.get_response(request)
        if "Surrogate-Control" in response:
            if found is None:
                # The cache is down: whether a purge raced this render cannot be known, so
                # the HTTP tier keeps the page only as long as an unpurged cache would.
                shorten_for_shared_caches(response)
            elif purged_since(sorted(request._cache_keys), found.now):
                withhold_from_shared_caches(response)
        if found is not None and self._storable(request, response):
            started = found.now
            expires = started + settings.NEWSROOM_PAGE_CACHE_SECONDS * 1_000_000
            moment = next_change(started, found.next_change_stamp)
            if moment:
                expires = min(expires, moment)
            if not response.has_header("ETag"):
                set_response_etag(response)
            headers = {
                name: value
                for name, value in response.items()
                if name.lower() not in UNSTORED_HEADERS
            }
            save(key, started, expires, sorted(request._cache_keys), response.status_code,
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
            and not uses_nonce(request)
            and "private" not in response.get("Cache-Control", "")
            and "no-cache" not in response.get("Cache-Control", "")
        )


def surrogate_keys(keys) -> str:
    """The keys as the header SURROGATE_KEY_HEADER carries them: Cloudflare's Cache-Tag is
    comma-separated, Varnish's xkey and Fastly's Surrogate-Key space-separated."""
    separator = "," if settings.SURROGATE_KEY_HEADER.lower() == "cache-tag" else " "
    return separator.join(sorted(keys))


class PublicCacheHeadersMiddleware:
    """What a CDN or Varnish in front reads: Cache-Control (a short shared max-age and
    stale-while-revalidate on public pages; private for anyone logged in) and, on public pages,
    the surrogate keys of what the page shows (SURROGATE_KEY_HEADER), by which the outbox purges
    it. When a purged HTTP tier is configured, Surrogate-Control lets that tier keep the page for
    NEWSROOM_PURGED_CACHE_MAX_AGE while browsers and unpurged shared caches still revalidate
    (Cloudflare reads Cloudflare-CDN-Cache-Control instead). ETag and 304s come from
    ConditionalGetMiddleware. A page-cache hit replays all of these as stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "_cache_keys", None) or "Cache-Control" in response:
            return response
        if is_anonymous_read(request) and not uses_nonce(request):
            # Browsers revalidate every time (a 304 is cheap, and an editor's correction must
            # show on reload); a shared cache or CDN may keep the page briefly.
            patch_cache_control(
                response,
                public=True,
                max_age=0,
                s_maxage=settings.NEWSROOM_CDN_MAX_AGE,
                stale_while_revalidate=settings.NEWSROOM_CDN_STALE_SECONDS,
            )
            response[settings.SURROGATE_KEY_HEADER] = surrogate_keys(request._cache_keys)
            if purges_http_caches():
                control = (
                    f"max-age={settings.NEWSROOM_PURGED_CACHE_MAX_AGE}, "
                    f"stale-while-revalidate={settings.NEWSROOM_CDN_STALE_SECONDS}, "
                    f"stale-if-error={settings.NEWSROOM_CDN_STALE_IF_ERROR}"
                )
                response["Surrogate-Control"] = control
                if settings.SURROGATE_KEY_HEADER.lower() == "cache-tag":
                    response["Cloudflare-CDN-Cache-Control"] = control
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response
