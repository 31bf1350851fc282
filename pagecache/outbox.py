"""The purge outbox: a purge is certain because it is a database row before it is anything else.

``purge(*keys)`` writes one ``PendingPurge`` row per configured tier (pagecache/tiers.py) in the
transaction of the change that needs it: a change rolled back leaves no row, a change committed
leaves rows that stay until their tier has confirmed. On commit the rows are sent at once, to
every tier side by side (one tier down or slow does not hold up the others), and a row is
deleted only after its tier confirmed: for the page cache, after the stamps are written. A row
not delivered records the error and when to try again (backoff: 2, 4, 8 ... 60 seconds, or what
a rate limit's Retry-After asks), and the worker (``manage.py publish_due --loop`` or
``manage.py deliver_purges --loop``) delivers it then.

Delivery locks its rows (``SELECT ... FOR UPDATE SKIP LOCKED``): two workers, or a worker and a
web process delivering on commit, never send the same row twice; each takes what the other has
not. The rows of a tier due together are sent as one purge of the union of their keys (many
changes to one story while a tier was down are one purge, not many).

Why the purge waits for the commit: a reader whose render began before the commit could
otherwise store the old page after the stamp, as fresh. Stamped after the commit, every page
rendered before it is stale (pagecache/store.py).
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from common.db_routing import record_purge_lsn

from .models import PendingPurge
from .tiers import PurgeFailed, Tier, configured_tiers

log = logging.getLogger("pagecache")

BATCH = 500  # Rows of one tier sent as one purge by the worker.
MAX_DELAY = 60  # Seconds: the longest wait between two attempts (unless a tier asks longer).
MAX_RETRY_AFTER = 15 * 60


# REPEAT. A page the backend began rendering before the change committed can reach an HTTP
# cache after that cache confirmed the purge, and be kept there as fresh: the page cache's
# stamps compare render start times, an HTTP cache cannot. So an HTTP tier's purge is sent once
# more, PURGE_REPEAT_SECONDS after its first confirmation (longer than a render may take); the
# row is deleted after the second confirmation. Editors are told only about purges not yet
# confirmed once.


def repeat_delay() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "PURGE_REPEAT_SECONDS", 10)))


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    delay = min(MAX_DELAY, 2 ** min(attempts, 10))
    if retry_after:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return timedelta(seconds=delay)


# --- Recording ----------------------------------------------------------------------------------

_local = threading.local()


class _Batch:
    """The rows recorded in one transaction, delivered together on its commit."""

    def __init__(self):
        self.ids: list[int] = []
        self.sent = False

    def __call__(self):
        self.sent = True
        ids, self.ids = self.ids, []
        try:
            deliver(ids=ids)
        except Exception:
            # The change is committed: the request must not fail now. The rows wait for the
            # worker (a database blip here, say).
            log.exception("Purge delivery on commit failed; the worker will retry")


def _open_batch(db) -> _Batch | None:
    """The batch whose on-commit delivery is still to come in this transaction, if any."""
    batch = getattr(_local, "batch", None)
    if batch is None or batch.sent or not db.in_atomic_block:
        return None
    # Registered at this very savepoint level: a batch of an outer level (or of a transaction
    # that never commits, a TestCase's) is left alone, a new one registered.
    level = set(db.savepoint_ids)
    if any(func is batch and sids == level for sids, func, *_ in db.run_on_commit):
        return batch
    return None


def delivery_pending() -> bool:
    """Whether purges recorded in the current transaction wait for its commit to be sent."""
    return connection.in_atomic_block and any(
        isinstance(func, _Batch) and not func.sent for _sids, func, *_ in connection.run_on_commit
    )


def record(keys) -> list[int]:
    """Write the purge of ``keys`` (one row per tier) and deliver it on commit (at once outside
    a transaction). Returns the rows' ids (none when no tier is configured)."""
    keys = sorted({k for k in keys if k})
    if not keys:
        return []
    for key in keys:
        if not key.strip() or any(c.isspace() for c in key):
            raise ValueError(f"a surrogate key has no spaces: {key!r}")
    tiers = configured_tiers()
    if not tiers:
        return []
    now = timezone.now()
    packed = PendingPurge.pack(keys)
    rows = PendingPurge.objects.bulk_create(
        [PendingPurge(tier=t.name, keys=packed, created_at=now, next_attempt_at=now) for t in tiers]
    )
    ids = [row.pk for row in rows]
    batch = _open_batch(connection)
    if batch is not None:
        batch.ids.extend(ids)
    else:
        batch = _local.batch = _Batch()
        batch.ids.extend(ids)
        transaction.on_commit(batch)
    return ids


