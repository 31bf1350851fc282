"""The purge outbox: rows written with the change, delivered on commit to every tier, kept and
retried until each tier confirms, never sent twice by two workers."""

import threading
from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone

import pagecache
from articles import workflow
from pagecache import outbox
from pagecache.models import PendingPurge
from pagecache.store import STAMP_PREFIX
from tests.factories import make_article, make_section, make_user
from tests.pagecache.fake_http import FakeServer, recorded, varnish


def closed_port_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


class Rollback(Exception):
    pass


@override_settings(NEWSROOM_PAGE_CACHE=True, PURGE_VARNISH_URLS=[])
class OutboxTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.story = make_article(headline="Live story", section=make_section("World"))

    def setUp(self):
        # Making the test data purged too (its rows never committed, never sent).
        PendingPurge.objects.all().delete()

    def test_the_rows_are_written_in_the_changes_transaction(self):
        try:
            with transaction.atomic():
                workflow.unpublish(self.story, by=self.editor)
                rows = list(PendingPurge.objects.values_list("tier", "keys"))
                self.assertEqual([tier for tier, _keys in rows], ["pagecache"])
                self.assertIn(f" article:{self.story.pk} ", rows[0][1])
                raise Rollback
        except Rollback:
            pass
        # The change rolled back: no purge left to send, nothing sent.
        self.assertFalse(PendingPurge.objects.exists())
        self.assertIsNone(cache.get(STAMP_PREFIX + f"article:{self.story.pk}"))

    def test_on_commit_every_tier_is_purged_and_its_row_deleted(self):
        with FakeServer(varnish) as server, override_settings(PURGE_VARNISH_URLS=[server.url]):
            with self.captureOnCommitCallbacks(execute=True):
                workflow.unpublish(self.story, by=self.editor)
                self.assertEqual(PendingPurge.objects.count(), 2)
            self.assertIsNotNone(cache.get(STAMP_PREFIX + f"article:{self.story.pk}"))
            (request,) = server.requests
            self.assertIn(f"article:{self.story.pk}", request["headers"]["xkey-purge"].split())
            # Both confirmed: the editor is told nothing; the page cache's row is gone,
            # Varnish's waits for its repeat (a page rendered before the commit may reach it
            # after the purge).
            self.assertEqual(outbox.still_cached(f"article:{self.story.pk}"), [])
            (row,) = PendingPurge.objects.all()
            self.assertEqual(row.tier, f"varnish:{server.url}")
            self.assertIsNotNone(row.confirmed_at)
            self.assertEqual(outbox.deliver_due(), (0, 0))  # Not yet.
            self.assertEqual(outbox.deliver_due(timezone.now() + timedelta(seconds=11)), (1, 0))
        first, again = (r["headers"]["xkey-purge"] for r in server.requests)
        self.assertEqual(first, again)
        self.assertFalse(PendingPurge.objects.exists())

    def test_a_tier_that_is_down_keeps_its_row_and_does_not_hold_up_the_others(self):
        down = closed_port_url()
        with (
            override_settings(PURGE_VARNISH_URLS=[down]),
            self.captureOnCommitCallbacks(execute=True),
        ):
            workflow.unpublish(self.story, by=self.editor)
        # The page cache confirmed: stamped, its row gone.
        self.assertIsNotNone(cache.get(STAMP_PREFIX + f"article:{self.story.pk}"))
        (row,) = PendingPurge.objects.all()
        self.assertEqual(row.tier, f"varnish:{down}")
        self.assertEqual(row.attempts, 1)
        self.assertIn("no answer", row.last_error)
        self.assertGreater(row.next_attempt_at, timezone.now())

    def test_the_worker_retries_with_backoff_and_sends_a_tiers_rows_as_one_purge(self):
        answers = [{"status": 405, "body": "Not allowed."}]
        with (
            FakeServer(lambda request: answers[0]) as server,
            override_settings(PURGE_VARNISH_URLS=[server.url], NEWSROOM_PAGE_CACHE=False),
        ):
            for keys in (["article:1", "front"], ["article:2", "front"], ["article:1"]):
                with self.captureOnCommitCallbacks(execute=True):
                    pagecache.purge(*keys)
            self.assertEqual(len(server.requests), 3)  # Each tried on commit, refused.
            self.assertEqual(PendingPurge.objects.count(), 3)
            # Not due yet: the worker leaves them.
            self.assertEqual(outbox.deliver_due(), (0, 0))
            self.assertEqual(len(server.requests), 3)
            later = timezone.now() + timedelta(seconds=3)
            self.assertEqual(outbox.deliver_due(later), (0, 3))  # Still refused: 2nd attempt.
            self.assertEqual(set(PendingPurge.objects.values_list("attempts", flat=True)), {2})
            answers[0] = varnish(server.requests[0])
            self.assertEqual(outbox.deliver_due(later + timedelta(seconds=5)), (3, 0))
            # The three rows went as one purge of their keys.
            self.assertEqual(
                server.requests[-1]["headers"]["xkey-purge"], "article:1 article:2 front"
            )
            self.assertEqual(len(server.requests), 5)
            self.assertEqual(outbox.still_cached_by_key(""), {})  # Confirmed.
            self.assertEqual(outbox.deliver_due(later + timedelta(seconds=60)), (3, 0))  # Repeat.
        self.assertEqual(len(server.requests), 6)
        self.assertFalse(PendingPurge.objects.exists())

    def test_a_rate_limited_api_is_retried_after_the_time_it_asks(self):
        answers = [recorded("cloudflare_rate_limited"), recorded("cloudflare_purge_ok")]
        with (
            FakeServer(answers) as server,
            override_settings(
                NEWSROOM_PAGE_CACHE=False,
                CLOUDFLARE_ZONE_ID="zone",
                CLOUDFLARE_API_TOKEN="token",
                CLOUDFLARE_API_URL=server.url,
            ),
        ):
            with self.captureOnCommitCallbacks(execute=True):
                pagecache.purge("article:5")
            (row,) = PendingPurge.objects.all()
            self.assertIn("971 Please wait", row.last_error)
            wait = row.next_attempt_at - timezone.now()
            self.assertGreater(wait, timedelta(seconds=15))  # Retry-After: 20, not 2.
            self.assertEqual(outbox.deliver_due(timezone.now() + timedelta(seconds=10)), (0, 0))
            self.assertEqual(outbox.deliver_due(timezone.now() + timedelta(seconds=21)), (1, 0))
        self.assertEqual(len(server.requests), 2)
        self.assertFalse(PendingPurge.objects.filter(confirmed_at__isnull=True).exists())

    def test_fastly_auth_failure_is_kept_and_shown(self):
        with (
            FakeServer([recorded("fastly_auth_failed")]) as server,
            override_settings(
                FASTLY_SERVICE_ID="svc", FASTLY_API_TOKEN="wrong", FASTLY_API_URL=server.url
            ),
        ):
            with self.captureOnCommitCallbacks(execute=True):
                workflow.unpublish(self.story, by=self.editor)
            (cached,) = outbox.still_cached(f"article:{self.story.pk}")
        self.assertEqual(cached.label, "Fastly")
        self.assertIn("401: Provided credentials are missing or invalid", cached.last_error)

    def test_one_transaction_many_purges_is_one_delivery(self):
        with FakeServer(varnish) as server, override_settings(PURGE_VARNISH_URLS=[server.url]):
            with self.captureOnCommitCallbacks(execute=True) as callbacks:
                pagecache.purge("article:1")
                pagecache.purge("article:2", "front")
            self.assertEqual(len(callbacks), 1)
        self.assertEqual([r["headers"]["xkey-purge"] for r in server.requests],
                         ["article:1 article:2 front"])  # fmt: skip

    def test_the_publish_due_worker_delivers_too(self):
        from io import StringIO

        from django.core.management import call_command

        PendingPurge.objects.create(tier="pagecache", keys=" article:3 front ")
        out = StringIO()
        call_command("publish_due", stdout=out)
        self.assertIn("1 purges delivered, 0 still undelivered.", out.getvalue())
        self.assertFalse(PendingPurge.objects.exists())
        self.assertIsNotNone(cache.get(STAMP_PREFIX + "article:3"))

    @override_settings(NEWSROOM_PAGE_CACHE=False)
    def test_no_tier_no_row(self):
        with self.captureOnCommitCallbacks(execute=True):
            pagecache.purge("front")
        self.assertFalse(PendingPurge.objects.exists())

    def test_a_key_with_a_space_is_refused(self):
        with self.assertRaises(ValueError):
            pagecache.purge("two words")


