"""The newsroom admin: writing a story, bylines in order, publishing rights, fast lists."""

import unittest
from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.admin import ArticleAdmin
from articles.models import Article
from tests.factories import make_archive, make_article, make_author, make_section, make_user


def article_form(section, authors=(), **fields):
    data = {
        "headline": "Storm closes the coast road",
        "standfirst": "Drivers are told to avoid the area.",
        "body": '<p>The road shut at noon.</p><script>alert(1)</script><p onclick="x()">More.</p>',
        "section": section.pk,
        "tags": "storms, roads",
        "slug": "",
        "seo_title": "",
        "seo_description": "",
        "hero_caption": "",
        "bylines-TOTAL_FORMS": len(authors),
        "bylines-INITIAL_FORMS": 0,
        "bylines-MIN_NUM_FORMS": 0,
        "bylines-MAX_NUM_FORMS": 1000,
        "picks-TOTAL_FORMS": 0,
        "picks-INITIAL_FORMS": 0,
        "picks-MIN_NUM_FORMS": 0,
        "picks-MAX_NUM_FORMS": 1000,
    }
    for i, (author, role, position) in enumerate(authors):
        data |= {
            f"bylines-{i}-author": author.pk,
            f"bylines-{i}-role": role,
            f"bylines-{i}-position": position,
        }
    return data | fields


class ArticleAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("News", slug="news")
        cls.ana = make_author("Ana Costa")
        cls.tom = make_author("Tom Reid")
        cls.editor = make_user("editor", role="Editor")
        cls.writer = make_user("writer", role="Writer")

    def test_writer_creates_a_story_with_ordered_bylines_tags_and_clean_body(self):
        self.client.force_login(self.writer)
        data = article_form(
            self.section, authors=[(self.tom, "photographer", 2), (self.ana, "reporter", 1)]
        )
        response = self.client.post("/admin/articles/article/add/", data)
        self.assertEqual(
            response.status_code,
            302,
            getattr(response, "context", None) and response.context["errors"],
        )
        article = Article.objects.get()
        self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)
        self.assertEqual(article.slug, "storm-closes-the-coast-road")
        self.assertEqual([b.author.name for b in article.bylines.all()], ["Ana Costa", "Tom Reid"])
        self.assertEqual(sorted(article.tags.names()), ["roads", "storms"])
        self.assertNotIn("script", article.body)
        self.assertNotIn("onclick", article.body)
        self.assertIn("<p>The road shut at noon.</p>", article.body)

    def test_an_added_byline_left_at_the_default_position_goes_last(self):
        # "Add another byline" gives the new row position 0, like the first: the save must not
        # fail over it ("duplicate data for position"); rows with the same number keep the
        # order they have on the form.
        self.client.force_login(self.writer)
        data = article_form(
            self.section, authors=[(self.ana, "reporter", 0), (self.tom, "photographer", 0)]
        )
        response = self.client.post("/admin/articles/article/add/", data)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        article = Article.objects.get()
        self.assertEqual(
            [(b.author.name, b.position) for b in article.bylines.order_by("position")],
            [("Ana Costa", 0), ("Tom Reid", 1)],
        )

    def test_a_byline_added_to_a_saved_story_at_the_default_position_goes_last(self):
        from tests.articles.test_editorial import form_data

        self.client.force_login(self.editor)
        article = make_article(published=False, section=self.section, authors=[self.ana])
        url = f"/admin/articles/article/{article.pk}/change/"
        data = form_data(self.client.get(url))
        data |= {
            "bylines-TOTAL_FORMS": 2,
            "bylines-1-author": self.tom.pk,
            "bylines-1-role": "photographer",
            "bylines-1-position": 0,
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        self.assertEqual(
            [b.author.name for b in article.bylines.order_by("position")], ["Ana Costa", "Tom Reid"]
        )

    def test_writer_cannot_publish_even_by_crafted_post(self):
        article = make_article(published=False, section=self.section, created_by=self.writer)
        self.client.force_login(self.writer)
        response = self.client.post(f"/admin/articles/article/{article.pk}/workflow/publish/")
        self.assertEqual(response.status_code, 403)
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)
        self.assertIsNone(article.published_at)
        # And the button is not offered.
        page = self.client.get(f"/admin/articles/article/{article.pk}/change/")
        self.assertNotContains(page, "Publish now")

    def test_writer_cannot_publish_with_the_bulk_action(self):
        article = make_article(published=False, section=self.section)
        self.client.force_login(self.writer)
        self.client.post(
            "/admin/articles/article/",
            {"action": "publish_selected", "_selected_action": [article.pk]},
        )
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)

    def test_editor_publishes_and_unpublishes(self):
        article = make_article(published=False, section=self.section)
        self.client.force_login(self.editor)
        self.assertContains(
            self.client.get(f"/admin/articles/article/{article.pk}/change/"), "Publish now"
        )
        response = self.client.post(
            f"/admin/articles/article/{article.pk}/workflow/publish/", follow=True
        )
        self.assertContains(response, "is now live")
        article.refresh_from_db()
        self.assertTrue(article.is_live)
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 200)
        self.client.post(f"/admin/articles/article/{article.pk}/workflow/unpublish/")
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.UNPUBLISHED)
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 410)

    def test_publishing_needs_post(self):
        article = make_article(published=False, section=self.section)
        self.client.force_login(self.editor)
        self.assertEqual(
            self.client.get(f"/admin/articles/article/{article.pk}/workflow/publish/").status_code,
            405,
        )
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)

    def test_publishing_an_empty_story_is_refused_with_a_message(self):
        article = make_article(published=False, section=self.section, body="")
        self.client.force_login(self.editor)
        response = self.client.post(
            f"/admin/articles/article/{article.pk}/workflow/publish/", follow=True
        )
        self.assertContains(response, "needs a headline and a body")
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)

    def test_invalid_form_changes_nothing(self):
        article = make_article(published=False, section=self.section, headline="Original")
        self.client.force_login(self.editor)
        data = article_form(self.section, headline="") | {"section": "999999"}
        response = self.client.post(f"/admin/articles/article/{article.pk}/change/", data)
        self.assertEqual(response.status_code, 200)
        article.refresh_from_db()
        self.assertEqual(article.headline, "Original")

    def test_search_and_filters(self):
        make_article(headline="Harbour reopens", section=self.section, authors=[self.ana])
        make_article(
            headline="Council budget", section=self.section, authors=[self.tom], published=False
        )
        self.client.force_login(self.editor)
        response = self.client.get("/admin/articles/article/", {"q": "harbour"})
        self.assertContains(response, "Harbour reopens")
        self.assertNotContains(response, "Council budget")
        response = self.client.get("/admin/articles/article/", {"state": "not_published"})
        self.assertContains(response, "Council budget")
        self.assertNotContains(response, "Harbour reopens")
        response = self.client.get("/admin/articles/article/", {"authors__id__exact": self.ana.pk})
        self.assertContains(response, "Harbour reopens")
        self.assertNotContains(response, "Council budget")

    def test_author_autocomplete_finds_authors(self):
        self.client.force_login(self.editor)
        response = self.client.get(
            "/admin/autocomplete/",
            {
                "term": "ana",
                "app_label": "articles",
                "model_name": "byline",
                "field_name": "author",
            },
        )
        admin = make_user("chief", superuser=True)
        self.client.force_login(admin)
        response = self.client.get(
            "/admin/autocomplete/",
            {
                "term": "ana",
                "app_label": "articles",
                "model_name": "byline",
                "field_name": "author",
            },
        )
        self.assertEqual([r["text"] for r in response.json()["results"]], ["Ana Costa"])


