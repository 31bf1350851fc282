"""The editor's desk on the admin index."""

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_section, make_user


class DashboardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.writer = make_user("writer", role="Writer")
        section = make_section("World", slug="world")
        now = timezone.now()
        cls.mine = make_article(
            headline="My unfinished draft", section=section, published=False, created_by=cls.writer
        )
        cls.review = make_article(
            headline="Needs a second pair of eyes",
            section=section,
            published=False,
            stage=Article.Stage.IN_REVIEW,
        )
        cls.soon = make_article(headline="Goes up tonight", section=section, published=False)
        Article.objects.filter(pk=cls.soon.pk).update(
            status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=3)
        )
        cls.late = make_article(headline="Should be up already", section=section, published=False)
        Article.objects.filter(pk=cls.late.pk).update(
            status=Article.Status.SCHEDULED, published_at=now - timedelta(minutes=30)
        )
        cls.live = make_article(headline="Out this morning", section=section)
        workflow.correct(cls.live, by=cls.editor, kind="correction", text="A date was wrong.")

    def panel(self, content, title):
        start = content.index(title)
        return content[start : content.index("</ul>", start)]

    def test_desk_shows_what_needs_doing(self):
        self.client.force_login(self.writer)
        content = self.client.get("/admin/").content.decode()
        self.assertIn("My unfinished draft", self.panel(content, "My drafts"))
        # The rest is the desk's work: an editor's (see test_workflow_visibility for others).
        self.client.force_login(self.editor)
        content = self.client.get("/admin/").content.decode()
        self.assertIn("Needs a second pair of eyes", self.panel(content, "Awaiting review"))
        self.assertIn("Goes up tonight", self.panel(content, "Scheduled in the next 24 hours"))
        self.assertNotIn(
            "Should be up already", self.panel(content, "Scheduled in the next 24 hours")
        )
        self.assertIn("Should be up already", self.panel(content, "Overdue"))
        self.assertIn("Out this morning", self.panel(content, "Recently published"))
        self.assertIn("Out this morning", self.panel(content, "Recent corrections"))

    def test_overdue_story_is_flagged_on_its_page_and_in_the_list(self):
        self.client.force_login(self.editor)
        self.assertContains(
            self.client.get(f"/admin/articles/article/{self.late.pk}/change/"), "overdue"
        )
        response = self.client.get("/admin/articles/article/", {"state": "overdue"})
        self.assertContains(response, "Should be up already")
        self.assertNotContains(response, "Goes up tonight")
        workflow.publish_due()
        response = self.client.get("/admin/articles/article/", {"state": "overdue"})
        self.assertNotContains(response, "Should be up already")
