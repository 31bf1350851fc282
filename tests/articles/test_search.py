"""Reader search: ranking on PostgreSQL, a plain fallback on SQLite, never a 500."""

import unittest
from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.utils import timezone

from articles import workflow
from tests.factories import make_article, make_author, make_section, make_user

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

    def test_headlines_highlight_the_words_too(self):
        response = self.client.get("/search/", {"q": "harbour"})
        self.assertContains(response, "><mark>Harbour</mark> plan approved</a></h2>")
        self.assertContains(response, "><mark>Harbour</mark> regatta cancelled</a></h2>")
        # A headline without the word is shown as it is.
        self.assertContains(response, ">Council meets on Tuesday</a></h2>")

    @unittest.skipUnless(ON_POSTGRES, "stemming is PostgreSQL full-text search's")
    def test_headlines_highlight_stemmed_matches(self):
        response = self.client.get("/search/", {"q": "approving"})
        self.assertContains(response, ">Harbour plan <mark>approved</mark></a></h2>")

    def test_a_highlighted_headline_is_escaped_before_it_is_marked(self):
        hostile = self.story(
            '<img src=x onerror=alert(1)> Harbour & "tides" <mark>rise</mark>',
            "<p>Nothing else.</p>",
            self.world,
            timezone.now() - timedelta(hours=2),
        )
        response = self.client.get("/search/", {"q": "harbour"})
        self.assertContains(
            response,
            f'<a href="{hostile.get_absolute_url()}">&lt;img src=x onerror=alert(1)&gt; '
            "<mark>Harbour</mark> &amp; &quot;tides&quot; &lt;mark&gt;rise&lt;/mark&gt;</a>",
        )
        self.assertNotContains(response, "<img src=x")

    def test_result_pages_link_on_with_the_search_and_nothing_else(self):
        with self.settings(NEWSROOM_PAGE_SIZE=1):
            response = self.client.get(
                "/search/", {"q": "harbour", "section": "", "utm_source": "mail", "page": "2"}
            )
        self.assertContains(response, '<a rel="next" href="?q=harbour&amp;page=3">Older')
        self.assertContains(response, '<a rel="prev" href="?q=harbour&amp;page=1">')
        self.assertNotContains(response, "utm_source")
        with self.settings(NEWSROOM_PAGE_SIZE=1):
            response = self.client.get("/search/", {"q": "harbour", "section": self.world.pk})
        self.assertContains(
            response, f'<a rel="next" href="?q=harbour&amp;section={self.world.pk}&amp;page=2">'
        )

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
                    # The error is on the page, next to its field, and the words stay.
                    html = response.content.decode()
                    self.assertIn('class="field-error" id="id_', html)
                    self.assertIn('value="harbour"', html)


class PhraseAndBroadSearchTests(TestCase):
    """What a reader gets for quoted phrases and very broad words, whatever the plan."""

    @classmethod
    def setUpTestData(cls):
        editor = make_user("editor", role="Editor")
        section = make_section("World", slug="world")
        now = timezone.now()
        cls.stories = {}
        for age, headline, body in [
            (1, "Council meets on Tuesday", "<p>The harbour plan was discussed.</p>"),
            (2, "Plan for a new harbour", "<p>Money for the plan, and for the harbour.</p>"),
            (3, "Harbour plan approved", "<p>Councillors voted in favour.</p>"),
            (4, "Prices keep rising", "<p>Shoppers saw the rise of the prices again.</p>"),
            (5, "A well-known fact", "<p>Harbour tides turn twice a day.</p>"),
        ]:
            article = workflow.create(
                {"headline": headline, "body": body, "section": section.pk, "bylines": []},
                by=editor,
            )
            workflow.publish(article, by=editor)
            when = now - timedelta(hours=age)
            type(article).objects.filter(pk=article.pk).update(published_at=when)
            cls.stories[headline] = article

    def results(self, q):
        response = self.client.get("/search/", {"q": q})
        self.assertEqual(response.status_code, 200)
        return response, [story.headline for story in response.context["page"].object_list]

    def test_a_phrase_finds_its_words_in_order_only(self):
        _, found = self.results('"harbour plan"')
        if ON_POSTGRES:  # Ranked: the headline match first.
            self.assertEqual(found, ["Harbour plan approved", "Council meets on Tuesday"])
        else:  # Newest first.
            self.assertEqual(found, ["Council meets on Tuesday", "Harbour plan approved"])

    def test_a_quoted_search_is_quoted_back_once(self):
        response, _ = self.results('"harbour plan"')
        self.assertContains(response, "2 results for “harbour plan”")
        self.assertContains(response, "<title>“harbour plan”: search |")
        response, _ = self.results('"harbour plan" councillors')
        self.assertContains(response, "1 result for “&quot;harbour plan&quot; councillors”")

    def test_a_phrase_with_other_words(self):
        _, found = self.results('"harbour plan" councillors')
        self.assertEqual(found, ["Harbour plan approved"])

    @unittest.skipUnless(ON_POSTGRES, "stop words and compounds are PostgreSQL's parser's")
    def test_phrases_with_stop_words_and_compounds_still_match(self):
        self.assertEqual(self.results('"rise of the prices"')[1], ["Prices keep rising"])
        self.assertEqual(self.results('"well-known fact"')[1], ["A well-known fact"])
        self.assertCountEqual(
            self.results('"harbour plan" or "known fact"')[1],
            ["Harbour plan approved", "Council meets on Tuesday", "A well-known fact"],
        )
        self.assertEqual(
            self.results('"harbour plan" -councillors')[1], ["Council meets on Tuesday"]
        )

    @unittest.skipUnless(ON_POSTGRES, "only ranked search bounds the matches it ranks")
    def test_a_broad_search_ranks_the_newest_matches_and_says_so(self):
        with self.settings(NEWSROOM_SEARCH_RANK_LIMIT=3):
            response, found = self.results("harbour")
        # The four stories holding "harbour": the newest three are ranked, headlines first.
        self.assertEqual(
            found, ["Plan for a new harbour", "Harbour plan approved", "Council meets on Tuesday"]
        )
        self.assertContains(response, "3 or more results for")
        self.assertContains(response, "Choose a section or dates to reach older stories")
        response, found = self.results("harbour")
        self.assertEqual(len(found), 4)
        self.assertContains(response, "4 results for")
        self.assertNotContains(response, "or more results")


class NoResultsTests(TestCase):
    def test_a_search_with_no_match_says_so(self):
        make_article(headline="Harbour reopens")
        response = self.client.get("/search/", {"q": "zxqvbnmplk"})
        self.assertContains(response, "Nothing matched")
        self.assertContains(response, "0 results for")
        self.assertNotContains(response, "Type a word or two")
        self.assertContains(self.client.get("/search/", {"q": ""}), "Type a word or two")