class ChangelistQueryBudgetTests(TestCase):
    def changelist_queries(self, size):
        sections = [make_section(f"Desk {i}") for i in range(3)]
        authors = [make_author(f"Writer {i}") for i in range(5)]
        make_archive(size, sections=sections, authors=authors, tags=["a", "b", "c", "d"])
        self.client.force_login(make_user(f"boss{size}", superuser=True))
        # session, user, two-factor check (is this person enrolled?), one count (no second
        # full-table count), rows, bylines, filter choices (sections, authors), date hierarchy
        # (a short list's own dates: one query; a long list: the table's range, then probes)
        with self.assertNumQueries(9):
            response = self.client.get("/admin/articles/article/")
        self.assertEqual(response.status_code, 200)

    def test_changelist_queries_are_flat_small(self):
        self.changelist_queries(10)

    def test_changelist_queries_are_flat_large(self):
        self.changelist_queries(120)


class AdminSearchInputTests(TestCase):
    def test_hostile_search_terms_are_not_errors(self):
        make_article(headline="Harbour reopens")
        self.client.force_login(make_user("chief", superuser=True))
        for url in ["/admin/articles/article/", "/admin/authors/author/", "/admin/articles/image/"]:
            for term in ["\x00", "harbour\x00", "x" * 10_000, "'; DROP TABLE x; --", "%_\\"]:
                with self.subTest(url=url, term=term[:10]):
                    self.assertEqual(self.client.get(url, {"q": term}).status_code, 200)


