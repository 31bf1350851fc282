"""The cache tiers a purge must reach: the page cache itself, and every HTTP cache in front.

A tier purges by surrogate key ("article:12", "front", ...: the keys the page cache stores with
each page and the pages send in their surrogate-key header). ``Tier.purge(keys)`` returns only
when the tier has confirmed the purge, and raises ``PurgeFailed`` otherwise: the outbox
(``pagecache/outbox.py``) keeps the purge and retries it until it does.

- The page cache: its keys stamped in the shared cache (Redis, or the file cache).
- Varnish (one tier per base URL in ``PURGE_VARNISH_URLS``): ``PURGE /`` with the header
  ``xkey-purge: <keys>``; a confirmed purge is ``200`` with ``xkey-purged: <n>`` (``ops/`` has
  the VCL: a hard purge, for clients in its purge ACL, ``405`` for anyone else).
- Fastly (``FASTLY_SERVICE_ID``, ``FASTLY_API_TOKEN``): the batch purge by surrogate key,
  ``POST /service/<id>/purge`` with ``Surrogate-Key: <keys>``, at most 256 keys a call.
- Cloudflare (``CLOUDFLARE_ZONE_ID``, ``CLOUDFLARE_API_TOKEN``): ``POST
  /client/v4/zones/<zone>/purge_cache`` with ``{"tags": [...]}``, at most 100 tags a call.

Every request has a timeout (``PURGE_TIMEOUT``, seconds): a tier that does not answer is a
failed purge, retried later, never a web process stuck in a request.
"""

import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

log = logging.getLogger("pagecache")

DEFAULT_TIMEOUT = 3.0


