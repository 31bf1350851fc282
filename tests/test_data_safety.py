"""No lost work through crashes: one transaction per editor action."""

from unittest import mock

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import TestCase

from articles import workflow
from articles.models import Article, AuditEntry, Byline, Revision
from tests.factories import make_author, make_section, make_user


class CrashMidSaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Lena Berg")
        cls.story = workflow.create(
            {"headline": "Original headline", "body": "<p>Original body.</p>", "section": cls.section.pk,
             "bylines": [{"author": cls.author.pk, "role": "writer"}], "tags": ["Ports"]},
            by=cls.editor,
        )  # fmt: skip

    def test_a_crash_inside_a_save_leaves_the_previous_revision_intact(self):
        before = (Revision.objects.count(), AuditEntry.objects.count())
        data = {
            "headline": "Half-saved headline",
            "body": "<p>New body.</p>",
            "section": self.section.pk,
            "bylines": [],
            "tags": ["Other"],
        }
        # The search vector is written after the row, bylines and tags: fail there.
        with (
            mock.patch(
                "articles.workflow.revisions.update_search_vector",
                side_effect=RuntimeError("power cut"),
            ),
            self.assertRaises(RuntimeError),
        ):
            workflow.save(self.story, data, by=self.editor, base_revision=1)
        story = Article.objects.get(pk=self.story.pk)
        self.assertEqual(story.headline, "Original headline")
        self.assertEqual(story.revision_number, 1)
        self.assertEqual([b.author_id for b in story.bylines.all()], [self.author.pk])
        self.assertEqual(sorted(story.tags.names()), ["Ports"])
        self.assertEqual((Revision.objects.count(), AuditEntry.objects.count()), before)

    def test_a_crash_in_the_admin_save_changes_nothing(self):
        self.client.force_login(self.editor)
        from tests.articles.test_admin import article_form

        data = article_form(self.section, headline="From the admin") | {"base_revision": 1}
        with (
            mock.patch(
                "articles.workflow.revisions.update_search_vector",
                side_effect=RuntimeError("disk full"),
            ),
            self.assertRaises(RuntimeError),
        ):
            self.client.post(f"/admin/articles/article/{self.story.pk}/change/", data)
        self.assertEqual(Article.objects.get(pk=self.story.pk).headline, "Original headline")


class DatabaseInvariantTests(TestCase):
    """The database itself refuses rows that break the story invariants, whatever code (a
    shell, an import, a future bug) tries to write them; and rows other rows need are kept."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.section = make_section("World", slug="world")
        cls.ana, cls.tom = make_author("Ana Costa"), make_author("Tom Reid")
        cls.story = workflow.create(
            {"headline": "Dam holds", "body": "<p>Text.</p>", "section": cls.section.pk,
             "bylines": [{"author": cls.ana.pk, "role": "writer"}]},
            by=cls.editor,
        )  # fmt: skip

    def refused(self, change):
        with self.assertRaises(IntegrityError), transaction.atomic():
            change()

    def test_two_bylines_cannot_share_a_place(self):
        self.refused(lambda: Byline.objects.create(article=self.story, author=self.tom, position=0))
        Byline.objects.create(article=self.story, author=self.tom, position=1)

    def test_the_live_version_is_a_written_revision(self):
        self.refused(
            lambda: Article.objects.filter(pk=self.story.pk).update(
                live_revision_number=self.story.revision_number + 1
            )
        )

    def test_a_visible_story_has_a_publication_time(self):
        self.refused(
            lambda: Article.objects.filter(pk=self.story.pk).update(
                status=Article.Status.PUBLISHED, published_at=None
            )
        )

    def test_one_revision_per_number_and_one_slug_per_story(self):
        self.refused(
            lambda: Revision.objects.create(
                article=self.story, number=self.story.revision_number, data={}
            )
        )
        other = workflow.create(
            {"headline": "Other", "body": "<p>x</p>", "section": self.section.pk}, by=self.editor
        )
        self.refused(lambda: Article.objects.filter(pk=other.pk).update(slug=self.story.slug))

    def test_sections_and_authors_in_use_cannot_be_deleted(self):
        with self.assertRaises(ProtectedError):
            self.section.delete()
        with self.assertRaises(ProtectedError):
            self.ana.delete()
        self.assertTrue(Article.objects.filter(pk=self.story.pk).exists())