class AdminSearchTests(TestCase):
    """Editors find stories by any word of them, beginnings included; on PostgreSQL through
    the full-text index, never a scan of the whole table."""

    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("City")
        cls.ana = make_author("Ana Costa")
        cls.tom = make_author("Tom Reyes")
        cls.story = make_article(
            headline="Council budget approved",
            body="<p>The harbour dredging plan was cut.</p>",
            section=cls.section,
            authors=[cls.ana],
        )
        cls.other = make_article(headline="Ferry timetable", section=cls.section, authors=[cls.tom])
        cls.both = make_article(
            headline="Two bylines", section=cls.section, authors=[cls.ana, cls.tom]
        )

    def setUp(self):
        self.client.force_login(make_user("chief", superuser=True))

    def listed(self, **params):
        response = self.client.get("/admin/articles/article/", params)
        self.assertEqual(response.status_code, 200)
        return [row.headline for row in response.context["cl"].result_list]

    def test_search_by_headline_words_and_their_beginnings(self):
        self.assertEqual(self.listed(q="council"), ["Council budget approved"])
        self.assertEqual(self.listed(q="budg counc"), ["Council budget approved"])
        self.assertEqual(self.listed(q="ferry budget"), [])

    @unittest.skipUnless(connection.vendor == "postgresql", "full-text search")
    def test_search_finds_words_of_the_text_and_authors(self):
        self.assertEqual(self.listed(q="dredging"), ["Council budget approved"])
        self.assertEqual(sorted(self.listed(q="reyes")), ["Ferry timetable", "Two bylines"])
        for term in ["the", "%_\\", "x" * 10_000, "'; DROP TABLE x; --", "a & | ! :*"]:
            with self.subTest(term=term[:10]):
                self.listed(q=term)

    def test_author_filter_lists_each_story_once(self):
        self.assertEqual(
            sorted(self.listed(authors__id__exact=self.ana.pk)),
            ["Council budget approved", "Two bylines"],
        )
        self.assertEqual(self.listed(authors__id__exact="abc"), [])


LIST = "/admin/articles/article/"


@override_settings(NEWSROOM_SEARCH_RANK_LIMIT=2)
class AdminSearchCountTests(TestCase):
    """A search counts its matches up to the search limit (NEWSROOM_SEARCH_RANK_LIMIT), not
    all of them: past it, the newest are listed and the page says there are more."""

    @classmethod
    def setUpTestData(cls):
        section = make_section("Port")
        now = timezone.now()
        for hours, headline in [(1, "Harbour one"), (2, "Harbour two"), (3, "Harbour three")]:
            make_article(
                headline=headline, section=section, published_at=now - timedelta(hours=hours)
            )
        make_article(headline="Ferry", section=section)

    def setUp(self):
        self.client.force_login(make_user("chief", superuser=True))

    def test_more_matches_than_the_limit(self):
        listed = []
        with mock.patch.object(ArticleAdmin, "list_per_page", 1):
            for page in ["1", "2"]:
                with CaptureQueriesContext(connection) as ctx:
                    response = self.client.get(LIST, {"q": "harbour", "p": page})
                self.assertEqual(response.status_code, 200)
                listed += [a.headline for a in response.context["cl"].result_list]
                self.assertContains(
                    response, "More than 2 articles match: the newest 2 are listed."
                )
                self.assertContains(response, "More than 2 results")
                # One query finds the matches, stopping one past the limit.
                sqls = [q["sql"] for q in ctx.captured_queries]
                self.assertEqual(len([sql for sql in sqls if "LIMIT 3" in sql]), 1)
                self.assertFalse([sql for sql in sqls if "COUNT(" in sql and "@@" in sql])
            # Past the newest two: Django's answer to a page that does not exist.
            self.assertRedirects(
                self.client.get(LIST, {"q": "harbour", "p": "3"}),
                f"{LIST}?e=1",
                fetch_redirect_response=False,
            )
        self.assertEqual(listed, ["Harbour one", "Harbour two"])

    def test_fewer_matches_are_counted_exactly(self):
        with mock.patch.object(ArticleAdmin, "list_per_page", 1):
            response = self.client.get(LIST, {"q": "harbour three"})
        self.assertEqual(
            [a.headline for a in response.context["cl"].result_list], ["Harbour three"]
        )
        self.assertContains(response, "1 article\n")
        self.assertContains(response, "1 result")
        self.assertNotContains(response, "More than")

    @unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL's planner")
    def test_a_few_matches_are_found_once_on_the_index_then_listed_by_id(self):
        # PostgreSQL walked the whole table newest first for a word it has no statistics
        # for, for the count and again for the rows (9 s at a million stories).
        with (
            override_settings(NEWSROOM_SEARCH_RANK_LIMIT=5),
            mock.patch.object(ArticleAdmin, "list_per_page", 1),
            CaptureQueriesContext(connection) as ctx,
        ):
            response = self.client.get(LIST, {"q": "harbour", "p": "2"})
        self.assertEqual([a.headline for a in response.context["cl"].result_list], ["Harbour two"])
        self.assertContains(response, "3 articles")
        sqls = [q["sql"] for q in ctx.captured_queries]
        found = next(i for i, sql in enumerate(sqls) if "@@" in sql)
        self.assertIn("SET LOCAL enable_seqscan = off", sqls[found - 1])
        self.assertIn("RESET enable_seqscan", sqls[found + 1])
        rows = [sql for sql in sqls if 'ORDER BY "articles_article"."published_at" DESC' in sql]
        self.assertEqual(len(rows), 1)
        self.assertIn('"articles_article"."id" IN (', rows[0])  # The ids found.

    def test_filters_without_a_search_count_exactly(self):
        with mock.patch.object(ArticleAdmin, "list_per_page", 1):
            response = self.client.get(LIST, {"state": "live"})
        self.assertEqual(len(response.context["cl"].result_list), 1)
        self.assertContains(response, "4 articles")
        self.assertNotContains(response, "More than")
