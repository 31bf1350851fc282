"""manage.py import_articles: JSON Lines in, stories exactly as the workflow leaves them."""

import io
import json
import os
import tempfile
import unittest
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from articles import search, workflow
from articles.models import Article, AuditEntry, Byline, Revision, Section, TaggedArticle
from authors.models import Author
from tests.factories import make_article, make_section

ON_POSTGRES = connection.vendor == "postgresql"
PAST = datetime(2024, 5, 3, 9, 30, tzinfo=UTC)


def section(slug="world", name="World"):
    return {"kind": "section", "slug": slug, "name": name}


def author(slug, name, title="Reporter", bio=""):
    return {"kind": "author", "slug": slug, "name": name, "title": title, "bio": bio}


def tag(slug, name):
    return {"kind": "tag", "slug": slug, "name": name}


def article(slug, title, **fields):
    return {
        "kind": "article",
        "slug": slug,
        "title": title,
        "dek": fields.pop("dek", f"What happened: {title.lower()}."),
        "body_html": fields.pop("body_html", f"<p>The full story of {title.lower()}.</p>"),
        "section": fields.pop("section", "world"),
        "authors": fields.pop("authors", []),
        "tags": fields.pop("tags", []),
        "published_at": fields.pop("published_at", PAST.isoformat()),
        **fields,
    }


def corpus():
    """A small file in the benchmark corpus's format: definitions first, then stories."""
    return [
        section("world", "World"),
        section("science", "Science"),
        author("zoe-novak-0", "Zoe Novak", "Senior Correspondent", "Zoe Novak covers Europe. "),
        author("adam-okafor-1", "Adam Okafor", "Staff Writer", "Adam writes on science."),
        tag("harbour-plan-0", "Harbour Plan"),
        tag("ferries-1", "Ferries"),
        article(
            "harbour-plan-approved-0",
            "Harbour plan approved",
            dek="Councillors back the Zanzibarian ferry terminal.",
            body_html='<p>Work starts in May.</p><script>alert(1)</script><p onclick="x()">Ok.</p>',
            authors=["zoe-novak-0", "adam-okafor-1"],
            tags=["harbour-plan-0", "ferries-1"],
        ),
        article(
            "comet-seen-over-the-bay-1",
            "Comet seen over the bay",
            section="science",
            authors=["adam-okafor-1"],
            tags=["harbour-plan-0"],
            published_at=(PAST + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        ),
        article(
            "budget-day-next-year-2",
            "Budget day next year",
            authors=["zoe-novak-0"],
            published_at=(timezone.now() + timedelta(days=30)).isoformat(),
        ),
    ]


def lines(objs) -> str:
    return "".join(json.dumps(obj) + "\n" for obj in objs)


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Section, Author, Tag, Article, Byline, TaggedArticle, Revision, AuditEntry)
    }


class ImportTestCase(TestCase):
    def write(self, text: str) -> str:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".jsonl", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(text)
        self.addCleanup(os.unlink, handle.name)
        return handle.name

    def run_import(self, objs_or_text, **options):
        text = objs_or_text if isinstance(objs_or_text, str) else lines(objs_or_text)
        path = self.write(text)
        out, err = io.StringIO(), io.StringIO()
        call_command("import_articles", path, stdout=out, stderr=err, **options)
        return path, out.getvalue(), err.getvalue()


