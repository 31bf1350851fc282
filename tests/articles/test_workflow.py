"""Publishing and scheduling go through articles.workflow, with permission checked there."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import TestCase, override_settings

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_section, make_user


@override_settings(TIME_ZONE="Europe/London")
class SchedulingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.writer = make_user("writer", role="Writer")
        cls.section = make_section("Local", slug="local")

    def setUp(self):
        self.story = make_article(headline="Road reopens", section=self.section, published=False)

    def test_writer_cannot_publish_or_schedule(self):
        with pytest.raises(PermissionDenied):
            workflow.publish(self.story, by=self.writer)
        with pytest.raises(PermissionDenied):
            workflow.publish(self.story, by=self.writer, at=datetime(2030, 1, 1, tzinfo=UTC))
        self.story.refresh_from_db()
        self.assertEqual(self.story.status, Article.Status.NOT_PUBLISHED)

    @time_machine.travel(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), tick=False)
    def test_scheduled_story_appears_at_its_time_across_the_clock_change(self):
        # 01:30 on 29 March 2026 London time does not exist (clocks go 01:00 GMT -> 02:00 BST);
        # schedule for 02:30 BST = 01:30 UTC.
        self.client.force_login(self.editor)
        response = self.client.post(
            f"/admin/articles/article/{self.story.pk}/workflow/publish/",
            {"publish_at": "2026-03-29T02:30"},
            follow=True,
        )
        self.assertContains(response, "scheduled for 29 Mar 2026, 02:30 BST")
        self.story.refresh_from_db()
        self.assertEqual(self.story.status, Article.Status.SCHEDULED)
        self.assertEqual(self.story.published_at, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
        self.client.logout()
        self.assertNotContains(self.client.get("/"), "Road reopens")
        with time_machine.travel(datetime(2026, 3, 29, 1, 30, 1, tzinfo=UTC), tick=False):
            self.assertContains(self.client.get("/"), "Road reopens")
            self.assertEqual(self.client.get(self.story.get_absolute_url()).status_code, 200)

    def test_bad_schedule_time_is_a_message_not_a_500(self):
        self.client.force_login(self.editor)
        response = self.client.post(
            f"/admin/articles/article/{self.story.pk}/workflow/publish/",
            {"publish_at": "31/02/2026"},
            follow=True,
        )
        self.assertContains(response, "is not a date and time")
        self.story.refresh_from_db()
        self.assertEqual(self.story.status, Article.Status.NOT_PUBLISHED)

    def test_publish_due_marks_each_due_story_once(self):
        soon = datetime.now(UTC) + timedelta(minutes=5)
        workflow.publish(self.story, by=self.editor, at=soon)
        later = make_article(section=self.section, published=False)
        workflow.publish(later, by=self.editor, at=soon + timedelta(days=1))
        self.assertEqual(workflow.publish_due(), [])
        with time_machine.travel(soon + timedelta(seconds=1)):
            self.assertEqual(workflow.publish_due(), [self.story.pk])
            self.assertEqual(workflow.publish_due(), [])
            call_command("publish_due", stdout=io.StringIO())
        self.story.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(self.story.status, Article.Status.PUBLISHED)
        self.assertEqual(later.status, Article.Status.SCHEDULED)

    def test_unpublish_cancels_a_schedule(self):
        workflow.publish(self.story, by=self.editor, at=datetime.now(UTC) + timedelta(hours=1))
        workflow.unpublish(self.story, by=self.editor)
        self.story.refresh_from_db()
        self.assertEqual(self.story.status, Article.Status.NOT_PUBLISHED)
        with pytest.raises(workflow.WorkflowError):
            workflow.unpublish(self.story, by=self.editor)