# --- Delivering ---------------------------------------------------------------------------------


def _purge_each(work: dict[Tier, list[str]]) -> dict[str, PurgeFailed | None]:
    """Purge every tier; the error of each that did not confirm (None if it did). The page
    cache first, in this thread (its cache connection is this thread's); then the HTTP tiers
    side by side in threads of their own, so the slowest bounds the wait, not their sum."""
    results: dict[str, PurgeFailed | None] = {}

    def attempt(tier, keys):
        try:
            tier.purge(keys)
        except PurgeFailed as error:
            return error
        except Exception as error:  # A tier's bug must not stop the others, nor lose the row.
            log.exception("Purge through %s raised", tier.name)
            return PurgeFailed(f"{type(error).__name__}: {error}")
        return None

    try:
        # First the primary's WAL position, for read replicas (common/db_routing.py): a reader
        # request that finds these keys purged reads from a replica only once it has replayed
        # this far, so no tier is refilled from a replica that has not seen the change. Without
        # it no tier may be purged: every row stays for the worker.
        record_purge_lsn()
    except Exception as error:
        log.warning("Purge position not recorded; purges wait for the worker", exc_info=True)
        return {tier.name: PurgeFailed(f"purge position: {error}") for tier in work}

    local = [(t, k) for t, k in work.items() if t.name == "pagecache"]
    remote = [(t, k) for t, k in work.items() if t.name != "pagecache"]
    # The page cache's stamps first: an HTTP cache's race guard (pagecache/middleware.py) reads
    # them to tell a page rendered across this purge, which must not be kept for long.
    for tier, keys in local:
        results[tier.name] = attempt(tier, keys)
    futures = {}
    executor = None
    if len(remote) > 1:
        executor = ThreadPoolExecutor(max_workers=len(remote), thread_name_prefix="purge")
        futures = {tier.name: executor.submit(attempt, tier, keys) for tier, keys in remote}
    else:
        for tier, keys in remote:
            results[tier.name] = attempt(tier, keys)
    if executor is not None:
        for name, future in futures.items():
            results[name] = future.result()
        executor.shutdown()
    return results


def _deliver_rows(query, tiers: list[Tier]) -> tuple[int, int]:
    """Lock the rows ``query`` selects (skipping rows another delivery holds), purge them per
    tier, delete the confirmed, reschedule the rest. (delivered, failed) row counts."""
    by_name = {tier.name: tier for tier in tiers}
    with transaction.atomic():
        rows = list(
            query.filter(tier__in=by_name).select_for_update(skip_locked=True).order_by("pk")
        )
        if not rows:
            return 0, 0
        work: dict[Tier, list[str]] = {}
        for row in rows:
            tier = by_name[row.tier]
            work[tier] = sorted(set(work.get(tier, [])) | set(row.key_list))
        results = _purge_each(work)
        now = timezone.now()
        done = [row for row in rows if results[row.tier] is None]
        # An HTTP cache's first confirmation is followed by a second purge a little later (see
        # REPEAT above); the page cache's stamps need none.
        again = [row.pk for row in done if row.confirmed_at is None and by_name[row.tier].repeat]
        if again:
            PendingPurge.objects.filter(pk__in=again).update(
                confirmed_at=now, attempts=0, last_error="", next_attempt_at=now + repeat_delay()
            )
        gone = [row.pk for row in done if row.pk not in set(again)]
        if gone:
            PendingPurge.objects.filter(pk__in=gone).delete()
        failed = 0
        for name, error in results.items():
            if error is None:
                continue
            mine = [row for row in rows if row.tier == name]
            failed += len(mine)
            attempts = max(row.attempts for row in mine) + 1
            log.warning("Purge not confirmed by %s (attempt %s): %s", name, attempts, error)
            PendingPurge.objects.filter(pk__in=[row.pk for row in mine]).update(
                attempts=attempts,
                last_error=str(error)[:2000],
                next_attempt_at=now + backoff(attempts, error.retry_after),
            )
        return len(done), failed