class PurgeFailed(Exception):
    """The tier did not confirm the purge. ``retry_after``: seconds the tier asked us to wait
    (a rate limit's Retry-After), or None."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Tier:
    """A cache that keeps pages by surrogate key. ``name`` is stable (stored in the outbox);
    ``label`` is what editors read ("still cached at <label>")."""

    name = ""
    label = ""
    # Whether a confirmed purge is sent once more a little later (pagecache/outbox.py, REPEAT):
    # HTTP caches may be handed a page rendered before the change after they purged.
    repeat = True

    def purge(self, keys: list[str]) -> None:
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"


def timeout() -> float:
    return float(getattr(settings, "PURGE_TIMEOUT", DEFAULT_TIMEOUT))


def batches(keys: list[str], most: int, max_chars: int | None = None):
    """``keys`` in groups of at most ``most`` (and at most ``max_chars`` when joined by
    spaces: a header has a size limit)."""
    batch, size = [], 0
    for key in keys:
        if batch and (len(batch) >= most or (max_chars and size + 1 + len(key) > max_chars)):
            yield batch
            batch, size = [], 0
        batch.append(key)
        size += len(key) + (1 if size else 0)
    if batch:
        yield batch


# --- The page cache ---------------------------------------------------------------------------


class PageCacheTier(Tier):
    """The page cache's purge stamps. Confirmed when the store has written them: from then
    on every page rendered before is stale in every process (pagecache/store.py)."""

    name = "pagecache"
    label = "the page cache"
    repeat = False  # Its stamps compare render start times: a late old page is already stale.

    def purge(self, keys):
        from .redis_store import store

        # A blip (a connection dropped between two requests) gets one quick retry here; a cache
        # that is down fails fast (refused) and is retried by the worker.
        for attempt in range(2):
            try:
                store().stamp(sorted(keys))
                return
            except Exception as error:  # Any backend's connection error.
                if attempt:
                    raise PurgeFailed(f"{type(error).__name__}: {error}") from error
                time.sleep(0.05)


# --- HTTP caches ------------------------------------------------------------------------------

# Varnish's and a proxy's own addresses: never through an HTTP proxy from the environment.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _send(request: urllib.request.Request, *, opener=None):
    """(status, headers, body) of the answer; PurgeFailed when there was none."""
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=timeout()) as answer:
            return answer.status, answer.headers, answer.read(1_000_000)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read(1_000_000)
    except (OSError, ValueError) as error:  # Refused, unreachable, timed out, bad URL.
        raise PurgeFailed(f"no answer from {request.full_url}: {error}") from error


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # An HTTP date: the usual backoff.


class VarnishTier(Tier):
    """One Varnish server, purged through its VCL's xkey purge (``PURGE`` with
    ``xkey-purge``)."""

    # Varnish refuses a request header over http_req_hdr_len (8 KB by default).
    MAX_HEADER = 6000

    def __init__(self, base_url: str):
        self.base_url = base_url.strip().rstrip("/")
        parts = urlsplit(self.base_url)
        self.name = f"varnish:{self.base_url}"
        self.label = f"Varnish at {parts.netloc or self.base_url}"

    def purge(self, keys):
        for batch in batches(sorted(keys), most=1000, max_chars=self.MAX_HEADER):
            request = urllib.request.Request(
                self.base_url + "/", method="PURGE", headers={"xkey-purge": " ".join(batch)}
            )
            status, headers, _body = _send(request, opener=_direct)
            purged = headers.get("xkey-purged") if headers is not None else None
            if status != 200 or purged is None:
                raise PurgeFailed(
                    f"{self.label} answered {status}"
                    + ("" if status != 200 else " without xkey-purged")
                    + (" (is this address in the VCL's purge ACL?)" if status == 405 else "")
                )


class FastlyTier(Tier):
    """A Fastly service, purged by surrogate key through its API (hard purges)."""

    MAX_KEYS = 256  # Fastly's batch purge limit.
    API = "https://api.fastly.com"

    def __init__(self, service_id: str, token: str, api: str | None = None):
        self.service_id, self.token = service_id, token
        self.api = (api or self.API).rstrip("/")
        self.name = f"fastly:{service_id}"
        self.label = "Fastly"

    def purge(self, keys):
        for batch in batches(sorted(keys), most=self.MAX_KEYS):
            request = urllib.request.Request(
                f"{self.api}/service/{self.service_id}/purge",
                method="POST",
                headers={
                    "Fastly-Key": self.token,
                    "Surrogate-Key": " ".join(batch),
                    "Accept": "application/json",
                },
            )
            status, headers, body = _send(request)
            if status != 200:
                raise PurgeFailed(
                    f"Fastly answered {status}: {_message(body, 'msg')}",
                    retry_after=_retry_after(headers) if status == 429 else None,
                )
            answer = _json(body)
            # The answer names each key purged with its purge id.
            if not isinstance(answer, dict) or not set(batch) <= set(answer):
                raise PurgeFailed(f"Fastly's answer did not confirm every key: {body[:200]!r}")


class CloudflareTier(Tier):
    """A Cloudflare zone, purged by cache tag through its API."""

    MAX_TAGS = 100  # Cloudflare's limit of purge operations a call (it was 30 before 2025).
    API = "https://api.cloudflare.com/client/v4"

    def __init__(self, zone_id: str, token: str, api: str | None = None):
        self.zone_id, self.token = zone_id, token
        self.api = (api or self.API).rstrip("/")
        self.name = f"cloudflare:{zone_id}"
        self.label = "Cloudflare"

    def purge(self, keys):
        for batch in batches(sorted(keys), most=self.MAX_TAGS):
            request = urllib.request.Request(
                f"{self.api}/zones/{self.zone_id}/purge_cache",
                method="POST",
                data=json.dumps({"tags": batch}).encode(),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                },
            )
            status, headers, body = _send(request)
            answer = _json(body)
            if status != 200 or not (isinstance(answer, dict) and answer.get("success") is True):
                raise PurgeFailed(
                    f"Cloudflare answered {status}: {_cloudflare_errors(answer, body)}",
                    retry_after=_retry_after(headers) if status == 429 else None,
                )


def _json(body: bytes):
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


def _message(body: bytes, field: str) -> str:
    answer = _json(body)
    if isinstance(answer, dict) and answer.get(field):
        return str(answer[field])[:200]
    return repr(body[:200])


def _cloudflare_errors(answer, body: bytes) -> str:
    if isinstance(answer, dict) and answer.get("errors"):
        return "; ".join(
            f"{error.get('code')} {error.get('message')}"
            for error in answer["errors"]
            if isinstance(error, dict)
        )[:300]
    return repr(body[:200])


# --- Which tiers ------------------------------------------------------------------------------


def configured_tiers() -> list[Tier]:
    """Every tier a purge must reach, from the settings: the page cache (when on), each Varnish
    of PURGE_VARNISH_URLS, Fastly and Cloudflare when their settings are given."""
    tiers: list[Tier] = []
    if getattr(settings, "NEWSROOM_PAGE_CACHE", False):
        tiers.append(PageCacheTier())
    urls = getattr(settings, "PURGE_VARNISH_URLS", [])
    if isinstance(urls, str):
        urls = urls.split(",")
    seen = set()
    for url in urls:
        if url.strip() and url.strip().rstrip("/") not in seen:
            seen.add(url.strip().rstrip("/"))
            tiers.append(VarnishTier(url))
    service, token = (
        getattr(settings, "FASTLY_SERVICE_ID", ""),
        getattr(settings, "FASTLY_API_TOKEN", ""),
    )
    if service and token:
        tiers.append(FastlyTier(service, token, getattr(settings, "FASTLY_API_URL", None)))
    zone, token = (
        getattr(settings, "CLOUDFLARE_ZONE_ID", ""),
        getattr(settings, "CLOUDFLARE_API_TOKEN", ""),
    )
    if zone and token:
        tiers.append(CloudflareTier(zone, token, getattr(settings, "CLOUDFLARE_API_URL", None)))
    return tiers


def purges_http_caches() -> bool:
    """Whether an HTTP cache in front (a Varnish, Fastly or Cloudflare tier above) is purged by
    key on every change, so pages may stay there long. Asked of the same list the outbox
    delivers to: a half-configured tier (Fastly's service without its token) purges nothing,
    so it must not earn pages a day-long lifetime either."""
    return any(tier.name != PageCacheTier.name for tier in configured_tiers())


def tier_named(name: str) -> Tier | None:
    for tier in configured_tiers():
        if tier.name == name:
            return tier
    return None
