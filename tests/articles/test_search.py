"""Reader search: ranking on PostgreSQL, a plain fallback on SQLite, never a 500."""

import unittest
from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.utils import timezone

from articles import workflow
from tests.factories import make_author, make_section, make_user

ON_POSTGRES = connection.vendor == "postgresql"


class SearchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.world = make_section("World", slug="world")
        cls.sport = make_section("Sport", slug="sport")
        cls.author = make_author("Rita Mbeki")
        now = timezone.now()
        cls.body_match = cls.story(
            "Council meets on Tuesday",
            "<p>The harbour plan was discussed.</p>",
            cls.world,
            now - timedelta(hours=1),
        )
        cls.headline_match = cls.story(
            "Harbour plan approved",
            "<p>Councillors voted in favour.</p>",
            cls.world,
            now - timedelta(days=3),
        )
        cls.sport_story = cls.story(
            "Harbour regatta cancelled",
            "<p>Winds were too strong.</p>",
            cls.sport,
            now - timedelta(days=10),
        )
        cls.draft = workflow.create(
            {
                "headline": "Harbour secret draft",
                "body": "<p>Not yet.</p>",
                "section": cls.world.pk,
                "bylines": [],
            },
            by=cls.editor,
        )

    @classmethod
    def story(cls, headline, body, section, when):
        article = workflow.create(
            {
                "headline": headline,
                "standfirst": "",
                "body": body,
                "section": section.pk,
                "bylines": [{"author": cls.author.pk, "role": "writer"}],
                "tags": ["Ports"],
            },
            by=cls.editor,
        )
        workflow.publish(article, by=cls.editor)
        type(article).objects.filter(pk=article.pk).update(published_at=when, updated_at=when)
        return article

    def results(self, **params):
        response = self.client.get("/search/", params)
        self.assertEqual(response.status_code, 200)
        page = response.context["page"]
        return [story.headline for story in page.object_list] if page else []

    def test_finds_published_stories_only(self):
        found = self.results(q="harbour")
        self.assertEqual(len(found), 3)
        self.assertNotIn("Harbour secret draft", found)

    @unittest.skipUnless(ON_POSTGRES, "ranking is PostgreSQL full-text search")
    def test_headline_match_outranks_body_match(self):
        found = self.results(q="harbour plan")
        self.assertEqual(found[0], "Harbour plan approved")
        self.assertIn("Council meets on Tuesday", found)

    @unittest.skipUnless(ON_POSTGRES, "stemming and author names come from the search vector")
    def test_stems_and_author_names_match(self):
        self.assertIn("Harbour plan approved", self.results(q="approving"))
        self.assertEqual(len(self.results(q="Mbeki")), 3)

    def test_snippets_highlight_the_words_and_escape_the_rest(self):
        response = self.client.get("/search/", {"q": "harbour"})
        self.assertContains(response, "<mark>", count=None)
        self.assertNotContains(response, "<p>The")

    def test_filters_by_section_and_date(self):
        self.assertEqual(
            self.results(q="harbour", section=self.sport.pk), ["Harbour regatta cancelled"]
        )
        since = (timezone.localdate() - timedelta(days=5)).isoformat()
        found = self.results(q="harbour", date_from=since)
        self.assertNotIn("Harbour regatta cancelled", found)
        self.assertEqual(len(found), 2)

    def test_hostile_queries_never_fail(self):
        for q in [
            "",
            " ",
            '"harbour plan"',
            "harbour -plan",
            "harbour or regatta",
            "!!! & | ( ) :* <-> '",
            "x" * 10_000,
            "harbour " * 2000,
            "'; DROP TABLE articles_article; --",
            "<script>alert(1)</script>",
            "\x00harbour",
            "👀 ünïcödé",
        ]:
            with self.subTest(q=q[:30]):
                response = self.client.get("/search/", {"q": q})
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "<script>alert(1)</script>")

    def test_bad_filters_are_form_errors(self):
        for params in [
            {"q": "harbour", "date_from": "2026-13-45"},
            {"q": "harbour", "section": "not-a-number"},
            {"q": "harbour", "date_from": "2026-05-02", "date_to": "2026-05-01"},
            {"q": "harbour", "page": "abc"},
        ]:
            with self.subTest(params=params):
                response = self.client.get("/search/", params)
                self.assertIn(response.status_code, {200, 404})
                if response.status_code == 200:
                    self.assertTrue(response.context["form"].errors)
