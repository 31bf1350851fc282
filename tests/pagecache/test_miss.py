"""A page-cache miss costs the page's own work and little more: no SQL of its own."""

from datetime import timedelta

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import workflow
from tests.factories import make_article, make_author, make_section, make_user


@override_settings(NEWSROOM_PAGE_CACHE=True)
class MissTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ines Duarte")
        cls.story = make_article(headline="Old story", section=cls.section, authors=[cls.author])
        cls.draft = workflow.create(
            {
                "headline": "Breaking: dam holds",
                "body": "<p>The dam held overnight.</p>",
                "section": cls.section.pk,
                "bylines": [{"author": cls.author.pk, "role": "reporter"}],
            },
            by=cls.editor,
        )

    def own_queries(self, url):
        """The queries the page runs with the page cache off (after a first view)."""
        with self.settings(NEWSROOM_PAGE_CACHE=False):
            self.client.get(url)
            with CaptureQueriesContext(connection) as queries:
                self.client.get(url)
        return len(queries)

    def test_a_miss_runs_no_sql_beyond_the_pages_own(self):
        for url in [self.story.get_absolute_url(), "/", "/section/world/"]:
            with self.subTest(url=url):
                own = self.own_queries(url)
                self.client.get(url + "?n=first")  # The next scheduled change, asked once.
                with self.assertNumQueries(own):
                    response = self.client.get(url + "?n=second")
                self.assertEqual(response["X-Cache"], "miss")

    def test_scheduling_a_story_is_seen_by_pages_stored_after_it(self):
        # The next scheduled change is remembered per process: a schedule made after it was
        # remembered must still end the pages stored from then on at the story's time.
        self.client.get("/?n=before")
        self.client.get("/?n=before")
        soon = timezone.now() + timedelta(seconds=30)
        with self.captureOnCommitCallbacks(execute=True):
            workflow.publish(self.draft, by=self.editor, at=soon)
        for _ in range(2):
            self.client.get("/")
        self.assertEqual(self.client.get("/")["X-Cache"], "hit")
        import time_machine

        with time_machine.travel(soon + timedelta(seconds=1)):
            response = self.client.get("/")
        self.assertEqual(response["X-Cache"], "miss")
        self.assertContains(response, "Breaking: dam holds")
