"""Varnish in front of the site (ops/varnish/newsroom.vcl): a varnishd of the tests' own in front
of the live test server (tests/varnish.py). Readers' pages are cached once for everyone, staff,
the admin, previews and POSTs never; a purge by surrogate key empties exactly what it names and
only from the purge ACL; an error never replaces a page Varnish has; a 410 is kept briefly."""

import time
import unittest
from unittest import mock

from django.conf import settings
from django.test import LiveServerTestCase, override_settings

from articles import workflow
from pagecache.middleware import PublicCacheHeadersMiddleware
from tests import varnish
from tests.factories import make_article, make_author, make_section, make_user

DEBUG = {"X-Cache-Debug": "1"}


@unittest.skipUnless(varnish.available(), varnish.SKIP_REASON)
class VarnishTestCase(LiveServerTestCase):
    """The live server and one varnishd in front of it for the class; the cache is emptied
    before each test (the database is)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.varnish = varnish.Varnish(cls.server_thread.port)
        try:
            cls.varnish.start()
        except BaseException:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.varnish.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.varnish.forget_everything()
        self.editor = make_user("editor", role="Editor")
        self.section = make_section("World", slug="world")
        self.author = make_author("Ines Duarte")
        self.story = make_article(
            headline="Flood defences hold", section=self.section, authors=[self.author]
        )

    def get(self, path, **headers):
        return self.varnish.request("GET", path, headers=headers)

    def assertCachedTwice(self, path, **headers):
        first, second = self.get(path, **headers), self.get(path, **headers)
        self.assertEqual(first.header("X-Cache"), "MISS", path)
        self.assertEqual(second.header("X-Cache"), "HIT", path)
        return first, second


class CachingTests(VarnishTestCase):
    def test_an_anonymous_page_is_served_from_varnish_the_second_time(self):
        url = self.story.get_absolute_url()
        first, second = self.assertCachedTwice(url)
        self.assertEqual(second.status, 200)
        self.assertEqual(second.body, first.body)
        self.assertIn("Flood defences hold", second.text)
        self.assertTrue(second.header("Age", "").isdigit())
        self.assertEqual(second.header("X-Cache-Hits"), "1")
        # Browsers still revalidate; the keys and Varnish's own controls stay inside.
        self.assertIn("max-age=0", second.header("Cache-Control"))
        for header in ("xkey", "Surrogate-Key", "Cache-Tag", "Surrogate-Control"):
            self.assertIsNone(second.header(header), header)

    def test_the_debug_header_shows_the_keys_and_the_lifetime(self):
        url = self.story.get_absolute_url()
        seen = self.get(url, **DEBUG)
        self.assertIn(f"article:{self.story.pk}", seen.header("xkey").split())
        # No purged tier configured: the minute of Cache-Control's s-maxage.
        self.assertEqual(float(seen.header("X-Cache-TTL")), settings.NEWSROOM_CDN_MAX_AGE)
        self.assertEqual(float(seen.header("X-Cache-Grace")), 6 * 3600)

    def test_with_purges_configured_a_page_is_kept_for_hours(self):
        with override_settings(PURGE_VARNISH_URLS=[self.varnish.url]):
            seen = self.get(self.story.get_absolute_url(), **DEBUG)
            hidden = self.get("/", X_Cache_Debug="0")
        self.assertAlmostEqual(
            float(seen.header("X-Cache-TTL")), settings.NEWSROOM_PURGED_CACHE_MAX_AGE, delta=5
        )
        self.assertIsNone(hidden.header("Surrogate-Control"))
        self.assertIn("s-maxage=60", hidden.header("Cache-Control"))

    def test_cookies_and_tracking_parameters_share_one_copy(self):
        url = self.story.get_absolute_url()
        first = self.get(
            url + "?utm_source=newsletter&utm_medium=email&fbclid=abc&gclid=def&mc_cid=1&mc_eid=2",
            Cookie="_ga=GA1.2.3; theme=dark",
        )
        self.assertEqual(first.header("X-Cache"), "MISS")
        self.assertIsNone(first.header("Set-Cookie"))
        self.assertEqual(self.get(url).header("X-Cache"), "HIT")
        self.assertEqual(self.get(url + "?gclid=xyz").header("X-Cache"), "HIT")
        # Parameters the site reads are kept (and their order does not matter).
        self.assertCachedTwice("/search/?q=flood&page=1&utm_campaign=x")
        self.assertEqual(self.get("/search/?page=1&q=flood").header("X-Cache"), "HIT")
        self.assertEqual(self.get("/search/?q=dam").header("X-Cache"), "MISS")

    def test_staff_pages_the_admin_and_previews_are_never_cached(self):
        self.client.force_login(self.editor)
        session = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        staff = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; theme=dark"}
        for _ in range(2):
            front = self.get("/", **staff, **DEBUG)
            self.assertEqual(front.header("X-Cache"), "PASS")
            self.assertIn("private", front.header("Cache-Control"))
            # A private page names no keys: nothing could ever purge it.
            self.assertIsNone(front.header("xkey"))
        # The staff copy was never stored: readers get their own.
        self.assertEqual(self.get("/").header("X-Cache"), "MISS")
        csrf = {"Cookie": f"{settings.CSRF_COOKIE_NAME}=abc"}
        self.assertEqual(self.get("/", **csrf).header("X-Cache"), "PASS")
        draft = workflow.create(
            {"headline": "Embargoed", "body": "<p>Not yet.</p>", "section": self.section.pk},
            by=self.editor,
        )
        link = workflow.share_preview(draft, by=self.editor)
        for path in ("/admin/login/", "/admin/", link.get_absolute_url()):
            for _ in range(2):
                answer = self.get(path)
                self.assertEqual(answer.header("X-Cache"), "PASS", path)
        self.assertIn("Embargoed", self.get(link.get_absolute_url()).text)

    def test_the_vcl_knows_the_sites_cookie_names(self):
        vcl = varnish.VCL.read_text()
        self.assertIn(settings.SESSION_COOKIE_NAME, vcl)
        self.assertIn(settings.CSRF_COOKIE_NAME, vcl)

    def test_posts_and_other_methods_reach_the_site(self):
        self.assertCachedTwice("/")
        login = self.varnish.request(
            "POST", "/admin/login/", body=b"username=x&password=y",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        self.assertEqual(login.header("X-Cache"), "PASS")
        self.assertEqual(login.status, 403)  # Django's CSRF check saw it.
        search = self.varnish.request("POST", "/search/?q=flood", body=b"")
        self.assertEqual(search.header("X-Cache"), "PASS")
        self.assertEqual(self.varnish.request("DELETE", "/").header("X-Cache"), "PASS")
        self.assertEqual(self.get("/").header("X-Cache"), "HIT")

    def test_a_gone_story_is_kept_only_briefly(self):
        with override_settings(PURGE_VARNISH_URLS=[self.varnish.url]):
            workflow.unpublish(self.story, by=self.editor)
            url = self.story.get_absolute_url()
            gone = self.get(url, **DEBUG)
            again = self.get(url)
        self.assertEqual(gone.status, 410)
        self.assertEqual(again.status, 410)
        self.assertEqual(again.header("X-Cache"), "HIT")
        self.assertLessEqual(float(gone.header("X-Cache-TTL")), 60)
        self.assertIn(f"article:{self.story.pk}", gone.header("xkey").split())

    def test_an_unknown_address_is_kept_only_for_seconds(self):
        with override_settings(PURGE_VARNISH_URLS=[self.varnish.url]):
            missing = self.get("/2020/01/01/no-such-story/", **DEBUG)
        self.assertEqual(missing.status, 404)
        # No key a publish purges names it: a story published there shows within seconds.
        self.assertLessEqual(float(missing.header("X-Cache-TTL")), 5)

    def test_an_error_never_replaces_a_page_and_is_never_cached(self):
        url = self.story.get_absolute_url()
        with override_settings(NEWSROOM_CDN_MAX_AGE=1):
            self.assertCachedTwice(url)
        time.sleep(1.2)  # The copy is now stale (within its grace).

        def broken(middleware, request):
            raise RuntimeError("the site is down")

        with mock.patch.object(PublicCacheHeadersMiddleware, "__call__", broken):
            for _ in range(3):
                stale = self.get(url)
                self.assertEqual(stale.status, 200)
                self.assertIn("Flood defences hold", stale.text)
                self.assertEqual(stale.header("X-Cache"), "HIT")
            failed = self.get("/section/world/")
            self.assertEqual(failed.status, 500)
            self.assertEqual(self.get("/section/world/").status, 500)
        # Back up: the error was not kept.
        self.assertEqual(self.get("/section/world/").status, 200)


class PurgeTests(VarnishTestCase):
    def test_a_purge_by_key_from_the_acl_empties_exactly_the_pages_with_that_key(self):
        other = make_article(headline="Harvest festival", section=make_section("Life"))
        self.assertCachedTwice(self.story.get_absolute_url())
        self.assertCachedTwice(other.get_absolute_url())
        answer = self.varnish.purge(f"article:{self.story.pk}")
        self.assertEqual(answer.status, 200)
        self.assertEqual(answer.header("xkey-purged"), "1")
        self.assertEqual(self.get(self.story.get_absolute_url()).header("X-Cache"), "MISS")
        self.assertEqual(self.get(other.get_absolute_url()).header("X-Cache"), "HIT")
        # Several keys at once; nothing cached under one is no error.
        self.assertCachedTwice("/")
        answer = self.varnish.purge("front", "article:999999")
        self.assertEqual((answer.status, answer.header("xkey-purged")), (200, "1"))
        self.assertEqual(self.get("/").header("X-Cache"), "MISS")

    def test_a_purge_from_elsewhere_is_refused(self):
        url = self.story.get_absolute_url()
        self.assertCachedTwice(url)
        refused = self.varnish.purge(f"article:{self.story.pk}", source="127.0.0.2")
        self.assertEqual(refused.status, 405)
        self.assertIsNone(refused.header("xkey-purged"))
        self.assertEqual(self.get(url).header("X-Cache"), "HIT")
        # A purge without keys says what is missing.
        self.assertEqual(self.varnish.request("PURGE", "/").status, 400)

    def test_the_acl_takes_the_addresses_it_is_given(self):
        other = varnish.Varnish(self.server_thread.port, purgers="127.0.0.2").start()
        try:
            other.get("/")
            self.assertEqual(other.purge("front", source="127.0.0.2").status, 200)
            self.assertEqual(other.purge("front", source="127.0.0.3").status, 405)
        finally:
            other.stop()


def has_tiers() -> bool:
    """Whether the outbox and its tiers (pagecache.tiers: issue 16, part F) are here."""
    try:
        from pagecache import tiers  # noqa: F401
    except ImportError:
        return False
    return True


@unittest.skipUnless(has_tiers(), "needs the purge outbox's tiers (pagecache.tiers)")
class PurgeThroughEveryTierTests(VarnishTestCase):
    """Editorial changes made through articles.workflow reach readers through Varnish (and the
    page cache behind it) within a second: the outbox purges both by key on commit."""

    def setUp(self):
        super().setUp()
        overrides = override_settings(
            PURGE_VARNISH_URLS=[self.varnish.url],
            NEWSROOM_PAGE_CACHE=True,
        )
        overrides.enable()
        self.addCleanup(overrides.disable)
        from pagecache import tiers

        names = [tier.name for tier in tiers.configured_tiers()]
        self.assertIn(f"varnish:{self.varnish.url}", names)

    def warm(self, *paths):
        """Each page in Varnish (and in the page cache behind it), its keys' long lifetime on."""
        for path in paths:
            self.get(path)
            seen = self.get(path, **DEBUG)
            self.assertEqual(seen.header("X-Cache"), "HIT", path)
            self.assertAlmostEqual(
                float(seen.header("X-Cache-TTL")), settings.NEWSROOM_PURGED_CACHE_MAX_AGE, delta=5
            )

    def shows_within_a_second(self, path, check):
        deadline = time.monotonic() + 1.0
        while True:
            answer = self.get(path)
            if check(answer):
                return answer
            if time.monotonic() > deadline:
                self.fail(f"{path} still shows the old page a second later ({answer})")
            time.sleep(0.05)

    def test_publish_edit_correction_and_unpublish_show_through_varnish_at_once(self):
        draft = workflow.create(
            {"headline": "Breaking: dam holds", "body": "<p>The dam held overnight.</p>",
             "section": self.section.pk,
             "bylines": [{"author": self.author.pk, "role": "reporter"}]},
            by=self.editor,
        )  # fmt: skip
        self.warm("/", "/section/world/", self.story.get_absolute_url())

        workflow.publish(draft, by=self.editor)
        draft.refresh_from_db()
        url = draft.get_absolute_url()
        for path in ("/", "/section/world/"):
            self.shows_within_a_second(path, lambda r: "Breaking: dam holds" in r.text)

        # An edit of a live story: saved as pending changes, then published.
        self.warm(url)
        data = workflow.latest_data(draft)
        data["headline"] = "Dam holds after night of rain"
        workflow.save(draft, data, by=self.editor, base_revision=draft.revision_number)
        self.assertEqual(self.get(url).header("X-Cache"), "HIT")  # Pending: readers unchanged.
        workflow.publish(draft, by=self.editor)
        self.shows_within_a_second(url, lambda r: "Dam holds after night of rain" in r.text)
        self.shows_within_a_second("/", lambda r: "Dam holds after night of rain" in r.text)

        self.warm(url, "/corrections/")
        workflow.correct(draft, by=self.editor, kind="correction", text="The river is the Tagus.")
        self.shows_within_a_second(url, lambda r: "The river is the Tagus." in r.text)
        self.shows_within_a_second("/corrections/", lambda r: "The river is the Tagus." in r.text)

        self.warm(url, "/", "/section/world/")
        workflow.unpublish(draft, by=self.editor)
        self.shows_within_a_second(url, lambda r: r.status == 410)
        for path in ("/", "/section/world/"):
            self.shows_within_a_second(path, lambda r: "Dam holds after" not in r.text)
