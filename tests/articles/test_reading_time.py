"""'N min read' on the story page and on every story card: worked out at every save (and every
import, preview and existing story), shown wherever the story is."""

import json
import tempfile
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_author, make_section, make_user

CARD_TIME = '<span class="reading-time">{} min read</span>'


def words(count: int) -> str:
    return "<p>" + " ".join(f"word{i}" for i in range(count)) + "</p>"


class ReadingTimeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ana Lima")
        cls.long = make_article(
            headline="A long read", body=words(1000), section=cls.section,
            authors=[cls.author], tags=["floods"],
        )  # fmt: skip
        cls.short = make_article(
            headline="A brief", body=words(40), section=cls.section, authors=[cls.author],
            tags=["floods"], published_at=timezone.now() - timedelta(hours=2),
        )  # fmt: skip
        cls.editor = make_user("editor", role="Editor")

    def test_a_save_works_out_the_minutes_from_the_body(self):
        # 230 words a minute, rounded up; tags do not count as words.
        self.assertEqual(Article.objects.get(pk=self.long.pk).reading_time, 5)
        self.assertEqual(Article.objects.get(pk=self.short.pk).reading_time, 1)
        empty = make_article(body="<p></p>", section=self.section)
        self.assertEqual(empty.reading_time, 0)

    def test_story_page_says_how_long_it_takes(self):
        response = self.client.get(self.long.get_absolute_url())
        self.assertContains(response, CARD_TIME.format(5), html=True)

    def test_every_listing_card_says_how_long_it_takes(self):
        for url in ["/", "/section/world/", "/tag/floods/", self.author.get_absolute_url(),
                    "/search/?q=word1"]:  # fmt: skip
            response = self.client.get(url)
            with self.subTest(url=url):
                self.assertContains(response, CARD_TIME.format(5), html=True)
                self.assertContains(response, CARD_TIME.format(1), html=True)

    def test_related_story_cards_say_how_long_they_take(self):
        response = self.client.get(self.short.get_absolute_url())
        self.assertContains(response, "A long read")
        self.assertContains(response, CARD_TIME.format(5), html=True)

    def test_a_preview_shows_the_time_of_the_version_previewed(self):
        data = workflow.latest_data(self.long)
        data["body"] = words(2000)
        workflow.save(self.long, data, by=self.editor, base_revision=self.long.revision_number)
        self.client.force_login(self.editor)
        preview = self.client.get(f"/admin/articles/article/{self.long.pk}/preview/")
        self.assertContains(preview, CARD_TIME.format(9), html=True)
        # Readers still get the live version's.
        self.client.logout()
        self.assertContains(
            self.client.get(self.long.get_absolute_url()), CARD_TIME.format(5), html=True
        )

    def test_an_imported_story_gets_its_reading_time(self):
        lines = [
            {"kind": "section", "slug": "world", "name": "World"},
            {"kind": "article", "slug": "imported", "title": "Imported", "dek": "",
             "body_html": words(700), "section": "world", "authors": [], "tags": [],
             "published_at": "2026-01-01T10:00:00+00:00"},
        ]  # fmt: skip
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as handle:
            handle.write("\n".join(json.dumps(line) for line in lines) + "\n")
            handle.flush()
            call_command("import_articles", handle.name, verbosity=0)
        self.assertEqual(Article.objects.get(slug="imported").reading_time, 4)


class ReadingTimeMigrationTests(TransactionTestCase):
    """Stories that existed before the field get it from the migration's backfill."""

    def test_existing_stories_are_backfilled(self):
        executor = MigrationExecutor(connection)
        before, after = (
            [("articles", "0010_admin_headline_index")],
            [("articles", "0011_reading_time")],
        )
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        section = old.get_model("articles", "Section").objects.create(name="World", slug="world")
        story = old.get_model("articles", "Article").objects.create(
            headline="Old", slug="old", body=words(500), section=section
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        self.assertEqual(Article.objects.get(pk=story.pk).reading_time, 3)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
