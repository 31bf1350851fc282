"""/healthz for a load balancer, and readers served when the cache is down."""

from contextlib import ExitStack, contextmanager
from unittest import mock

from django.core.cache import cache
from django.test import TestCase, override_settings

from tests.factories import make_article


class HealthTests(TestCase):
    def test_healthz_reports_database_and_cache(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["database"], "ok")
        self.assertEqual(response.json()["cache"], "ok")
        self.assertIn("no-cache", response["Cache-Control"])

    def test_database_down_is_503(self):
        with mock.patch("newsroom.health._database", side_effect=OSError("connection refused")):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["database"], "unavailable")


@contextmanager
def cache_down():
    """Every call to the cache fails, as while Redis restarts."""
    broken = ConnectionError("Redis is restarting")
    with ExitStack() as stack:
        for name in ("get", "get_many", "set", "set_many", "add"):
            stack.enter_context(mock.patch.object(cache, name, side_effect=broken))
        yield


@override_settings(NEWSROOM_PAGE_CACHE=True)
class CacheDownTests(TestCase):
    def setUp(self):
        from pagecache import api

        api._outage.update(logged_at=None, since=0)  # No outage reported yet.

    def test_an_outage_is_logged_once_a_minute_not_once_a_request(self):
        story = make_article(headline="Still readable")
        with cache_down(), self.assertLogs("pagecache", level="WARNING") as logs:
            for _ in range(5):
                self.assertContains(self.client.get(story.get_absolute_url()), "Still readable")
        self.assertEqual(len(logs.records), 1)
        self.assertIn("Redis is restarting", logs.output[0])  # With its traceback.

    def test_readers_are_served_uncached_when_the_cache_is_down(self):
        story = make_article(headline="Still readable")
        with cache_down(), self.assertLogs("pagecache", level="WARNING"):
            for url in ["/", story.get_absolute_url(), "/section/" + story.section.slug + "/"]:
                with self.subTest(url=url):
                    self.assertContains(self.client.get(url), "Still readable")
            health = self.client.get("/healthz")
        self.assertEqual(health.status_code, 200)
        self.assertEqual(health.json()["cache"], "unavailable")
        self.assertEqual(health.json()["status"], "degraded")


@override_settings(NEWSROOM_PAGE_CACHE=True)
class PurgeRetryTests(TestCase):
    def test_a_purge_survives_a_cache_blip(self):
        import pagecache
        from pagecache.store import STAMP_PREFIX

        real = cache.set_many
        calls = []

        def flaky(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise ConnectionError("blip")
            return real(*args, **kwargs)

        with (
            mock.patch.object(cache, "set_many", side_effect=flaky),
            self.captureOnCommitCallbacks(execute=True),
        ):
            pagecache.purge("front")
        self.assertEqual(len(calls), 2)
        self.assertIsNotNone(cache.get(STAMP_PREFIX + "front"))
