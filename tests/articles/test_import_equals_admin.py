"""The workflow's bulk entry point: an imported story is the story an editor saves and publishes
through the admin, row for row."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import TestCase
from django.utils import timezone
from taggit.models import Tag

import pagecache as page_cache
from articles import purging, workflow
from articles.models import Article, AuditEntry, Byline, RelatedLink, Revision
from articles.workflow import bulk
from tests.factories import make_article, make_author, make_image, make_section, make_user

from .test_editorial import ADMIN, form_data

PAST = datetime(2024, 5, 3, 9, 30, tzinfo=UTC)
# A whole minute: the admin takes times to the minute.
NOW = timezone.now().replace(second=0, microsecond=0)
# Differ by construction: the key, the address (unique), and when the rows were written.
NOT_COMPARED = {"id", "slug", "created_at", "modified_at"}


def vector_words(article: Article):
    """Each lexeme of the search vector with the weights of its occurrences: positions depend
    on the order the workflow happens to get tag names in."""
    found = {}
    for entry in (article.search_vector or "").split(" "):
        if entry:
            lexeme, _colon, positions = entry.rpartition(":")
            found[lexeme] = sorted(p.lstrip("0123456789") or "D" for p in positions.split(","))
    return found


def stored(article: Article) -> dict:
    """Everything the database holds of a story, but what may differ between two stories."""
    article = Article.objects.get(pk=article.pk)
    row = {
        f.attname: getattr(article, f.attname)
        for f in Article._meta.concrete_fields
        if f.attname not in NOT_COMPARED
    }
    row["search_vector"] = vector_words(article)
    revisions = []
    for revision in Revision.objects.filter(article=article).order_by("number"):
        data = dict(revision.data)
        data.pop("slug")
        revisions.append(
            (revision.number, data, revision.created_by_id, revision.substantive, revision.note)
        )
    return {
        "row": row,
        "bylines": list(
            Byline.objects.filter(article=article).values_list("author_id", "role", "position")
        ),
        "tags": sorted(article.tags.names()),
        "picks": list(
            RelatedLink.objects.filter(from_article=article).values_list(
                "to_article_id", "position"
            )
        ),
        "revisions": revisions,
        "snapshot is revision 1": Revision.objects.get(article=article, number=1).data
        == workflow.snapshot(article),
        "audit": list(
            AuditEntry.objects.filter(article=article)
            .order_by("pk")
            .values_list("action", "user_id", "revision_number", "note")
        ),
    }


class ImportedStoryEqualsAdminStoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", role="Editor")
        cls.writer = make_user("writer", role="Writer")
        cls.section = make_section("World", slug="world")
        cls.zoe = make_author("Zoe Novak", slug="zoe-novak")
        cls.adam = make_author("Adam Okafor", slug="adam-okafor")
        cls.picked = make_article(section=cls.section, headline="An earlier harbour story")
        cls.image = make_image()
        Tag.objects.create(name="Ferries", slug="ferries")

    def content(self, slug: str) -> dict:
        return {
            "headline": "  Harbour plan approved ",
            "slug": slug,
            "standfirst": "Councillors back the Zanzibarian ferry terminal.",
            "body": '<p>Work starts in May.</p><script>alert(1)</script><p onclick="x()">Ok</p>',
            "section": self.section.pk,
            "hero_image": self.image.pk,
            "hero_caption": "The harbour at dawn.",
            "seo_title": "Harbour plan approved by the council",
            "seo_description": "The ferry terminal goes ahead.",
            "is_lead": True,
            "bylines": [{"author": self.zoe.pk, "role": "reporter"}, {"author": self.adam.pk}],
            "tags": ["Harbour Plan", "Ferries"],
            "related": [self.picked.pk],
        }

    def through_the_admin(self, *, publish: bool, at=None) -> Article:
        article = workflow.create(self.content("harbour-plan-approved"), by=self.editor)
        if publish:
            workflow.publish(article, by=self.editor, at=at)
        return article

    def imported(self, *, publish: bool, at=None) -> Article:
        story = bulk.NewStory(self.content("harbour-plan-approved-2"), publish=publish, at=at)
        (created,) = workflow.create_many([story], by=self.editor)
        return Article.objects.get(pk=created.pk)

    def assert_same(self, *, publish: bool, at=None):
        admin = stored(self.through_the_admin(publish=publish, at=at))
        imported = stored(self.imported(publish=publish, at=at))
        self.assertTrue(admin["snapshot is revision 1"])
        for part in admin:
            with self.subTest(part=part):
                self.assertEqual(imported[part], admin[part])

    def test_a_published_story_equals_one_saved_and_published_through_the_admin(self):
        self.assert_same(publish=True, at=PAST)

    def test_a_scheduled_story_equals_one_scheduled_through_the_admin(self):
        self.assert_same(publish=True, at=timezone.now() + timedelta(days=3))

    def test_a_draft_equals_one_saved_through_the_admin(self):
        self.assert_same(publish=False)

    def test_the_rows_say_what_the_story_is(self):
        # The comparison above could pass with both sides wrong: pin what they hold.
        story = self.imported(publish=True, at=PAST)
        self.assertEqual(story.headline, "Harbour plan approved")
        self.assertNotIn("script", story.body)
        self.assertEqual(
            (story.seo_title, story.is_lead), ("Harbour plan approved by the council", True)
        )
        self.assertEqual(
            (story.status, story.stage), (Article.Status.PUBLISHED, Article.Stage.APPROVED)
        )
        self.assertEqual((story.revision_number, story.live_revision_number), (1, 1))
        self.assertEqual((story.published_at, story.updated_at), (PAST, PAST))
        self.assertEqual(story.created_by, self.editor)
        self.assertEqual(sorted(story.tags.names()), ["Ferries", "Harbour Plan"])
        self.assertEqual(list(story.related.all()), [self.picked])
        if connection.vendor == "postgresql":
            self.assertIn("'zanzibarian'", story.search_vector)

    def test_a_writer_may_not_publish_in_bulk_and_nothing_is_written(self):
        story = bulk.NewStory(self.content("by-a-writer"), publish=True, at=PAST)
        before = Article.objects.count()
        with self.assertRaises(PermissionDenied):
            workflow.create_many([story], by=self.writer)
        self.assertEqual(Article.objects.count(), before)

    def test_publishing_purges_the_listings_the_story_joins(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            purged = []
            original = page_cache.purge
            page_cache.purge = lambda *keys: purged.extend(keys)
            try:
                story = self.imported(publish=True, at=PAST)
            finally:
                page_cache.purge = original
        expected = {
            f"section:{self.section.pk}",
            f"author:{self.zoe.pk}",
            f"author:{self.adam.pk}",
            *(f"tag:{pk}" for pk in story.tagged.values_list("tag_id", flat=True)),
            *purging.SITE_WIDE,
        }
        self.assertEqual({key for key in purged if key}, expected)
        self.assertTrue(callbacks)  # The picked story works its links out again, after commit.


class ColumnsTests(TestCase):
    def test_every_article_column_is_written_by_the_bulk_entry_point(self):
        # A new field is imported with no change to the importer: the list is the model's.
        columns = bulk.article_columns()
        self.assertEqual(len(columns), len(set(columns)))
        self.assertEqual(
            {"id", *columns, "search_vector"},
            {f.attname for f in Article._meta.concrete_fields},
        )


class ImportedStoryEqualsAdminFormStoryTests(ImportedStoryEqualsAdminStoryTests):
    """The same comparison, with the admin story really driven: the add form posted as an
    editor's browser posts it (fields, byline and pick rows, tags), then the Publish button
    (with a time, to schedule). The clock stands still so both sides get the same times."""

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.client.force_login(self.editor)

    def through_the_admin(self, *, publish: bool, at=None) -> Article:
        content = self.content("harbour-plan-approved")
        page = self.client.get(f"{ADMIN}add/")
        self.assertEqual(page.status_code, 200)
        changes = {
            name: str(content[name]) for name in ("headline", "slug", "standfirst", "body",
                                                  "hero_caption", "seo_title", "seo_description")
        }  # fmt: skip
        changes |= {
            "section": str(self.section.pk),
            "hero_image": str(self.image.pk),
            "is_lead": "on",
            "tags": ", ".join(f'"{name}"' for name in content["tags"]),
            "bylines-TOTAL_FORMS": "2",
            "bylines-0-position": "0",
            "bylines-0-author": str(self.zoe.pk),
            "bylines-0-role": "reporter",
            "bylines-1-position": "1",
            "bylines-1-author": str(self.adam.pk),
            "bylines-1-role": "writer",
            "picks-TOTAL_FORMS": "1",
            "picks-0-position": "0",
            "picks-0-to_article": str(self.picked.pk),
        }
        response = self.client.post(f"{ADMIN}add/", form_data(page, **changes))
        self.assertEqual(response.status_code, 302, getattr(response, "context", None) and
                         response.context["adminform"].form.errors)  # fmt: skip
        article = Article.objects.get(slug="harbour-plan-approved")
        if publish:
            when = (
                {}
                if at is None
                else {"publish_at": timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")}
            )
            response = self.client.post(f"{ADMIN}{article.pk}/workflow/publish/", when)
            self.assertEqual(response.status_code, 302)
        return article

    def test_a_published_story_equals_one_saved_and_published_through_the_admin(self):
        # The admin's Publish button publishes now (a past time is refused there).
        self.assert_same(publish=True, at=None)

    def test_a_scheduled_story_equals_one_scheduled_through_the_admin(self):
        self.assert_same(publish=True, at=NOW + timedelta(days=3))