class ImportArticlesTests(ImportTestCase):
    def setUp(self):
        self.path, self.out, self.err = self.run_import(corpus())

    def story(self, slug) -> Article:
        return Article.objects.get(slug=slug)

    def test_sections_authors_tags_and_stories_are_created_from_the_file(self):
        self.assertEqual(
            sorted(Section.objects.values_list("slug", "name")),
            [("science", "Science"), ("world", "World")],
        )
        zoe = Author.objects.get(slug="zoe-novak-0")
        self.assertEqual((zoe.name, zoe.job_title), ("Zoe Novak", "Senior Correspondent"))
        self.assertEqual(zoe.bio, "Zoe Novak covers Europe.")
        self.assertEqual(
            sorted(Tag.objects.values_list("slug", "name")),
            [("ferries-1", "Ferries"), ("harbour-plan-0", "Harbour Plan")],
        )
        story = self.story("harbour-plan-approved-0")
        self.assertEqual(story.headline, "Harbour plan approved")
        self.assertEqual(story.standfirst, "Councillors back the Zanzibarian ferry terminal.")
        self.assertEqual(story.section.slug, "world")
        self.assertEqual(story.published_at, PAST)
        self.assertEqual(story.updated_at, PAST)
        self.assertIsNone(story.created_by)

    def test_bodies_are_sanitised_like_every_save(self):
        body = self.story("harbour-plan-approved-0").body
        self.assertIn("<p>Work starts in May.</p>", body)
        self.assertNotIn("script", body)
        self.assertNotIn("onclick", body)

    def test_past_stories_are_published_and_future_ones_scheduled(self):
        published = self.story("harbour-plan-approved-0")
        scheduled = self.story("budget-day-next-year-2")
        self.assertEqual(published.status, Article.Status.PUBLISHED)
        self.assertEqual(scheduled.status, Article.Status.SCHEDULED)
        for story in (published, scheduled):
            self.assertEqual(story.stage, Article.Stage.APPROVED)
            self.assertEqual((story.revision_number, story.live_revision_number), (1, 1))
        self.assertTrue(published.is_live)
        self.assertFalse(scheduled.is_live)
        self.assertIn("new stories: 2 published, 1 scheduled", self.out)

    def test_bylines_keep_the_order_of_the_file(self):
        bylines = Byline.objects.filter(article=self.story("harbour-plan-approved-0"))
        self.assertEqual(
            list(bylines.values_list("author__slug", "position", "role")),
            [("zoe-novak-0", 0, "writer"), ("adam-okafor-1", 1, "writer")],
        )

    def test_tags_are_linked_to_their_stories(self):
        self.assertEqual(
            sorted(self.story("harbour-plan-approved-0").tags.names()), ["Ferries", "Harbour Plan"]
        )
        self.assertEqual(
            list(self.story("comet-seen-over-the-bay-1").tags.names()), ["Harbour Plan"]
        )
        self.assertEqual(list(self.story("budget-day-next-year-2").tags.names()), [])

    def test_each_story_has_revision_one_holding_the_workflow_snapshot(self):
        for story in Article.objects.all():
            with self.subTest(story=story.slug):
                revision = Revision.objects.get(article=story)
                self.assertEqual(revision.number, 1)
                self.assertIsNone(revision.created_by)
                self.assertEqual(revision.data, workflow.snapshot(story))

    def test_each_story_has_the_audit_entries_of_create_and_publish_naming_the_file(self):
        # As workflow.create + workflow.publish write them (the bulk entry point's rule).
        entries = AuditEntry.objects.filter(article__slug="harbour-plan-approved-0").order_by("pk")
        self.assertEqual(
            list(entries.values_list("action", "note", "revision_number", "user")),
            [
                ("create", f"Imported from {self.path}", 1, None),
                ("publish", f"Imported from {self.path}", 1, None),
            ],
        )
        scheduled = AuditEntry.objects.filter(article__slug="budget-day-next-year-2")
        self.assertEqual(
            list(scheduled.order_by("pk").values_list("action", flat=True)),
            ["create", "schedule"],
        )
        self.assertEqual(AuditEntry.objects.count(), 6)

    def test_imported_stories_render_on_every_reader_page(self):
        story = self.story("harbour-plan-approved-0")
        page = self.client.get(story.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Harbour plan approved")
        self.assertContains(page, "Work starts in May.")
        content = page.content.decode()
        self.assertLess(content.index("Zoe Novak"), content.index("Adam Okafor"))
        for url in [
            "/",
            "/section/world/",
            "/tag/harbour-plan-0/",
            "/author/zoe-novak-0/",
            "/feed/",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Harbour plan approved")
        self.assertContains(self.client.get("/section/science/"), "Comet seen over the bay")

    def test_scheduled_stories_stay_hidden_until_their_time(self):
        story = self.story("budget-day-next-year-2")
        self.assertEqual(self.client.get(story.get_absolute_url()).status_code, 404)
        self.assertNotContains(self.client.get("/"), "Budget day next year")

    def test_search_finds_imported_stories(self):
        response = self.client.get("/search/", {"q": "Zanzibarian"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Harbour plan approved")
        self.assertNotContains(response, "Comet seen over the bay")

    @unittest.skipUnless(ON_POSTGRES, "search vectors exist on PostgreSQL only")
    def test_search_vectors_are_the_ones_the_workflow_computes(self):
        def words(pk):
            """Each lexeme with the weights of its occurrences (positions depend on the order
            update_search_vector happens to get tag names in)."""
            vector = Article.objects.values_list("search_vector", flat=True).get(pk=pk)
            found = {}
            for entry in vector.split(" "):
                lexeme, _colon, positions = entry.rpartition(":")
                found[lexeme] = sorted(p.lstrip("0123456789") or "D" for p in positions.split(","))
            return found

        harbour = words(self.story("harbour-plan-approved-0").pk)
        self.assertIn("A", harbour["'harbour'"])  # headline
        self.assertEqual(harbour["'zanzibarian'"], ["B"])  # standfirst
        self.assertEqual(harbour["'ferri'"], ["B", "B"])  # the tag, and "ferry" in the standfirst
        self.assertEqual(harbour["'okafor'"], ["B"])  # an author
        self.assertEqual(harbour["'may'"], ["C"])  # body
        for story in Article.objects.all():
            with self.subTest(story=story.slug):
                imported = words(story.pk)
                search.update_search_vector(story)
                self.assertEqual(imported, words(story.pk))

    @unittest.skipUnless(ON_POSTGRES, "search vectors exist on PostgreSQL only")
    def test_vectors_are_made_on_the_main_connection_when_no_second_one_can_be_opened(self):
        objs = [section("extra", "Extra"), article("lone-story", "Lone Zanzibarian story")]
        objs[1]["section"] = "extra"
        with mock.patch.object(
            connection, "get_new_connection", side_effect=OSError("too many connections")
        ):
            self.run_import(objs)
        vector = Article.objects.values_list("search_vector", flat=True).get(slug="lone-story")
        self.assertIn("'zanzibarian':2A,7B,14C", vector)

    @unittest.skipUnless(ON_POSTGRES, "author names and tags are found through the vector")
    def test_search_finds_stories_by_author_and_tag(self):
        self.assertContains(self.client.get("/search/", {"q": "Okafor"}), "Comet seen over the bay")
        self.assertContains(self.client.get("/search/", {"q": "ferries"}), "Harbour plan approved")

    def test_summary_counts_what_was_created(self):
        self.assertIn(f"Imported {self.path} in", self.out)
        self.assertIn("articles/s", self.out)
        self.assertRegex(self.out, r"sections\s+2 created,\s+0 skipped")
        self.assertRegex(self.out, r"authors\s+2 created,\s+0 skipped")
        self.assertRegex(self.out, r"tags\s+2 created,\s+0 skipped")
        self.assertRegex(self.out, r"articles\s+3 created,\s+0 skipped")

    def test_running_twice_adds_nothing(self):
        before = counts()
        _path, out, _err = self.run_import(corpus())
        self.assertEqual(counts(), before)
        self.assertRegex(out, r"sections\s+0 created,\s+2 skipped")
        self.assertRegex(out, r"articles\s+0 created,\s+3 skipped")


class ExistingRowsTests(ImportTestCase):
    def test_rows_already_there_are_left_as_they_are_and_counted_as_skipped(self):
        world = make_section("World desk", slug="world")
        kept = make_article(
            section=world, slug="harbour-plan-approved-0", headline="Our own harbour story"
        )
        zoe = Author.objects.create(name="Zoë Novak", slug="zoe-novak-0", job_title="Editor")
        _path, out, _err = self.run_import(corpus())
        world.refresh_from_db()
        zoe.refresh_from_db()
        kept.refresh_from_db()
        self.assertEqual(world.name, "World desk")
        self.assertEqual((zoe.name, zoe.job_title), ("Zoë Novak", "Editor"))
        self.assertEqual(kept.headline, "Our own harbour story")
        self.assertEqual(Article.objects.filter(slug="harbour-plan-approved-0").count(), 1)
        self.assertRegex(out, r"sections\s+1 created,\s+1 skipped")
        self.assertRegex(out, r"articles\s+2 created,\s+1 skipped")
        # New stories use the existing rows.
        budget = Article.objects.get(slug="budget-day-next-year-2")
        self.assertEqual(budget.section, world)
        self.assertEqual(list(budget.authors.all()), [zoe])

    def test_stories_may_refer_to_sections_authors_and_tags_already_in_the_database(self):
        make_section("World", slug="world")
        Author.objects.create(name="Zoe Novak", slug="zoe-novak-0")
        Tag.objects.create(name="Ferries", slug="ferries-1")
        self.run_import(
            [article("a-story", "A story", authors=["zoe-novak-0"], tags=["ferries-1"])]
        )
        story = Article.objects.get(slug="a-story")
        self.assertEqual(story.section.slug, "world")
        self.assertEqual(list(story.tags.names()), ["Ferries"])

    def test_a_name_already_taken_gets_a_suffix_and_the_slug_is_kept(self):
        Tag.objects.create(name="Elections", slug="elections")
        _path, _out, err = self.run_import(
            [
                section(),
                tag("elections-2024", "elections"),
                tag("polls-1", "Polls"),
                tag("polls-2", "Polls"),
                article("vote", "Vote", tags=["elections-2024", "polls-2"]),
            ]
        )
        self.assertEqual(Tag.objects.get(slug="elections-2024").name, "elections (2)")
        self.assertEqual(Tag.objects.get(slug="polls-1").name, "Polls")
        self.assertEqual(Tag.objects.get(slug="polls-2").name, "Polls (2)")
        self.assertIn("line 2: the name “elections” is taken", err)
        self.assertIn("line 4: the name “Polls” is taken", err)
        self.assertEqual(
            sorted(Article.objects.get(slug="vote").tags.names()), ["Polls (2)", "elections (2)"]
        )
        self.assertEqual(self.client.get("/tag/polls-2/").status_code, 200)


class BadInputTests(ImportTestCase):
    """Every problem names its line; nothing at all is imported from a bad file."""

    def assert_refused(self, bad_line, *expected):
        objs = corpus()
        text = lines(objs) + (bad_line if isinstance(bad_line, str) else json.dumps(bad_line))
        number = len(objs) + 1
        before = counts()
        with self.assertRaises(CommandError) as caught:
            self.run_import(text + "\n")
        message = str(caught.exception)
        self.assertIn(f"line {number}:", message)
        for part in expected:
            self.assertIn(part, message)
        self.assertIn("nothing was imported", message)
        self.assertEqual(counts(), before)
        self.assertFalse(Section.objects.exists())

    def test_invalid_json(self):
        self.assert_refused('{"kind": "article", "slug": ', "invalid JSON")

    def test_a_line_that_is_not_an_object(self):
        self.assert_refused("[1, 2]", "expected a JSON object")

    def test_unknown_kind(self):
        self.assert_refused({"kind": "video", "slug": "x"}, 'unknown kind "video"')

    def test_missing_kind(self):
        self.assert_refused({"slug": "x"}, "missing field “kind”")

    def test_missing_field(self):
        bad = article("no-title", "x")
        del bad["title"]
        self.assert_refused(bad, "missing field “title”")

    def test_empty_or_wrongly_typed_field(self):
        self.assert_refused(article("empty", "   "), "field “title” is empty")
        self.assert_refused(
            {**article("typed", "Typed"), "authors": "zoe-novak-0"}, "“authors” must be a list"
        )

    def test_field_too_long_for_the_database(self):
        self.assert_refused(article("long", "x" * 201), "longer than 200 characters")

    def test_slug_that_cannot_be_an_address(self):
        self.assert_refused(article("not a slug!", "Title"), "slug “not a slug!”")

    def test_unknown_section_author_or_tag(self):
        self.assert_refused(article("a", "A", section="sport"), "unknown section “sport”")
        self.assert_refused(article("b", "B", authors=["nobody"]), "unknown author “nobody”")
        self.assert_refused(article("c", "C", tags=["no-such-tag"]), "unknown tag “no-such-tag”")

    def test_bad_date(self):
        self.assert_refused(
            article("d", "D", published_at="3 May 2024"), "bad date in “published_at”"
        )
        self.assert_refused(article("e", "E", published_at="2024-13-40T00:00:00Z"), "bad date")

    def test_duplicate_slug_within_the_file(self):
        self.assert_refused(
            article("harbour-plan-approved-0", "Again"),
            "duplicate slug “harbour-plan-approved-0” (first used on line 7)",
        )
        self.assert_refused(tag("ferries-1", "Ferries again"), "duplicate slug “ferries-1”")

    def test_body_with_nothing_left_once_cleaned(self):
        self.assert_refused(article("f", "F", body_html="<script>x()</script>"), "body_html")

    def test_every_problem_is_listed_with_its_line(self):
        text = lines([section(), {"kind": "nope"}, article("a", "A", section="sport")]) + "{\n"
        with self.assertRaises(CommandError) as caught:
            self.run_import(text)
        message = str(caught.exception)
        self.assertIn("has 3 problems", message)
        for number in (2, 3, 4):
            self.assertIn(f"line {number}:", message)
        self.assertFalse(Section.objects.exists())

    def test_a_missing_file_is_a_clear_error(self):
        with self.assertRaises(CommandError) as caught:
            call_command("import_articles", "/no/such/file.jsonl", stdout=io.StringIO())
        self.assertIn("Cannot read /no/such/file.jsonl", str(caught.exception))


class StreamAndProgressTests(ImportTestCase):
    def test_dash_reads_standard_input(self):
        out = io.StringIO()
        call_command(
            "import_articles",
            "-",
            stdin=io.StringIO(lines(corpus())),
            stdout=out,
            stderr=io.StringIO(),
        )
        self.assertEqual(Article.objects.count(), 3)
        self.assertIn("Imported standard input", out.getvalue())
        self.assertEqual(
            AuditEntry.objects.values_list("note", flat=True).distinct().get(),
            "Imported from standard input",
        )

    def test_blank_lines_and_a_byte_order_mark_are_accepted(self):
        self.run_import("\ufeff" + lines(corpus()[:2]) + "\n\n" + lines(corpus()[2:]))
        self.assertEqual(Article.objects.count(), 3)

    def test_progress_goes_to_stderr_batch_by_batch(self):
        with mock.patch("articles.workflow.bulk.BATCH_SIZE", 2):
            _path, out, err = self.run_import(corpus())
        self.assertIn("\r  0/3 articles    0%", err)
        self.assertIn("\r  2/3 articles   66%", err)
        self.assertIn("\r  3/3 articles  100%", err)
        self.assertTrue(err.endswith("\n"))
        self.assertNotIn("articles  100%", out)
        # Both batches were written completely.
        self.assertEqual(Revision.objects.count(), 3)
        self.assertEqual(Byline.objects.count(), 4)
        self.assertEqual(
            list(
                Byline.objects.filter(article__slug="harbour-plan-approved-0").values_list(
                    "author__slug", flat=True
                )
            ),
            ["zoe-novak-0", "adam-okafor-1"],
        )

    def test_quiet_runs_print_nothing(self):
        _path, out, err = self.run_import(corpus(), verbosity=0)
        self.assertEqual((out, err), ("", ""))
        self.assertEqual(Article.objects.count(), 3)

    def test_queries_do_not_grow_with_the_number_of_stories(self):
        def queries_for(n):
            objs = [section(), author("a", "A"), tag("t", "T")] + [
                article(f"story-{n}-{i}", f"Story {i}", authors=["a"], tags=["t"]) for i in range(n)
            ]
            with CaptureQueriesContext(connection) as captured:
                self.run_import(objs)
            Article.objects.all().delete()
            Section.objects.all().delete()
            Author.objects.all().delete()
            Tag.objects.all().delete()
            return len(captured.captured_queries)

        self.assertEqual(queries_for(3), queries_for(12))
