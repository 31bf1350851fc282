"""Reader pages run queries compiled once per process and, on PostgreSQL, prepared once per
database connection (newsroom/prepared.py). Each request must still get its own values (the
story asked for, the clock now), a new or reset connection must not break a page, and the
switch for poolers must turn preparing off."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.reading import story_page
from tests.factories import make_article, make_author, make_section

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


class CompiledQueryTests(TestCase):
    def setUp(self):
        self.section = make_section("World")
        self.first = make_article(
            headline="First story", section=self.section, authors=[make_author("Ann Lee")]
        )
        self.second = make_article(
            headline="Second story", section=self.section, authors=[make_author("Bo Kim")]
        )

    def page(self, story):
        return self.client.get(story.get_absolute_url())

    def test_each_request_gets_its_own_story(self):
        for story, byline, other in [
            (self.first, "Ann Lee", "Bo Kim"),
            (self.second, "Bo Kim", "Ann Lee"),
            (self.first, "Ann Lee", "Bo Kim"),
        ]:
            response = self.page(story)
            self.assertContains(response, f'<h1 class="story__headline">{story.headline}</h1>')
            self.assertContains(response, byline)
            self.assertNotContains(response, f'rel="author">{other}<')

    def test_the_clock_is_read_at_each_request(self):
        now = timezone.now()
        later = make_article(headline="Embargoed story", section=self.section)
        Article.objects.filter(pk=later.pk).update(
            status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=1)
        )
        later.refresh_from_db()
        self.assertEqual(self.page(self.first).status_code, 200)  # Compiled before the embargo.
        self.assertEqual(self.page(later).status_code, 404)
        with time_machine.travel(now + timedelta(hours=2), tick=False):
            self.assertContains(self.page(later), "Embargoed story")
            self.assertContains(self.client.get("/"), "Embargoed story")

    @on_postgresql
    def test_pages_run_prepared_statements_and_the_switch_turns_them_off(self):
        self.page(self.first)
        self.page(self.second)  # Its links are worked out (and kept) on its first view.
        with CaptureQueriesContext(connection) as queries:
            self.page(self.second)
        self.assertEqual(
            [q["sql"].split("(")[0] for q in queries.captured_queries],
            [f"EXECUTE {story_page.QUERY.statement}"],
        )
        with (
            override_settings(DATABASE_PREPARED_STATEMENTS=False),
            CaptureQueriesContext(connection) as queries,
        ):
            response = self.page(self.first)
        self.assertContains(response, "First story")
        self.assertEqual(len(queries.captured_queries), 1)
        self.assertTrue(queries.captured_queries[0]["sql"].startswith("SELECT"))


class ConnectionTests(TransactionTestCase):
    """Outside a transaction, as a reader's request runs."""

    def test_a_new_connection_prepares_again(self):
        story = make_article(headline="Second story", section=make_section("World"))
        self.assertEqual(self.client.get(story.get_absolute_url()).status_code, 200)
        connection.close()
        self.assertContains(self.client.get(story.get_absolute_url()), "Second story")

    @on_postgresql
    def test_statements_lost_by_a_pooler_reset_are_prepared_again(self):
        story = make_article(headline="Still here", section=make_section("Local"))
        self.assertEqual(self.client.get(story.get_absolute_url()).status_code, 200)
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # What PgBouncer's DISCARD ALL does to them.
        self.assertContains(self.client.get(story.get_absolute_url()), "Still here")