def deliver(ids) -> tuple[int, int]:
    """Deliver these rows now (on commit of the change that wrote them)."""
    if not ids:
        return 0, 0
    return _deliver_rows(PendingPurge.objects.filter(pk__in=ids), configured_tiers())


def deliver_due(now=None) -> tuple[int, int]:
    """The worker's round: every row whose time has come, each tier on its own, in batches,
    until none is left. (delivered, failed) row counts."""
    now = now or timezone.now()
    tiers = configured_tiers()
    delivered = failed = 0
    for tier in tiers:
        tried = set()
        while True:
            due = PendingPurge.objects.filter(tier=tier.name, next_attempt_at__lte=now).exclude(
                pk__in=tried
            )
            ids = list(due.order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            tried.update(ids)
            done, not_done = _deliver_rows(PendingPurge.objects.filter(pk__in=ids), [tier])
            delivered, failed = delivered + done, failed + not_done
            if not_done:
                break  # Down: its other rows wait for the next round.
    unknown = (
        PendingPurge.objects.exclude(tier__in=[t.name for t in tiers])
        .values_list("tier", flat=True)
        .distinct()
    )
    for name in unknown:
        log.warning(
            "Purges for %s are waiting, but this process has no such tier configured "
            "(PURGE_VARNISH_URLS, FASTLY_*, CLOUDFLARE_*, PAGE_CACHE); "
            "`manage.py deliver_purges --forget %s` drops them",
            name,
            name,
        )
    return delivered, failed


def forget(tier_name: str) -> int:
    """Drop the rows of a tier taken out of service (they can never be delivered)."""
    return PendingPurge.objects.filter(tier=tier_name).delete()[0]


# --- What editors are told ----------------------------------------------------------------------


class StillCached(NamedTuple):
    """A tier that has not confirmed a purge: since when, how many tries, the last error."""

    tier: str
    label: str
    since: datetime
    attempts: int
    last_error: str


def _labels() -> dict[str, str]:
    return {tier.name: tier.label for tier in configured_tiers()}


def label_of(name: str, labels: dict[str, str] | None = None) -> str:
    labels = _labels() if labels is None else labels
    if name in labels:
        return labels[name]
    kind, _, rest = name.partition(":")
    return f"{kind.capitalize()} at {rest}" if rest else name


def still_cached(key: str) -> list[StillCached]:
    """The tiers that have not confirmed a purge of ``key`` (oldest first): one query."""
    return still_cached_by_key(key, exact=True).get(key, [])


def still_cached_by_key(prefix: str, *, exact=False) -> dict[str, list[StillCached]]:
    """For every key starting with ``prefix`` (or equal to it, ``exact``) that an undelivered
    purge names, the tiers still holding it, each with its oldest such purge: one query over
    the outbox (it holds only what is not yet delivered)."""
    rows = PendingPurge.objects.filter(
        keys__contains=f" {prefix} " if exact else f" {prefix}", confirmed_at__isnull=True
    )
    rows = rows.order_by("created_at", "pk").values_list(
        "tier", "created_at", "attempts", "last_error", "keys"
    )
    labels = _labels()
    found: dict[str, dict[str, StillCached]] = {}
    for tier, created_at, attempts, last_error, keys in rows:
        for key in keys.split():
            if key == prefix if exact else key.startswith(prefix):
                tiers = found.setdefault(key, {})
                if tier not in tiers:  # The oldest, rows being in order.
                    tiers[tier] = StillCached(
                        tier, label_of(tier, labels), created_at, attempts, last_error
                    )
                else:
                    old = tiers[tier]
                    tiers[tier] = old._replace(attempts=max(old.attempts, attempts))
    return {key: list(tiers.values()) for key, tiers in found.items()}
