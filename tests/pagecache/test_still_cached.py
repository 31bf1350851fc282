"""What editors are told about purges a cache tier has not confirmed: the desk lists the
stories (only those the user may open) with "Still cached at <tier> since <time> (retrying)", in
a flat number of queries however many are waiting."""

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from pagecache.models import PendingPurge
from tests.factories import make_article, make_section, make_user

VARNISH = "varnish:http://10.0.0.5:6081"


@override_settings(PURGE_VARNISH_URLS=["http://10.0.0.5:6081"])
class DeskTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.writer = make_user("writer", role="Writer")
        section = make_section("World")
        cls.theirs = make_article(headline="A colleague's takedown", section=section)
        cls.own = make_article(headline="The writer's own story", section=section,
                               created_by=cls.writer)  # fmt: skip

    def wait(self, *stories):
        for story in stories:
            PendingPurge.objects.create(tier=VARNISH, keys=f" article:{story.pk} front listings ")

    def desk(self, user):
        self.client.force_login(user)
        return self.client.get("/admin/").content.decode()

    def test_the_desk_names_each_story_and_tier_until_delivered(self):
        self.wait(self.theirs)
        content = self.desk(self.editor)
        self.assertIn("Not yet off every cache", content)
        start = content.index("Not yet off every cache")
        panel = content[start : content.index("</ul>", start)]
        self.assertIn("A colleague&#x27;s takedown", panel)
        self.assertIn("Still cached at Varnish at 10.0.0.5:6081 since", panel)
        self.assertIn("(retrying)", panel)
        self.assertIn("Other pages (front page, listings, feeds)", panel)
        PendingPurge.objects.all().delete()  # Delivered.
        self.assertNotIn("Not yet off every cache", self.desk(self.editor))

    def test_a_writer_sees_only_the_stories_they_may_open(self):
        self.wait(self.theirs, self.own)
        content = self.desk(self.writer)
        self.assertIn("The writer&#x27;s own story", content)
        self.assertNotIn("A colleague&#x27;s takedown", content)
        self.assertNotIn("Other pages", content)  # The site's pages: the editors' business.

    def test_the_story_page_says_so(self):
        self.wait(self.theirs)
        self.client.force_login(self.editor)
        page = self.client.get(f"/admin/articles/article/{self.theirs.pk}/change/")
        self.assertContains(page, "Not yet off every cache:")
        self.assertContains(page, "Still cached at Varnish at 10.0.0.5:6081 since")
        other = self.client.get(f"/admin/articles/article/{self.own.pk}/change/")
        self.assertNotContains(other, "Still cached at")

    def test_the_desks_queries_do_not_grow_with_the_purges_waiting(self):
        self.client.force_login(self.editor)
        self.wait(self.theirs)
        self.client.get("/admin/")
        with CaptureQueriesContext(connection) as one:
            self.client.get("/admin/")
        stories = [make_article(headline=f"Story {n}", section=self.theirs.section)
                   for n in range(6)]  # fmt: skip
        self.wait(*stories)
        with CaptureQueriesContext(connection) as seven:
            content = self.client.get("/admin/").content.decode()
        self.assertIn("Story 5", content)
        self.assertEqual(len(seven), len(one))
        outbox_queries = [q for q in seven if "pagecache_pendingpurge" in q["sql"]]
        self.assertEqual(len(outbox_queries), 1)
