"""Readers see only published stories whose time has come, on every page."""

from datetime import timedelta

import time_machine
from django.test import TestCase
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_section


class VisibilityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ana Lima")
        cls.live = make_article(
            headline="Live story", section=cls.section, authors=[cls.author], tags=["floods"]
        )
        cls.draft = make_article(
            headline="Draft story",
            section=cls.section,
            authors=[cls.author],
            tags=["floods"],
            published=False,
        )
        cls.scheduled = make_article(
            headline="Scheduled story",
            section=cls.section,
            authors=[cls.author],
            tags=["floods"],
            published_at=timezone.now() + timedelta(hours=2),
        )

    def listing_pages(self):
        return ["/", "/section/world/", "/tag/floods/", self.author.get_absolute_url()]

    def test_published_story_appears_everywhere(self):
        for url in self.listing_pages():
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Live story")
        self.assertEqual(self.client.get(self.live.get_absolute_url()).status_code, 200)

    def test_draft_is_on_no_page(self):
        for url in self.listing_pages():
            with self.subTest(url=url):
                self.assertNotContains(self.client.get(url), "Draft story")
        self.assertEqual(self.client.get(self.draft.get_absolute_url()).status_code, 404)

    def test_scheduled_story_is_hidden_until_its_time(self):
        for url in self.listing_pages():
            with self.subTest(url=url):
                self.assertNotContains(self.client.get(url), "Scheduled story")
        self.assertEqual(self.client.get(self.scheduled.get_absolute_url()).status_code, 404)

    def test_scheduled_story_appears_on_time_without_any_job(self):
        with time_machine.travel(self.scheduled.published_at + timedelta(seconds=1)):
            for url in self.listing_pages():
                with self.subTest(url=url):
                    self.assertContains(self.client.get(url), "Scheduled story")
            response = self.client.get(self.scheduled.get_absolute_url())
            self.assertEqual(response.status_code, 200)

    def test_published_queryset_is_the_rule(self):
        self.assertQuerySetEqual(Article.objects.published(), [self.live], ordered=False)

    def test_inactive_author_has_no_page_but_keeps_byline(self):
        gone = make_author("Former Staffer", is_active=False)
        story = make_article(headline="Old byline", section=self.section, authors=[gone])
        self.assertEqual(self.client.get(gone.get_absolute_url()).status_code, 404)
        response = self.client.get(story.get_absolute_url())
        self.assertContains(response, "Former Staffer")
        self.assertNotContains(response, gone.get_absolute_url())
