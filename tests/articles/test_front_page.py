"""The front page: the lead, the latest stories, and each section's newest stories below.

The page is loaded by two compiled (and, on PostgreSQL, prepared) queries; these tests pin
what readers see, at two moments and with stories changing between requests, so a query
frozen with its first values would fail them.
"""

import re
from datetime import timedelta

import time_machine
from django.test import TestCase
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_section

HOUR = timedelta(hours=1)


def headlines(html: str, block: str) -> list[str]:
    """Card headlines inside the element whose class starts with ``block``, in page order."""
    start = html.index(f'class="{block}')
    depth_end = html.find("</section>", start)
    return re.findall(r'class="card__headline"><a href="[^"]+">([^<]+)</a>', html[start:depth_end])


class FrontPageTests(TestCase):
    def setUp(self):
        self.now = timezone.now()
        self.news = make_section("News", slug="news", position=1)
        self.sport = make_section("Sport", slug="sport", position=2)
        self.hidden = make_section("Hidden", slug="hidden", position=3, in_navigation=False)
        self.empty = make_section("Empty", slug="empty", position=4)
        self.writer = make_author("Ada Byline")

    def story(self, headline, age_hours, section=None, **fields):
        return make_article(
            headline=headline,
            section=section or self.news,
            authors=[self.writer],
            published_at=self.now - age_hours * HOUR,
            **fields,
        )

    def front(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_newest_lead_pick_leads_even_when_older_than_the_latest(self):
        self.story("Old lead", 100, is_lead=True)
        for i in range(12):
            self.story(f"Newer {i}", i + 1)
        html = self.front()
        self.assertEqual(headlines(html, "front-top__lead")[0], "Old lead")
        shown = headlines(html, "front-top")
        # The lead, then the ten newest: Newer 0 to Newer 9.
        self.assertEqual(shown, ["Old lead", *(f"Newer {i}" for i in range(10))])
        # The eleventh newest is not in the top: it heads its section's block instead.
        self.assertEqual(headlines(html, "section-block")[0], "Newer 10")
        self.assertIn("Ada Byline", html)

    def test_without_a_lead_pick_the_newest_story_leads(self):
        for i in range(3):
            self.story(f"Plain {i}", i + 1)
        self.assertEqual(headlines(self.front(), "front-top__lead")[0], "Plain 0")

    def test_section_blocks_show_each_sections_newest_not_shown_above(self):
        for i in range(11):
            self.story(f"Top {i}", i + 1)
        for i in range(6):
            self.story(f"Sport {i}", 20 + i, section=self.sport)
        self.story("Hidden story", 30, section=self.hidden)
        html = self.front()
        self.assertEqual(headlines(html, "front-top").count("Top 3"), 1)
        sport = html[html.index('id="block-sport"') :]
        self.assertEqual(
            headlines(sport, "grid grid--4"), ["Sport 0", "Sport 1", "Sport 2", "Sport 3"]
        )
        # No block for a section outside the navigation, nor for one with no stories.
        self.assertNotIn('id="block-hidden"', html)
        self.assertNotIn('id="block-empty"', html)
        # Stories in the top are not repeated in their section's block.
        self.assertNotIn('id="block-news"', html)

    def test_what_is_shown_follows_the_clock_and_each_change(self):
        self.story("Already out", 2)
        scheduled = make_article(
            headline="Embargoed until noon", section=self.sport, authors=[self.writer]
        )
        Article.objects.filter(pk=scheduled.pk).update(
            status=Article.Status.SCHEDULED, published_at=self.now + 2 * HOUR
        )
        scheduled.refresh_from_db()
        self.assertNotIn("Embargoed until noon", self.front())
        with time_machine.travel(self.now + 3 * HOUR, tick=False):
            self.assertIn("Embargoed until noon", self.front())
        scheduled.headline = "Renamed after the embargo"
        scheduled.save()
        with time_machine.travel(self.now + 4 * HOUR, tick=False):
            html = self.front()
        self.assertIn("Renamed after the embargo", html)
        self.assertNotIn("Embargoed until noon", html)

    def test_an_empty_site_says_so(self):
        self.assertIn("No stories have been published yet.", self.front())