@override_settings(NEWSROOM_PAGE_CACHE=False)
class DeliveryConcurrencyTests(TransactionTestCase):
    def test_outside_a_transaction_the_row_is_written_before_the_purge_is_sent(self):
        seen = []

        def answer(request):
            # Asked from the server's thread (a connection of its own): committed rows only.
            seen.append(list(PendingPurge.objects.values_list("keys", flat=True)))
            connection.close()
            return varnish(request)

        with FakeServer(answer) as server, override_settings(PURGE_VARNISH_URLS=[server.url]):
            pagecache.purge("article:7")
        self.assertEqual(seen, [[" article:7 "]])
        self.assertFalse(PendingPurge.objects.filter(confirmed_at__isnull=True).exists())

    def test_two_workers_never_send_the_same_row_twice(self):
        hold = threading.Event()
        with (
            FakeServer(varnish, hold=hold) as server,
            override_settings(PURGE_VARNISH_URLS=[server.url]),
        ):
            # Recorded, not yet delivered (as if the web process died before its commit hook).
            PendingPurge.objects.create(tier=f"varnish:{server.url}", keys=" article:1 front ")
            PendingPurge.objects.create(tier=f"varnish:{server.url}", keys=" article:2 ")
            results = {}

            def worker(name):
                try:
                    results[name] = outbox.deliver_due()
                finally:
                    connection.close()

            first = threading.Thread(target=worker, args=("first",))
            first.start()
            self.assertTrue(server.arrived.wait(10))  # The first holds the rows, mid-purge.
            second = threading.Thread(target=worker, args=("second",))
            second.start()
            second.join(20)
            hold.set()
            first.join(20)
        self.assertEqual(results, {"first": (2, 0), "second": (0, 0)})
        self.assertEqual(len(server.requests), 1)
        self.assertFalse(PendingPurge.objects.filter(confirmed_at__isnull=True).exists())
