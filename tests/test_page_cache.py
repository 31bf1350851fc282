"""The page cache: anonymous pages come from the cache, and every public change shows at once."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from articles import workflow
from authors.models import Author
from pagecache import api as page_api
from pagecache import mirror as page_mirror
from pagecache import store as page_store
from pagecache.middleware import page_key
from tests import redis_server
from tests.factories import make_article, make_author, make_section, make_user


def cached(response):
    return response.get("X-Cache")


@override_settings(NEWSROOM_PAGE_CACHE=True)
class PageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ines Duarte", job_title="Reporter")
        cls.story = make_article(
            headline="Old story", section=cls.section, authors=[cls.author], tags=["Floods"]
        )
        cls.draft = workflow.create(
            {
                "headline": "Breaking: dam holds",
                "body": "<p>The dam held overnight.</p>",
                "section": cls.section.pk,
                "bylines": [{"author": cls.author.pk, "role": "reporter"}],
                "tags": ["Floods"],
            },
            by=cls.editor,
        )

    def pages(self):
        return [
            "/",
            "/section/world/",
            "/tag/floods/",
            self.author.get_absolute_url(),
            "/feed/",
            "/section/world/feed/atom/",
            "/search/?q=dam",
        ]

    def warm(self, urls):
        # The first render of never-purged keys starts their clocks and is not stored; the
        # second is stored; the third is a hit.
        for url in urls:
            self.client.get(url)
            self.client.get(url)
            self.assertEqual(cached(self.client.get(url)), "hit", url)

    def test_repeat_views_are_served_from_the_cache_without_queries(self):
        self.assertEqual(cached(self.client.get("/")), "miss")
        self.assertEqual(cached(self.client.get("/")), "miss")
        with self.assertNumQueries(0):
            response = self.client.get("/")
        self.assertEqual(cached(response), "hit")
        self.assertContains(response, "Old story")

    def test_publish_shows_on_every_affected_page_at_once(self):
        self.warm(self.pages())
        with self.captureOnCommitCallbacks(execute=True):
            workflow.publish(self.draft, by=self.editor)
        self.draft.refresh_from_db()
        for url in self.pages():
            with self.subTest(url=url):
                # (Search results mark the word searched for: "Breaking: <mark>dam</mark>".)
                self.assertContains(self.client.get(url), self.draft.get_absolute_url())

    def test_correction_shows_at_once(self):
        url = self.story.get_absolute_url()
        self.warm([url, "/corrections/"])
        with self.captureOnCommitCallbacks(execute=True):
            workflow.correct(
                self.story, by=self.editor, kind="correction", text="The river is the Tagus."
            )
        self.assertContains(self.client.get(url), "The river is the Tagus.")
        self.assertContains(self.client.get("/corrections/"), "The river is the Tagus.")

    def test_author_rename_shows_on_every_page_with_their_byline(self):
        urls = [self.story.get_absolute_url(), "/", "/section/world/", "/tag/floods/"]
        self.warm(urls)
        with self.captureOnCommitCallbacks(execute=True):
            Author.objects.get(pk=self.author.pk).__class__.objects.filter(pk=self.author.pk)
            author = Author.objects.get(pk=self.author.pk)
            author.name = "Inês Duarte Silva"
            author.save()
        for url in urls:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Inês Duarte Silva")

    def test_unpublish_removes_the_story_everywhere(self):
        url = self.story.get_absolute_url()
        self.warm([url, "/", "/section/world/"])
        with self.captureOnCommitCallbacks(execute=True):
            workflow.unpublish(self.story, by=self.editor)
        self.assertEqual(self.client.get(url).status_code, 410)
        self.assertNotContains(self.client.get("/"), "Old story")
        self.assertNotContains(self.client.get("/section/world/"), "Old story")

    def test_scheduled_story_appears_at_its_time_even_with_a_warm_cache(self):
        soon = timezone.now() + timedelta(seconds=2)
        with self.captureOnCommitCallbacks(execute=True):
            workflow.publish(self.draft, by=self.editor, at=soon)
        self.warm(["/"])
        self.assertNotContains(self.client.get("/"), "Breaking: dam holds")
        import time_machine

        with time_machine.travel(soon + timedelta(seconds=1)):
            self.assertContains(self.client.get("/"), "Breaking: dam holds")

    def test_a_publish_leaves_unrelated_story_pages_of_its_section_cached(self):
        old = make_article(
            headline="From the archive",
            section=self.section,
            published_at=timezone.now() - timedelta(days=400),
        )
        self.warm([old.get_absolute_url()])
        with self.captureOnCommitCallbacks(execute=True):
            workflow.publish(self.draft, by=self.editor)
        self.assertEqual(cached(self.client.get(old.get_absolute_url())), "hit")
        self.assertContains(self.client.get("/section/world/"), "Breaking: dam holds")

    def test_section_rename_shows_on_its_stories_pages(self):
        url = self.story.get_absolute_url()
        self.warm([url])
        with self.captureOnCommitCallbacks(execute=True):
            self.section.name = "Planet"
            self.section.save()
        self.assertContains(self.client.get(url), "Planet")

    def test_a_cached_page_keeps_the_security_headers_and_the_https_redirect(self):
        url = self.story.get_absolute_url()
        with self.settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=3600):
            for _ in range(2):
                self.client.get(url, secure=True)
            hit = self.client.get(url, secure=True)
            self.assertEqual(cached(hit), "hit")
            self.assertEqual(hit["Strict-Transport-Security"], "max-age=3600")
            self.assertEqual(hit["X-Content-Type-Options"], "nosniff")
            self.assertIn("default-src 'self'", hit["Content-Security-Policy"])
            plain = self.client.get(url)
            self.assertEqual(plain.status_code, 301)
            self.assertEqual(plain["Location"], f"https://testserver{url}")

    def test_http_and_https_are_cached_apart(self):
        url = self.story.get_absolute_url()
        self.warm([url])
        secure = self.client.get(url, secure=True)
        self.assertNotEqual(cached(secure), "hit")
        self.assertContains(secure, f'href="https://testserver{url}"')

    def test_staff_and_previews_are_never_cached(self):
        self.client.force_login(self.editor)
        first, second = self.client.get("/"), self.client.get("/")
        self.assertIsNone(cached(first))
        self.assertIsNone(cached(second))
        self.assertIn("private", second["Cache-Control"])
        preview = self.client.get(f"/admin/articles/article/{self.draft.pk}/preview/")
        self.assertIn("no-cache", preview["Cache-Control"])
        self.assertIsNone(cached(preview))

    def test_public_pages_carry_cdn_headers_and_answer_conditional_gets(self):
        response = self.client.get(self.story.get_absolute_url())
        control = response["Cache-Control"]
        self.assertIn("public", control)
        self.assertIn("s-maxage=60", control)
        self.assertIn("max-age=0", control)
        self.assertIn("stale-while-revalidate=300", control)
        self.assertIn("Last-Modified", response)
        etag = response["ETag"]
        again = self.client.get(self.story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(again.status_code, 304)


# The tests' own Redis (tests/redis_server.py): a server of this run's, or, with TEST_REDIS_URL,
# a shared one where only keys under RUN_PREFIX are written and deleted.
REDIS_URL = redis_server.url()
# Another database of that Redis, which one test flushes (a flush of any database tells every
# tracking connection to forget everything): only ever on the run's own server.
SCRATCH_REDIS_DB = 10


@contextmanager
def redis_commands():
    """Every command this process sends to Redis meanwhile, through redis-py or the mirror's
    tracking connection."""
    from redis.connection import AbstractConnection

    from pagecache.mirror import Mirror

    sent = []
    send = AbstractConnection.send_packed_command
    sync = Mirror._sync

    def counting_send(connection, command, *args, **kwargs):
        packed = b"".join(command) if isinstance(command, list) else command
        sent.append(packed.split(b"\r\n")[2].decode())  # The command's name.
        return send(connection, command, *args, **kwargs)

    def counting_sync(mirror):
        sent.append("PING on the tracking connection")
        return sync(mirror)

    with (
        mock.patch.object(AbstractConnection, "send_packed_command", counting_send),
        mock.patch.object(Mirror, "_sync", counting_sync),
    ):
        yield sent


def redis_available() -> bool:
    return redis_server.available()


def redis_cache(prefix):
    return {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }


def forget_redis_keys(prefix):
    redis_server.forget_keys(f"{prefix}:")


@unittest.skipUnless(redis_available(), "needs Redis (REDIS_URL in production)")
class RedisPageCacheTests(PageCacheTests):
    """The same guarantees with Redis, where freshness is checked by a script inside Redis."""

    prefix = f"{redis_server.RUN_PREFIX}-pages"

    def setUp(self):
        super().setUp()
        override = override_settings(CACHES=redis_cache(self.prefix))
        override.enable()
        self.addCleanup(override.disable)
        self.addCleanup(forget_redis_keys, self.prefix)
        page_mirror.forget_mirrors()
        self.addCleanup(page_mirror.forget_mirrors)

    def test_a_hit_from_the_mirror_sends_nothing_to_redis(self):
        url = self.story.get_absolute_url()
        self.warm([url])  # The last of these was answered by Redis, and mirrored.
        with redis_commands() as sent:
            for _ in range(5):
                self.assertEqual(cached(self.client.get(url)), "hit")
        self.assertEqual(sent, [])

    def test_without_the_mirror_a_hit_is_one_round_trip_to_redis(self):
        url = self.story.get_absolute_url()
        with self.settings(NEWSROOM_PAGE_MIRROR_BYTES=0):
            self.warm([url])
            with redis_commands() as sent:
                response = self.client.get(url)
        self.assertEqual(cached(response), "hit")
        self.assertEqual(len(sent), 1, sent)

    def test_a_hit_from_the_mirror_is_the_page_redis_would_serve(self):
        url = self.story.get_absolute_url()
        with self.settings(NEWSROOM_PAGE_MIRROR_BYTES=0):
            self.warm([url])
            from_redis = self.client.get(url)
        self.warm([url])
        from_mirror = [self.client.get(url) for _ in range(2)]  # Built, then copied.
        for response in from_mirror:
            self.assertEqual(response.status_code, from_redis.status_code)
            self.assertEqual(list(response.items()), list(from_redis.items()))
            self.assertEqual(response.serialize(), from_redis.serialize())
        self.assertEqual(from_redis["X-Cache"], "hit")
        self.assertIn("Content-Security-Policy", from_redis)
        not_modified = self.client.get(url, HTTP_IF_NONE_MATCH=from_redis["ETag"])
        self.assertEqual(not_modified.status_code, 304)
        self.assertEqual(cached(not_modified), "hit")
        self.assertNotIn("Content-Length", not_modified)

    def purge_as_another_process_would(self, *keys):
        """Stamp ``keys`` through a Redis client of its own, as the admin's or the worker's
        process does: nothing in this process hears of it but through Redis."""
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.register_script(page_store.STAMP)(
            keys=[f"{self.prefix}:1:{page_store.STAMP_PREFIX}{key}" for key in keys]
        )

    def test_a_purge_by_another_process_shows_at_once_even_for_a_mirrored_page(self):
        from articles.models import Article

        url = self.story.get_absolute_url()
        self.warm([url])
        with redis_commands() as sent:
            self.assertEqual(cached(self.client.get(url)), "hit")
        self.assertEqual(sent, [])  # The page is in this process's mirror.
        Article.objects.filter(pk=self.story.pk).update(headline="Changed elsewhere")
        self.purge_as_another_process_would(f"article:{self.story.pk}")
        response = self.client.get(url)
        self.assertEqual(cached(response), "miss")
        self.assertContains(response, "Changed elsewhere")

    def test_deleted_stamps_make_the_next_request_a_miss_never_a_stale_page(self):
        import redis

        from articles.models import Article

        url = self.story.get_absolute_url()
        self.warm([url])
        Article.objects.filter(pk=self.story.pk).update(headline="After the flush")
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(*client.keys(f"{self.prefix}:1:{page_store.STAMP_PREFIX}*"))
        response = self.client.get(url)
        self.assertEqual(cached(response), "miss")
        self.assertContains(response, "After the flush")

    def test_a_flush_anywhere_in_redis_empties_the_mirror(self):
        import redis

        if not redis_server.is_private():
            self.skipTest("flushes a database: only on the test run's own Redis server")
        scratch = redis.Redis.from_url(f"{REDIS_URL.rsplit('/', 1)[0]}/{SCRATCH_REDIS_DB}")
        self.assertEqual(scratch.connection_pool.connection_kwargs["db"], SCRATCH_REDIS_DB)
        url = self.story.get_absolute_url()
        self.warm([url])
        scratch.flushdb()  # Redis says "invalidate everything" to every tracking connection.
        with redis_commands() as sent:
            self.assertEqual(cached(self.client.get(url)), "hit")
        self.assertIn("EVALSHA", sent)  # Asked Redis again (and mirrored the answer).
        with redis_commands() as sent:
            self.assertEqual(cached(self.client.get(url)), "hit")
        self.assertEqual(sent, [])

    def test_a_killed_tracking_connection_is_never_a_stale_page_and_recovers(self):
        import redis

        from articles.models import Article

        url = self.story.get_absolute_url()
        self.warm([url])
        mirror = page_api.store()._mirror()
        killed = mirror.client_id
        client = redis.Redis.from_url(REDIS_URL)
        self.assertEqual(client.client_kill_filter(_id=killed), 1)
        # The purge's invalidation cannot reach this process any more.
        Article.objects.filter(pk=self.story.pk).update(headline="While disconnected")
        self.purge_as_another_process_would(f"article:{self.story.pk}")
        self.assertContains(self.client.get(url), "While disconnected")
        self.assertIsNone(mirror.connection)
        # Not again within a second: meanwhile every request goes to Redis.
        with redis_commands() as sent:
            self.assertEqual(cached(self.client.get(url)), "hit")
        self.assertEqual(len(sent), 1, sent)
        mirror.next_attempt = 0  # A second later.
        self.client.get(url)  # The tracking connection is set up again.
        self.assertEqual(cached(self.client.get(url)), "hit")  # Mirrored.
        with redis_commands() as sent:
            self.assertEqual(cached(self.client.get(url)), "hit")
        self.assertEqual(sent, [])
        self.assertNotEqual(mirror.client_id, killed)
        Article.objects.filter(pk=self.story.pk).update(headline="Connected again")
        self.purge_as_another_process_would(f"article:{self.story.pk}")
        self.assertContains(self.client.get(url), "Connected again")

    def test_the_mirror_keeps_to_its_memory_budget(self):
        urls = [self.story.get_absolute_url(), "/", "/section/world/"]
        self.warm(urls)
        sizes = [entry.size for entry in page_api.store()._mirror().pages.values()]
        self.assertEqual(len(sizes), 3)
        page_mirror.forget_mirrors()
        with self.settings(NEWSROOM_PAGE_MIRROR_BYTES=max(sizes) + 1):  # One page, not two.
            for url in urls:
                self.assertEqual(cached(self.client.get(url)), "hit")
            mirror = page_api.store()._mirror()
            self.assertEqual(
                list(mirror.pages),
                [
                    page_api.store().make_key(
                        page_key(self.client.get("/section/world/").wsgi_request)
                    )
                ],
            )
            self.assertLessEqual(mirror.size, max(sizes) + 1)
            for url in urls:  # The others are served through Redis.
                self.assertEqual(cached(self.client.get(url)), "hit")

    def test_a_forked_process_starts_a_mirror_of_its_own(self):
        url = self.story.get_absolute_url()
        self.warm([url])
        parent = page_api.store()._mirror()
        with mock.patch("os.getpid", return_value=os.getpid() + 100_000):
            child = page_api.store()._mirror()
            self.assertIsNot(child, parent)
            self.assertEqual(child.pages, {})
            with redis_commands() as sent:
                self.assertEqual(cached(self.client.get(url)), "hit")
            # Besides setting up connections (the child's tracking one, redis-py's own pool's
            # after a fork), one round trip: the page was not mirrored here.
            self.assertEqual([c for c in sent if c not in ("HELLO", "CLIENT", "SELECT", "SUBSCRIBE")],
                             ["EVALSHA"], sent)  # fmt: skip
            self.assertNotEqual(child.client_id, parent.client_id)
        self.assertIsNotNone(parent.connection)  # The parent's connection is left alone.
        child._broken("test over")

    def test_scheduled_story_appears_at_its_time_even_with_a_warm_cache(self):
        # Redis keeps the time here, and time-machine cannot move Redis's clock: wait instead.
        soon = timezone.now() + timedelta(seconds=1)
        with self.captureOnCommitCallbacks(execute=True):
            workflow.publish(self.draft, by=self.editor, at=soon)
        self.warm(["/"])
        self.assertNotContains(self.client.get("/"), "Breaking: dam holds")
        time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.2)
        self.assertContains(self.client.get("/"), "Breaking: dam holds")

    def test_a_web_server_whose_clock_runs_ahead_still_sees_every_purge(self):
        # Pages are timed by Redis's clock, not the web server's: one running a minute ahead
        # (another machine, badly synchronised) must not keep a page rendered before a purge.
        url = self.story.get_absolute_url()
        ahead = time.time_ns() // 1000 + 60_000_000
        with mock.patch("pagecache.store.now_us", return_value=ahead):
            self.warm([url])
        with self.captureOnCommitCallbacks(execute=True):
            workflow.correct(self.story, by=self.editor, kind="correction", text="Clock skew.")
        self.assertContains(self.client.get(url), "Clock skew.")

    def test_a_purge_that_arrives_late_does_not_undo_a_later_one(self):
        import redis

        url = self.story.get_absolute_url()
        self.warm([url])
        key = f"{self.prefix}:1:{page_store.STAMP_PREFIX}article:{self.story.pk}"
        client = redis.Redis.from_url(REDIS_URL)
        later = int(client.get(key)) + 3_600_000_000  # A purge stamped an hour from now...
        client.set(key, later)
        page_api.store().stamp([f"article:{self.story.pk}"])  # ...then an earlier one lands.
        self.assertEqual(int(client.get(key)), later)

    def test_an_evicted_stamp_is_a_miss_never_a_stale_page(self):
        import redis

        url = self.story.get_absolute_url()
        self.warm([url])
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(f"{self.prefix}:1:{page_store.STAMP_PREFIX}article:{self.story.pk}")
        self.assertEqual(cached(self.client.get(url)), "miss")
        self.assertIsNotNone(
            client.get(f"{self.prefix}:1:{page_store.STAMP_PREFIX}article:{self.story.pk}")
        )


@unittest.skipUnless(connection.vendor == "postgresql", "another process needs a shared database")
class CrossProcessPurgeTests(TransactionTestCase):
    """A change made by another process (the admin's, the publish_due worker's) reaches pages
    this process serves from the shared cache."""

    def shared_cache(self):
        """The cache settings for this process, and the environment for the other one."""
        self.cache_dir = tempfile.mkdtemp(prefix="newsroom-cache-")
        self.addCleanup(shutil.rmtree, self.cache_dir, ignore_errors=True)
        file_cache = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": self.cache_dir,
            }
        }
        return file_cache, {"CACHE_DIR": self.cache_dir}

    def setUp(self):
        caches, self.elsewhere_env = self.shared_cache()
        self.settings_override = override_settings(NEWSROOM_PAGE_CACHE=True, CACHES=caches)
        self.settings_override.enable()
        self.addCleanup(self.settings_override.disable)
        self.editor = make_user("editor", role="Editor")
        section = make_section("World", slug="world")
        self.author = make_author("Ines Duarte")
        self.draft = workflow.create(
            {
                "headline": "Published elsewhere",
                "body": "<p>Text.</p>",
                "section": section.pk,
                "bylines": [{"author": self.author.pk, "role": "writer"}],
            },
            by=self.editor,
        )
        make_article(headline="Already live", section=section, authors=[self.author])

    def run_elsewhere(self, code):
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        }
        env.pop("REDIS_URL", None)
        env.update(self.elsewhere_env)
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def test_publish_and_rename_in_another_process_show_here_at_once(self):
        for url in ["/", "/section/world/"]:
            self.client.get(url)
            self.client.get(url)
            self.assertEqual(cached(self.client.get(url)), "hit")
        self.run_elsewhere(
            "from articles import workflow; from articles.models import Article;"
            "from django.contrib.auth.models import User;"
            f"workflow.publish(Article.objects.get(pk={self.draft.pk}), by=User.objects.get(username='editor'))"
        )
        for url in ["/", "/section/world/"]:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Published elsewhere")
        self.run_elsewhere(
            "from authors.models import Author;"
            f"a = Author.objects.get(pk={self.author.pk}); a.name = 'Renamed Elsewhere'; a.save()"
        )
        self.assertContains(self.client.get("/"), "Renamed Elsewhere")


@unittest.skipUnless(connection.vendor == "postgresql", "another process needs a shared database")
@unittest.skipUnless(redis_available(), "needs Redis")
class CrossProcessRedisPurgeTests(CrossProcessPurgeTests):
    """The production set-up: gunicorn workers, the admin and the worker share Redis."""

    def shared_cache(self):
        prefix = f"{redis_server.RUN_PREFIX}-xproc"
        self.addCleanup(forget_redis_keys, prefix)
        self.addCleanup(page_mirror.forget_mirrors)
        return redis_cache(prefix), {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix}

    def test_a_purge_in_another_process_reaches_a_page_in_this_ones_mirror(self):
        url = "/section/world/"
        for _ in range(3):
            self.client.get(url)
        with redis_commands() as sent:
            self.assertEqual(cached(self.client.get(url)), "hit")
            self.assertNotContains(self.client.get(url), "Published elsewhere")
        self.assertEqual(sent, [])  # Served from this process's mirror.
        self.run_elsewhere(
            "from articles import workflow; from articles.models import Article;"
            "from django.contrib.auth.models import User;"
            f"workflow.publish(Article.objects.get(pk={self.draft.pk}), by=User.objects.get(username='editor'))"
        )
        self.assertContains(self.client.get(url), "Published elsewhere")
