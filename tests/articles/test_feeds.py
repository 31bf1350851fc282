"""RSS and Atom feeds: what feed readers get for the site, a section, a tag and an author."""

import email.utils
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.feeds import FEED_SIZE
from articles.models import Article
from tests.factories import make_archive, make_article, make_author, make_section, make_user

ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$"
)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

SITE_FEEDS = ["/feed/", "/feed/atom/"]


class FeedTestCase(TestCase):
    def fetch(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        parsed = feedparser.parse(response.content)
        self.assertFalse(parsed.bozo, f"{url}: {parsed.get('bozo_exception')!r}")
        return response, parsed

    def entry(self, parsed, headline):
        matches = [e for e in parsed.entries if e.title == headline]
        self.assertEqual(len(matches), 1, f"{headline!r} in {[e.title for e in parsed.entries]}")
        return matches[0]


class FeedContentTests(FeedTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.other_section = make_section("Sport", slug="sport")
        cls.ana = make_author("Ana Costa")
        cls.tom = make_author("Tom Reid")
        cls.story = make_article(
            headline="Storm closes the coast road",
            standfirst="Drivers are told to avoid the area.",
            body=(
                "<p>The road shut at noon.</p>"
                '<figure><img src="/media/images/storm.jpg" alt="Waves on the road"></figure>'
                '<p>See <a href="/section/world/">more world news</a>.</p>'
            ),
            section=cls.section,
            authors=[cls.tom, cls.ana],
            tags=["Storms", "Café Society"],
            published_at=datetime(2025, 7, 1, 14, 30, tzinfo=UTC),
            updated_at=datetime(2025, 7, 1, 18, 5, tzinfo=UTC),
        )
        cls.sport = make_article(
            headline="Cup final goes to extra time",
            section=cls.other_section,
            authors=[cls.ana],
            published_at=datetime(2025, 7, 1, 12, 0, tzinfo=UTC),
        )

    def test_rss_item_has_absolute_link_byline_summary_full_text_and_tags(self):
        _response, parsed = self.fetch("/feed/")
        self.assertEqual(parsed.version, "rss20")
        entry = self.entry(parsed, "Storm closes the coast road")
        self.assertEqual(entry.link, "http://testserver/2025/07/01/storm-closes-the-coast-road/")
        self.assertEqual([a.name for a in entry.authors], ["Tom Reid", "Ana Costa"])
        self.assertEqual(entry.summary, "Drivers are told to avoid the area.")
        content = entry.content[0].value
        self.assertIn("<p>The road shut at noon.</p>", content)
        self.assertIn('src="http://testserver/media/images/storm.jpg"', content)
        self.assertIn('href="http://testserver/section/world/"', content)
        self.assertEqual(sorted(t.term for t in entry.tags), ["Café Society", "Storms"])

    def test_atom_entry_has_absolute_link_byline_summary_full_text_and_tags(self):
        _response, parsed = self.fetch("/feed/atom/")
        self.assertEqual(parsed.version, "atom10")
        entry = self.entry(parsed, "Storm closes the coast road")
        self.assertEqual(entry.link, "http://testserver/2025/07/01/storm-closes-the-coast-road/")
        self.assertEqual([a.name for a in entry.authors], ["Tom Reid", "Ana Costa"])
        self.assertEqual(entry.summary, "Drivers are told to avoid the area.")
        self.assertEqual(entry.content[0].type, "text/html")
        self.assertIn("<p>The road shut at noon.</p>", entry.content[0].value)
        self.assertIn('src="http://testserver/media/images/storm.jpg"', entry.content[0].value)
        self.assertEqual(sorted(t.term for t in entry.tags), ["Café Society", "Storms"])

    def test_rss_dates_are_rfc_822_and_mean_publication_time(self):
        response = self.client.get("/feed/")
        item = next(
            item
            for item in ET.fromstring(response.content).iter("item")
            if item.findtext("title") == "Storm closes the coast road"
        )
        pub_date = item.findtext("pubDate")
        self.assertRegex(pub_date, RFC822)
        self.assertEqual(email.utils.parsedate_to_datetime(pub_date), self.story.published_at)
        self.assertRegex(ET.fromstring(response.content).findtext("channel/lastBuildDate"), RFC822)

    def test_atom_dates_are_rfc_3339_published_and_updated(self):
        response = self.client.get("/feed/atom/")
        root = ET.fromstring(response.content)
        entry = next(
            e
            for e in root.iter(f"{ATOM}entry")
            if e.findtext(f"{ATOM}title") == self.story.headline
        )
        published = entry.findtext(f"{ATOM}published")
        updated = entry.findtext(f"{ATOM}updated")
        self.assertRegex(published, RFC3339)
        self.assertRegex(updated, RFC3339)
        self.assertEqual(datetime.fromisoformat(published), self.story.published_at)
        self.assertEqual(datetime.fromisoformat(updated), self.story.updated_at)
        # The feed was last updated when its newest change happened.
        self.assertEqual(
            datetime.fromisoformat(root.findtext(f"{ATOM}updated")), self.story.updated_at
        )

    def test_rss_guid_is_a_permanent_id_not_a_permalink(self):
        response = self.client.get("/feed/")
        item = next(
            item
            for item in ET.fromstring(response.content).iter("item")
            if item.findtext("title") == "Storm closes the coast road"
        )
        guid = item.find("guid")
        self.assertEqual(guid.get("isPermaLink"), "false")
        self.assertRegex(guid.text, rf"^tag:testserver,\d{{4}}-\d\d-\d\d:article:{self.story.pk}$")

    def test_site_feeds_describe_the_site(self):
        _response, rss = self.fetch("/feed/")
        self.assertEqual(rss.feed.title, "The Daily Ledger")
        self.assertEqual(rss.feed.link, "http://testserver/")
        self.assertEqual(rss.feed.subtitle, "Independent news, every day")
        self.assertEqual(rss.feed.language, "en-gb")
        _response, atom = self.fetch("/feed/atom/")
        self.assertEqual(atom.feed.title, "The Daily Ledger")
        self.assertEqual(atom.feed.id, "http://testserver/feed/atom/")
        self.assertEqual(atom.feed.link, "http://testserver/")
        self.assertEqual(atom.feed.language, "en-gb")
        # The same id on every request: feed readers recognise the feed.
        self.assertEqual(self.fetch("/feed/atom/")[1].feed.id, atom.feed.id)

    def test_feeds_are_served_with_feed_content_types(self):
        self.assertEqual(
            self.client.get("/feed/")["Content-Type"], "application/rss+xml; charset=utf-8"
        )
        self.assertEqual(
            self.client.get("/feed/atom/")["Content-Type"], "application/atom+xml; charset=utf-8"
        )

    def test_section_feed_has_only_that_sections_stories(self):
        for url in ["/section/world/feed/", "/section/world/feed/atom/"]:
            with self.subTest(url=url):
                _response, parsed = self.fetch(url)
                self.assertEqual([e.title for e in parsed.entries], ["Storm closes the coast road"])
                self.assertEqual(parsed.feed.title, "World | The Daily Ledger")
                self.assertEqual(parsed.feed.link, "http://testserver/section/world/")

    def test_tag_feed_works_with_a_unicode_slug(self):
        url = reverse("articles:tag-feed", kwargs={"slug": "café-society"})
        self.assertEqual(url, "/tag/caf%C3%A9-society/feed/")
        for feed_url in [url, reverse("articles:tag-feed-atom", kwargs={"slug": "café-society"})]:
            with self.subTest(url=feed_url):
                _response, parsed = self.fetch(feed_url)
                self.assertEqual([e.title for e in parsed.entries], ["Storm closes the coast road"])
                self.assertEqual(parsed.feed.title, "Café Society | The Daily Ledger")

    def test_author_feed_has_the_stories_they_are_a_byline_on(self):
        for url in ["/author/tom-reid/feed/", "/author/tom-reid/feed/atom/"]:
            with self.subTest(url=url):
                _response, parsed = self.fetch(url)
                self.assertEqual([e.title for e in parsed.entries], ["Storm closes the coast road"])
        _response, parsed = self.fetch("/author/ana-costa/feed/")
        self.assertEqual(
            [e.title for e in parsed.entries],
            ["Storm closes the coast road", "Cup final goes to extra time"],
        )
        self.assertEqual(parsed.feed.title, "Ana Costa | The Daily Ledger")


class FeedVisibilityTests(FeedTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ana Lima")
        common = {"section": cls.section, "authors": [cls.author], "tags": ["floods"]}
        make_article(headline="Live story", **common)
        make_article(headline="Draft story", published=False, **common)
        make_article(
            headline="Scheduled story",
            published_at=timezone.now() + timedelta(hours=2),
            status=Article.Status.SCHEDULED,
            **common,
        )
        unpublished = make_article(headline="Unpublished story", **common)
        Article.objects.filter(pk=unpublished.pk).update(status=Article.Status.UNPUBLISHED)
        make_article(
            headline="Expired story", unpublish_at=timezone.now() - timedelta(minutes=5), **common
        )
        cls.gone_author = make_author("Former Writer", is_active=False)
        make_article(headline="Old byline", section=cls.section, authors=[cls.gone_author])

    def feed_urls(self):
        urls = []
        for base in ["", "/section/world", "/tag/floods", "/author/ana-lima"]:
            urls += [f"{base}/feed/", f"{base}/feed/atom/"]
        return urls

    def test_only_stories_readers_can_see_are_in_any_feed(self):
        for url in self.feed_urls():
            with self.subTest(url=url):
                _response, parsed = self.fetch(url)
                titles = {e.title for e in parsed.entries}
                self.assertIn("Live story", titles)
                for hidden in [
                    "Draft story",
                    "Scheduled story",
                    "Unpublished story",
                    "Expired story",
                ]:
                    self.assertNotIn(hidden, titles)

    def test_unknown_subjects_are_404(self):
        for url in [
            "/section/nowhere/feed/",
            "/section/nowhere/feed/atom/",
            "/tag/nothing/feed/",
            "/tag/nothing/feed/atom/",
            "/author/nobody/feed/",
            "/author/nobody/feed/atom/",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_inactive_author_has_no_feed_though_their_stories_stay_in_others(self):
        for url in ["/author/former-writer/feed/", "/author/former-writer/feed/atom/"]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        _response, parsed = self.fetch("/feed/")
        self.assertEqual(self.entry(parsed, "Old byline").author, "Former Writer")


class FeedIdTests(FeedTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.editor = make_user("editor", role="Editor")
        cls.story = make_article(
            headline="Storm closes the coast road",
            slug="storm-closes-the-coast-road",
            section=cls.section,
        )

    def ids(self):
        _response, rss = self.fetch("/feed/")
        _response, atom = self.fetch("/feed/atom/")
        return rss.entries[0], atom.entries[0]

    def test_id_survives_a_new_headline_and_slug(self):
        rss_before, atom_before = self.ids()
        data = workflow.snapshot(self.story)
        data |= {"headline": "Storm shuts coast road for a week", "slug": "storm-shuts-coast-road"}
        workflow.save(
            self.story,
            data,
            by=self.editor,
            base_revision=self.story.revision_number,
            substantive=True,
        )
        workflow.publish(self.story, by=self.editor)

        rss_after, atom_after = self.ids()
        # The edit is live: a new headline and a new address...
        self.assertEqual(rss_after.title, "Storm shuts coast road for a week")
        self.assertTrue(rss_after.link.endswith("/storm-shuts-coast-road/"))
        self.assertNotEqual(rss_after.link, rss_before.link)
        self.assertEqual(atom_after.title, "Storm shuts coast road for a week")
        # ...and the same id, so feed readers update the item instead of adding another.
        self.assertEqual(rss_after.id, rss_before.id)
        self.assertEqual(atom_after.id, atom_before.id)
        self.assertTrue(rss_after.id.startswith("tag:testserver,"))


class FeedQueryTests(TestCase):
    """A feed runs a fixed number of queries however many items it carries."""

    def build(self, size):
        sections = [make_section(f"Desk {i}") for i in range(2)]
        authors = [make_author(f"Writer {i}") for i in range(4)]
        tags = [f"topic-{i}" for i in range(3)]
        make_archive(size, sections=sections, authors=authors, tags=tags)
        return sections[0], authors[0]

    def assert_queries(self, url, queries, items):
        with self.assertNumQueries(queries):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(feedparser.parse(response.content).entries), items)

    def check(self, size, items):
        section, author = self.build(size)
        published = Article.objects.published()

        def expected(stories):
            return min(FEED_SIZE, stories.count())

        # 1 stories  2 their bylines and authors  3 their tags
        self.assert_queries("/feed/", 3, items)
        self.assert_queries("/feed/atom/", 3, items)
        # ... and 1 for the section, tag or author.
        for url, stories in [
            (f"/section/{section.slug}/feed/", published.filter(section=section)),
            ("/tag/topic-1/feed/", published.filter(tags__name="topic-1")),
            (f"/author/{author.slug}/feed/", published.filter(bylines__author=author)),
        ]:
            with self.subTest(url=url):
                self.assert_queries(url, 4, expected(stories))
                self.assert_queries(f"{url}atom/", 4, expected(stories))

    def test_small_feed(self):
        self.check(3, 3)

    def test_full_feed_holds_the_newest_thirty(self):
        self.check(45, FEED_SIZE)
        parsed = feedparser.parse(self.client.get("/feed/").content)
        newest = Article.objects.order_by("-published_at")[:FEED_SIZE]
        self.assertEqual([e.title for e in parsed.entries], [a.headline for a in newest])


class AutodiscoveryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ana Lima")
        cls.story = make_article(section=cls.section, authors=[cls.author], tags=["floods"])

    SITE_LINKS = [
        '<link rel="alternate" type="application/rss+xml" title="The Daily Ledger (RSS)" href="/feed/">',
        '<link rel="alternate" type="application/atom+xml" title="The Daily Ledger (Atom)" href="/feed/atom/">',
    ]

    def test_every_page_announces_the_site_feeds(self):
        for url in ["/", self.story.get_absolute_url(), "/corrections/", "/search/?q=x"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                for link in self.SITE_LINKS:
                    self.assertContains(response, link, html=True)

    def test_section_tag_and_author_pages_announce_their_own_feeds_too(self):
        pages = {
            "/section/world/": ("World | The Daily Ledger", "/section/world/feed/"),
            "/tag/floods/": ("floods | The Daily Ledger", "/tag/floods/feed/"),
            "/author/ana-lima/": ("Ana Lima | The Daily Ledger", "/author/ana-lima/feed/"),
        }
        for url, (title, feed) in pages.items():
            with self.subTest(url=url):
                response = self.client.get(url)
                for link in self.SITE_LINKS:
                    self.assertContains(response, link, html=True)
                self.assertContains(
                    response,
                    f'<link rel="alternate" type="application/rss+xml" title="{title} (RSS)" href="{feed}">',
                    html=True,
                )
                self.assertContains(
                    response,
                    f'<link rel="alternate" type="application/atom+xml" title="{title} (Atom)" href="{feed}atom/">',
                    html=True,
                )
