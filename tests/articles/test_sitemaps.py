"""Sitemaps, the Google News sitemap and robots.txt: what search engines are told."""

import unittest
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from unittest import mock

import time_machine
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import sitemaps, workflow
from tests.factories import make_archive, make_article, make_author, make_section, make_user

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


class SitemapTestCase(TestCase):
    def xml(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        self.assertEqual(response["Content-Type"], "application/xml")
        return ET.fromstring(response.content)

    def index(self):
        root = self.xml("/sitemap.xml")
        self.assertEqual(root.tag, f"{SM}sitemapindex")
        return {
            s.findtext(f"{SM}loc"): s.findtext(f"{SM}lastmod") for s in root.iter(f"{SM}sitemap")
        }

    def urls(self, url):
        """{loc: lastmod} of one sitemap page."""
        root = self.xml(url)
        self.assertEqual(root.tag, f"{SM}urlset")
        entries = root.findall(f"{SM}url")
        locs = [u.findtext(f"{SM}loc") for u in entries]
        self.assertEqual(len(locs), len(set(locs)), "a URL listed twice")
        return {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in entries}


def lastmod(text):
    return datetime.fromisoformat(text)


@override_settings(NEWSROOM_SITEMAP_PAGE_SIZE=3)
class SitemapIndexTests(SitemapTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ana Lima")
        cls.stories = [
            make_article(
                section=cls.section,
                authors=[cls.author],
                published_at=timezone.now() - timedelta(days=10 - i),
            )
            for i in range(7)
        ]
        make_article(headline="Draft", section=cls.section, published=False)
        make_article(
            headline="Scheduled",
            section=cls.section,
            published_at=timezone.now() + timedelta(hours=3),
        )

    def test_index_lists_each_sitemap_and_every_page_of_the_articles_one(self):
        self.assertEqual(
            list(self.index()),
            [
                "http://testserver/sitemap-articles.xml",
                "http://testserver/sitemap-articles.xml?p=2",
                "http://testserver/sitemap-articles.xml?p=3",
                "http://testserver/sitemap-sections.xml",
                "http://testserver/sitemap-tags.xml",
                "http://testserver/sitemap-authors.xml",
            ],
        )

    def test_article_pages_hold_the_page_size_and_together_every_published_story(self):
        pages = [self.urls(f"/sitemap-articles.xml?p={n}") for n in (1, 2, 3)]
        self.assertEqual([len(page) for page in pages], [3, 3, 1])
        listed = [loc for page in pages for loc in page]
        self.assertEqual(
            listed, [f"http://testserver{story.get_absolute_url()}" for story in self.stories]
        )
        self.assertEqual(self.urls("/sitemap-articles.xml"), pages[0])

    def test_page_past_the_end_and_unknown_sitemaps_are_404(self):
        for url in [
            "/sitemap-articles.xml?p=4",
            "/sitemap-articles.xml?p=0",
            "/sitemap-articles.xml?p=two",
            "/sitemap-nothing.xml",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_drafts_and_scheduled_stories_are_in_no_sitemap(self):
        listed = "".join(
            loc for n in (1, 2, 3) for loc in self.urls(f"/sitemap-articles.xml?p={n}")
        )
        self.assertNotIn("/draft/", listed)
        self.assertNotIn("/scheduled/", listed)

    def test_index_page_runs_the_same_queries_however_many_stories(self):
        with self.assertNumQueries(8) as first:  # per sitemap: newest change, count
            self.client.get("/sitemap.xml")
        authors = [self.author, make_author("Ben Ode")]
        make_archive(20, sections=[self.section], authors=authors, tags=["x"])
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get("/sitemap.xml")
        with self.assertNumQueries(2):  # count, one page
            self.client.get("/sitemap-articles.xml?p=5")


class SitemapIndexCostTests(SitemapTestCase):
    """The index (what crawlers ask for most, rendered again after every publish) costs the
    same at a million stories: each sitemap's newest change is one step down an index, and the
    number of section, tag and author entries is counted without aggregating their stories."""

    @classmethod
    def setUpTestData(cls):
        section = make_section("World", slug="world")
        authors = [make_author("Ana Lima"), make_author("Ben Ode")]
        make_archive(6, sections=[section], authors=authors, tags=["x", "y"])

    def test_the_index_aggregates_no_stories(self):
        with CaptureQueriesContext(connection) as ctx:
            self.index()
        for query in ctx.captured_queries:
            with self.subTest(sql=query["sql"][:80]):
                self.assertNotIn("GROUP BY", query["sql"])
                self.assertNotIn("MAX(", query["sql"])

    @unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL's plan")
    def test_each_newest_change_reads_the_change_index(self):
        for name, sitemap in sitemaps.SITEMAPS.items():
            with self.subTest(sitemap=name):
                with CaptureQueriesContext(connection) as ctx:
                    self.assertIsNotNone(sitemap().get_latest_lastmod())
                (query,) = ctx.captured_queries
                with connection.cursor() as cursor:
                    # On a few rows a scan and a sort are cheaper: the question is whether
                    # the index serves this query at all, so the alternatives are priced out.
                    cursor.execute("SET LOCAL enable_seqscan = off")
                    cursor.execute("SET LOCAL enable_sort = off")
                    cursor.execute(f"EXPLAIN {query['sql']}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                self.assertIn("article_change_idx", plan)
                self.assertNotIn("Aggregate", plan)


@override_settings(TIME_ZONE="Europe/London")
class LastmodTests(SitemapTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = make_section("World", slug="world")
        cls.sport = make_section("Sport", slug="sport")
        cls.ana = make_author("Ana Lima")
        cls.ben = make_author("Ben Ode")
        cls.gone = make_author("Gone Writer", is_active=False)
        cls.drafter = make_author("Only Drafts")
        cls.editor = make_user("editor", role="Editor")
        cls.older = make_article(
            section=cls.world,
            authors=[cls.ana, cls.gone],
            tags=["Floods", "Café Society"],
            published_at=NOW - timedelta(days=3),
            updated_at=NOW - timedelta(days=2, hours=5),
        )
        cls.newer = make_article(
            section=cls.world,
            authors=[cls.ben],
            tags=["Floods"],
            published_at=NOW - timedelta(days=1),
            updated_at=NOW - timedelta(days=1),
        )
        # Newer, but not visible: they must not move any lastmod.
        make_article(
            section=cls.world,
            authors=[cls.ana, cls.drafter],
            tags=["Floods", "Secret plans"],
            published=False,
            updated_at=NOW - timedelta(hours=1),
        )
        make_article(
            section=cls.world,
            authors=[cls.ana],
            tags=["Floods"],
            published_at=NOW + timedelta(hours=5),
            updated_at=NOW + timedelta(hours=5),
        )

    def setUp(self):
        travel = time_machine.travel(NOW, tick=False)
        self.clock = travel.start()
        self.addCleanup(travel.stop)

    def test_article_lastmod_is_its_update_time(self):
        urls = self.urls("/sitemap-articles.xml")
        self.assertEqual(
            lastmod(urls[f"http://testserver{self.older.get_absolute_url()}"]),
            self.older.updated_at,
        )
        self.assertEqual(
            lastmod(urls[f"http://testserver{self.newer.get_absolute_url()}"]),
            self.newer.updated_at,
        )

    def test_lastmod_is_written_in_the_newsroom_time_zone_to_the_second(self):
        text = self.urls("/sitemap-articles.xml")[
            f"http://testserver{self.older.get_absolute_url()}"
        ]
        self.assertEqual(text, "2026-03-07T07:00:00+00:00")

    def test_a_correction_moves_the_lastmod_of_the_story_and_its_pages(self):
        later = NOW + timedelta(minutes=30)
        self.clock.move_to(later)
        workflow.correct(self.older, by=self.editor, kind="correction", text="A name was wrong.")
        urls = self.urls("/sitemap-articles.xml")
        self.assertEqual(lastmod(urls[f"http://testserver{self.older.get_absolute_url()}"]), later)
        self.assertEqual(
            lastmod(self.urls("/sitemap-sections.xml")["http://testserver/section/world/"]), later
        )
        self.assertEqual(
            lastmod(self.urls("/sitemap-authors.xml")["http://testserver/author/ana-lima/"]),
            later,
        )
        self.assertEqual(lastmod(self.index()["http://testserver/sitemap-articles.xml"]), later)

    def test_section_lastmod_is_its_newest_published_change(self):
        urls = self.urls("/sitemap-sections.xml")
        self.assertEqual(
            set(urls), {"http://testserver/section/world/", "http://testserver/section/sport/"}
        )
        self.assertEqual(lastmod(urls["http://testserver/section/world/"]), self.newer.updated_at)
        self.assertIsNone(urls["http://testserver/section/sport/"])  # Nothing published yet.

    def test_tags_with_published_stories_are_listed_with_their_newest_change(self):
        urls = self.urls("/sitemap-tags.xml")
        self.assertEqual(
            urls,
            {
                "http://testserver/tag/floods/": self.newer.updated_at.isoformat(),
                "http://testserver/tag/caf%C3%A9-society/": self.older.updated_at.isoformat(),
            },
        )

    def test_active_authors_with_published_stories_are_listed(self):
        urls = self.urls("/sitemap-authors.xml")
        self.assertEqual(
            urls,
            {
                "http://testserver/author/ana-lima/": self.older.updated_at.isoformat(),
                "http://testserver/author/ben-ode/": self.newer.updated_at.isoformat(),
            },
        )

    def test_index_lastmod_is_the_newest_published_change(self):
        index = self.index()
        for loc in [
            "http://testserver/sitemap-articles.xml",
            "http://testserver/sitemap-sections.xml",
            "http://testserver/sitemap-tags.xml",
            "http://testserver/sitemap-authors.xml",
        ]:
            with self.subTest(loc=loc):
                self.assertEqual(lastmod(index[loc]), self.newer.updated_at)


@override_settings(TIME_ZONE="Europe/London")
class NewsSitemapTests(SitemapTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.fresh = make_article(
            headline="Floods & storms: the latest",
            section=cls.section,
            published_at=NOW - timedelta(hours=1, seconds=30),
            updated_at=NOW - timedelta(minutes=5),
        )
        cls.yesterday = make_article(
            headline="Yesterday's story",
            section=cls.section,
            published_at=NOW - timedelta(hours=47),
        )
        cls.too_old = make_article(
            headline="Three days ago", section=cls.section, published_at=NOW - timedelta(hours=49)
        )
        make_article(headline="Draft", section=cls.section, published=False)
        make_article(
            headline="Scheduled", section=cls.section, published_at=NOW + timedelta(hours=1)
        )

    def news(self):
        with time_machine.travel(NOW, tick=False):
            root = self.xml("/news-sitemap.xml")
        self.assertEqual(root.tag, f"{SM}urlset")
        return root.findall(f"{SM}url")

    def test_lists_only_stories_published_in_the_last_48_hours_newest_first(self):
        urls = self.news()
        self.assertEqual(
            [u.findtext(f"{SM}loc") for u in urls],
            [
                f"http://testserver{self.fresh.get_absolute_url()}",
                f"http://testserver{self.yesterday.get_absolute_url()}",
            ],
        )

    def test_each_story_has_publication_date_and_title(self):
        news = self.news()[0].find(f"{NEWS}news")
        self.assertEqual(news.findtext(f"{NEWS}publication/{NEWS}name"), "The Daily Ledger")
        self.assertEqual(news.findtext(f"{NEWS}publication/{NEWS}language"), "en")
        self.assertEqual(news.findtext(f"{NEWS}title"), "Floods & storms: the latest")
        # The first publication time (not the update), ISO 8601 with the newsroom's offset.
        self.assertEqual(news.findtext(f"{NEWS}publication_date"), "2026-03-09T10:59:30+00:00")

    def test_publication_date_carries_summer_time_offset(self):
        summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
        story = make_article(section=self.section, published_at=summer - timedelta(hours=2))
        with time_machine.travel(summer, tick=False):
            root = self.xml("/news-sitemap.xml")
        url = root.find(f"{SM}url")
        self.assertEqual(url.findtext(f"{SM}loc"), f"http://testserver{story.get_absolute_url()}")
        self.assertEqual(
            url.findtext(f"{NEWS}news/{NEWS}publication_date"), "2026-07-01T11:00:00+01:00"
        )

    @override_settings(NEWSROOM_NEWS_LANGUAGE="cy")
    def test_language_comes_from_settings(self):
        news = self.news()[0].find(f"{NEWS}news")
        self.assertEqual(news.findtext(f"{NEWS}publication/{NEWS}language"), "cy")

    def test_caps_the_number_of_stories_keeping_the_newest(self):
        extra = [
            make_article(section=self.section, published_at=NOW - timedelta(minutes=m))
            for m in (10, 20, 30)
        ]
        with mock.patch.object(sitemaps, "NEWS_LIMIT", 3):
            urls = self.news()
        self.assertEqual(
            [u.findtext(f"{SM}loc") for u in urls],
            [f"http://testserver{story.get_absolute_url()}" for story in extra],
        )

    def test_empty_news_sitemap_is_still_a_document(self):
        with time_machine.travel(NOW + timedelta(days=5), tick=False):
            response = self.client.get("/news-sitemap.xml")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/xml")
        root = ET.fromstring(response.content)
        self.assertEqual(root.tag, f"{SM}urlset")
        self.assertEqual(len(root), 0)
        self.assertIn(
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"', response.content
        )

    def test_news_sitemap_is_not_indexed_as_a_page(self):
        with time_machine.travel(NOW, tick=False):
            response = self.client.get("/news-sitemap.xml")
        self.assertIn("noindex", response["X-Robots-Tag"])


class RobotsTxtTests(TestCase):
    def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemaps(self):
        response = self.client.get("/robots.txt")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        lines = response.content.decode().splitlines()
        self.assertEqual(lines[0], "User-agent: *")
        for line in [
            "Disallow: /admin/",
            "Disallow: /preview/",
            "Disallow: /search/",
            "Sitemap: http://testserver/sitemap.xml",
            "Sitemap: http://testserver/news-sitemap.xml",
        ]:
            self.assertIn(line, lines)
        # Everything else is open: no blanket Disallow.
        self.assertNotIn("Disallow: /", lines)
        self.assertNotIn("Disallow:", lines)

    def test_robots_txt_names_the_real_addresses(self):
        self.assertEqual(reverse("sitemap-index"), "/sitemap.xml")
        self.assertEqual(reverse("news-sitemap"), "/news-sitemap.xml")
        self.assertEqual(reverse("articles:search"), "/search/")
        self.assertTrue(reverse("articles:shared-preview", args=["x"]).startswith("/preview/"))
        self.assertTrue(reverse("admin:index").startswith("/admin/"))
