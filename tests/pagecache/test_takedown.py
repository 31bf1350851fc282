"""Takedowns are certain: an editor unpublishes a story through a web process that cannot
reach the page cache's Redis. The story keeps answering from the cache (nothing can be done
about that) only until Redis is reachable and the worker delivers the purge; the editor is told
meanwhile; once the worker has the page cache's confirmation, no stale copy is served again."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from django.conf import settings
from django.db import connection
from django.test import Client, TransactionTestCase, override_settings
from django.urls import reverse

from articles.models import Article
from pagecache import mirror as page_mirror
from pagecache.models import PendingPurge
from tests import redis_server
from tests.factories import make_article, make_section, make_user

REDIS_SERVER = shutil.which("redis-server")


def redis_cache(port: int, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@unittest.skipUnless(connection.vendor == "postgresql", "the worker is another process")
@unittest.skipUnless(REDIS_SERVER, "needs redis-server")
class TakedownWithRedisUnreachableTests(TransactionTestCase):
    prefix = "takedown"

    def setUp(self):
        # A Redis of this test's own: the readers' (and the worker's) page cache.
        self.folder = tempfile.mkdtemp(prefix="newsroom-takedown-")
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.port = redis_server.free_port()
        self.redis = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.addCleanup(self.stop_redis)
        deadline = time.monotonic() + 15
        while not redis_server.answers_ping(self.port):
            self.assertLess(time.monotonic(), deadline, "redis-server did not start")
            time.sleep(0.05)
        # Where the unpublishing web process looks for Redis: nothing listens there.
        self.unreachable = redis_server.free_port()
        page_mirror.forget_mirrors()
        self.addCleanup(page_mirror.forget_mirrors)
        self.readers_cache = override_settings(
            NEWSROOM_PAGE_CACHE=True, PURGE_VARNISH_URLS=[],
            CACHES=redis_cache(self.port, self.prefix),
        )  # fmt: skip
        self.readers_cache.enable()
        self.addCleanup(self.readers_cache.disable)

        self.editor = make_user("editor", role="Editor")
        self.story = make_article(headline="Embargoed story", section=make_section("World"))
        self.url = self.story.get_absolute_url()
        self.desk = Client()
        self.desk.force_login(self.editor)

    def stop_redis(self):
        self.redis.terminate()
        self.redis.wait(timeout=10)

    def read(self):
        return Client().get(self.url)

    def run_worker(self):
        """`manage.py deliver_purges` in a process of its own, with the readers' Redis."""
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": f"redis://127.0.0.1:{self.port}/0",
            "CACHE_KEY_PREFIX": self.prefix,
            "PAGE_CACHE": "1",
            "PURGE_VARNISH_URLS": "",
        }
        return subprocess.run(
            [sys.executable, "manage.py", "deliver_purges"], cwd=settings.BASE_DIR, env=env,
            check=True, capture_output=True, text=True, timeout=120,
        ).stdout  # fmt: skip

    def due_now(self):
        """Time passes: the backoff of the undelivered rows runs out."""
        PendingPurge.objects.update(next_attempt_at="2000-01-01T00:00:00Z")

    def test_the_story_stays_cached_only_until_the_worker_delivers_and_the_editor_is_told(self):
        for _ in range(3):
            response = self.read()
        self.assertEqual(response["X-Cache"], "hit")

        # The editor's web process cannot reach Redis.
        with override_settings(CACHES=redis_cache(self.unreachable, self.prefix)):
            page = self.desk.post(
                reverse("admin:articles_article_workflow", args=[self.story.pk, "unpublish"]),
                follow=True,
            )
        self.assertEqual(Article.objects.get(pk=self.story.pk).status, Article.Status.UNPUBLISHED)
        text = page.content.decode()
        self.assertNotIn("was taken off the site", text)
        self.assertIn(
            "its address answers 410 Gone, but it is still cached at the page cache since", text
        )
        self.assertIn("(retrying)", text)
        (row,) = PendingPurge.objects.all()
        self.assertEqual((row.tier, row.attempts), ("pagecache", 1))

        # Readers elsewhere still get the cached story: nothing reached the cache.
        response = self.read()
        self.assertEqual((response.status_code, response["X-Cache"]), (200, "hit"))
        self.assertContains(response, "Embargoed story")

        # The editor is told, on the story and on the desk.
        change = self.desk.get(reverse("admin:articles_article_change", args=[self.story.pk]))
        self.assertContains(change, "Still cached at the page cache since")
        desk = self.desk.get(reverse("admin:index"))
        self.assertContains(desk, "Not yet off every cache")
        self.assertContains(desk, "Embargoed story")
        self.assertContains(desk, "Still cached at the page cache since")

        # A worker that cannot reach Redis either keeps the row, and counts the attempt.
        self.due_now()
        with override_settings(CACHES=redis_cache(self.unreachable, self.prefix)):
            from pagecache import outbox

            self.assertEqual(outbox.deliver_due(), (0, 1))
        row.refresh_from_db()
        self.assertEqual(row.attempts, 2)
        self.assertEqual(self.read()["X-Cache"], "hit")

        # The worker, able to reach Redis: delivered, and confirmed before the row went.
        self.due_now()
        self.assertIn("1 purges delivered, 0 still undelivered.", self.run_worker())
        self.assertFalse(PendingPurge.objects.exists())
        for _ in range(3):  # Never the cached story again, from Redis or this process's mirror.
            response = self.read()
            self.assertEqual(response.status_code, 410)
            self.assertNotContains(response, "Embargoed story", status_code=410)
        self.assertNotContains(
            self.desk.get(reverse("admin:articles_article_change", args=[self.story.pk])),
            "Still cached at",
        )
        self.assertNotContains(self.desk.get(reverse("admin:index")), "Not yet off every cache")

    def test_with_redis_reachable_the_takedown_is_immediate_and_says_so(self):
        for _ in range(3):
            self.read()
        page = self.desk.post(
            reverse("admin:articles_article_workflow", args=[self.story.pk, "unpublish"]),
            follow=True,
        )
        self.assertContains(page, "was taken off the site; its address now answers 410 Gone.")
        self.assertFalse(PendingPurge.objects.exists())
        self.assertEqual(self.read().status_code, 410)

    def test_the_forms_unpublish_button_says_so_too(self):
        # The story form's buttons save first, then act, inside the admin's own transaction:
        # the message waits for the commit, when the purges have been tried.
        from tests.articles.test_editorial import form_data

        for _ in range(3):
            self.read()
        change = reverse("admin:articles_article_change", args=[self.story.pk])
        data = form_data(self.desk.get(change), _workflow="unpublish")
        with override_settings(CACHES=redis_cache(self.unreachable, self.prefix)):
            page = self.desk.post(change, data, follow=True)
        self.assertEqual(Article.objects.get(pk=self.story.pk).status, Article.Status.UNPUBLISHED)
        self.assertNotContains(page, "was taken off the site")
        self.assertContains(
            page, "its address answers 410 Gone, but it is still cached at the page cache since"
        )
        self.assertEqual(self.read()["X-Cache"], "hit")
        self.due_now()
        self.run_worker()
        self.assertEqual(self.read().status_code, 410)
