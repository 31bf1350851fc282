"""The demo outlet: loaded once, through the workflow, with the rows an editor's work leaves."""

import io
import unittest
from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.core.management.base import OutputWrapper
from django.db import connection
from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from articles import workflow
from articles.models import Article, AuditEntry, Byline, Image, RelatedLink, Section
from authors.models import Author
from demo.planning import Planner, Staff
from demo.progress import SeedProgress
from demo.world import SECTIONS, STAFF

ON_POSTGRES = connection.vendor == "postgresql"
Action = AuditEntry.Action


class SeedDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Seeded once for the class: the pictures are most of the time a seed takes.
        cls.output, cls.errors = io.StringIO(), io.StringIO()
        mail.outbox = []  # The test back end's; emptied again before each test.
        call_command("seed_demo", articles=30, stdout=cls.output, stderr=cls.errors)
        cls.sent = list(mail.outbox)
        cls.stories = list(Article.objects.order_by("pk"))

    def counts(self):
        return [m.objects.count() for m in (Section, Author, Image, Article, Byline, RelatedLink)]

    def test_seed_demo_fills_an_empty_site_once(self):
        first = self.counts()
        self.assertTrue(all(first), first)
        self.assertEqual(first[3], 30)
        self.assertTrue(Article.objects.published().exists())
        self.assertTrue(Author.objects.exclude(photo="").exists())
        out = io.StringIO()
        call_command("seed_demo", articles=30, stdout=out)
        self.assertIn("already present", out.getvalue())
        self.assertEqual(self.counts(), first)

    def test_the_site_has_every_kind_of_story(self):
        statuses = {story.status for story in self.stories}
        self.assertEqual(statuses, {"published", "scheduled", "not_published"})
        self.assertTrue(Byline.objects.filter(position=1).exists(), "no co-bylines")
        self.assertTrue(Article.objects.filter(tags__isnull=False).exists())
        self.assertTrue(Article.objects.filter(is_lead=True).exists())

    def test_demo_pages_render(self):
        story = Article.objects.published().filter(hero_image__isnull=False).first()
        for url in ["/", story.get_absolute_url(), story.section.get_absolute_url()]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_demo_stories_can_be_found_by_search(self):
        story = Article.objects.published().first()
        word = max(story.headline.split(), key=len)
        response = self.client.get("/search/", {"q": word})
        self.assertIn(story, list(response.context["page"].object_list))

    @unittest.skipUnless(ON_POSTGRES, "the search vector is PostgreSQL full-text search")
    def test_every_story_has_a_search_vector(self):
        self.assertFalse(Article.objects.filter(search_vector__isnull=True).exists())

    def test_every_story_has_revisions_one_to_n(self):
        for story in self.stories:
            numbers = list(story.revisions.order_by("number").values_list("number", flat=True))
            self.assertEqual(numbers, list(range(1, story.revision_number + 1)), story)
            self.assertGreaterEqual(story.revision_number, 1, story)

    def test_the_newest_revision_is_what_the_row_holds(self):
        for story in self.stories:
            self.assertFalse(story.has_pending_changes, story)
            newest = story.revisions.get(number=story.revision_number)
            self.assertEqual(newest.data, workflow.snapshot(story), story)

    def test_picks_are_in_revision_one(self):
        picked = [story for story in self.stories if story.picks.exists()]
        self.assertTrue(picked, "no story has related picks")
        for story in picked:
            first = story.revisions.get(number=1)
            picks = list(story.picks.values_list("to_article_id", flat=True))
            self.assertEqual(first.data["related"], picks, story)
            # Picked when the story was written: the picks are older stories.
            for pick in Article.objects.filter(pk__in=picks):
                self.assertLess(pick.published_at, story.published_at)

    def test_drafts_have_a_revision_and_their_creation_audited(self):
        drafts = [story for story in self.stories if story.status == "not_published"]
        self.assertTrue(drafts)
        for draft in drafts:
            self.assertEqual(draft.revision_number, 1)
            self.assertEqual(draft.stage, Article.Stage.DRAFT)
            actions = list(draft.audit_entries.values_list("action", flat=True))
            self.assertEqual(actions, [Action.CREATE])

    def test_published_stories_have_the_workflows_audit_entries(self):
        for story in self.stories:
            if story.status == "not_published":
                continue
            actions = list(
                story.audit_entries.order_by("created_at", "pk").values_list("action", flat=True)
            )
            if story.status == "scheduled":
                expected = [Action.CREATE, Action.SCHEDULE]
            elif story.revision_number == 2:
                expected = [Action.CREATE, Action.PUBLISH, Action.EDIT, Action.PUBLISH_CHANGES]
            else:
                expected = [Action.CREATE, Action.PUBLISH]
            self.assertEqual(actions, expected, story)
            self.assertEqual(story.stage, Article.Stage.APPROVED)
            self.assertEqual(story.live_revision_number, story.revision_number)

    def test_history_is_dated_when_it_happened(self):
        for story in Article.objects.published():
            published = story.audit_entries.get(action=Action.PUBLISH)
            self.assertEqual(published.created_at, story.published_at, story)
            self.assertEqual(story.revisions.get(number=1).created_at, story.published_at)

    def test_updates_are_substantive_revisions_readers_are_told_of(self):
        updated = [story for story in self.stories if story.revision_number > 1]
        self.assertTrue(updated, "no story was updated")
        for story in updated:
            revision = story.revisions.get(number=2)
            self.assertTrue(revision.substantive)
            self.assertEqual(story.updated_at, revision.created_at)
            self.assertGreater(story.updated_at, story.published_at + timedelta(minutes=59))
            self.assertLessEqual(story.updated_at, timezone.now())
            self.assertTrue(story.shows_updated)
            self.assertNotEqual(revision.data["body"], story.revisions.get(number=1).data["body"])

    def test_no_notification_is_sent_or_printed(self):
        self.assertEqual(self.sent, [])
        self.assertNotIn("Subject:", self.output.getvalue())
        self.assertNotIn("Subject:", self.errors.getvalue())

    def test_the_output_is_a_few_progress_lines_then_the_summary(self):
        # Not a terminal here: plain lines on stderr, as each kind of thing is done and at
        # each quarter of the stories; the summary alone on stdout.
        self.assertEqual(
            self.errors.getvalue().splitlines(),
            [
                "  authors 24/24",
                "  images 60/60",
                "  stories 8/30",
                "  stories 15/30",
                "  stories 23/30",
                "  stories 30/30",
            ],
        )
        summary = self.output.getvalue().splitlines()
        self.assertRegex(summary[0], r"^Demo content created in \d+\.\d s:$")
        self.assertEqual(
            [line.split()[0] for line in summary[1:]],
            ["Sections", "Authors", "Images", "Tags", "Articles", "Bylines", "Related"],
        )
        self.assertIn("Articles       30 (", self.output.getvalue())


class PlanTests(TestCase):
    """The plan is a function of the seed (dates aside, which are relative to now)."""

    def plan(self, seed, now):
        sections = {spec.slug: index + 1 for index, spec in enumerate(SECTIONS)}
        staff = Staff.of({person.name: index + 1 for index, person in enumerate(STAFF)})
        images = {spec.slug: [100 + index] for index, spec in enumerate(SECTIONS)}
        stories = Planner(seed, 40, now).stories(sections, staff, images)
        return [
            (s.kind, s.data, [stories.index(p) for p in s.picks], s.update and s.update.note)
            for s in stories
        ]

    def test_the_same_seed_gives_the_same_stories(self):
        now = timezone.now()
        self.assertEqual(self.plan(7, now), self.plan(7, now))

    def test_another_seed_gives_other_stories(self):
        now = timezone.now()
        self.assertNotEqual(self.plan(7, now), self.plan(8, now))

    def test_stories_are_planned_oldest_first_with_picks_to_earlier_ones(self):
        plan = self.plan(7, timezone.now())
        self.assertTrue(any(picks for _kind, _data, picks, _update in plan))
        for index, (_kind, _data, picks, _update) in enumerate(plan):
            self.assertTrue(all(pick < index for pick in picks))


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class SeedProgressTests(SimpleTestCase):
    """What seed_demo shows while it works (demo.progress), on a terminal and elsewhere."""

    def progress(self, stream, **kwargs):
        progress = SeedProgress(OutputWrapper(stream), **kwargs)
        progress.plan({"authors": 2, "images": 2, "stories": 4})
        return progress

    def run_through(self, progress):
        for phase, total in progress.totals.items():
            for done in range(1, total + 1):
                progress(phase, done)
        progress.finish()

    def test_on_a_terminal_one_line_is_redrawn_in_place(self):
        screen = FakeTerminal()
        self.run_through(self.progress(screen))
        text = screen.getvalue()
        self.assertEqual(text.count("\n"), 1)  # One line, finished once.
        self.assertTrue(text.endswith("\n"))
        frames = [frame.rstrip("\n") for frame in text.split("\r")[1:]]
        self.assertEqual(len(frames), 8)
        self.assertIn("Seeding [", frames[0])
        self.assertIn("authors 1/2", frames[0])
        self.assertIn(" 12%", frames[0])
        self.assertIn(f"[{'#' * 30}] 100%  stories 4/4", frames[-1])
        self.assertNotIn("\x1b[", text)  # Not coloured like an error.

    def test_a_note_clears_the_bar_and_stands_on_its_own_line(self):
        screen = FakeTerminal()
        progress = self.progress(screen)
        progress("authors", 1)
        progress.note("  Authors: 2 (0.1 s)")
        progress("images", 1)
        progress.finish()
        lines = [line.split("\r")[-1] for line in screen.getvalue().split("\n")]
        self.assertEqual(lines[0].strip(), "Authors: 2 (0.1 s)")
        self.assertIn("images 1/2", lines[1])

    def test_elsewhere_plain_lines(self):
        log = io.StringIO()
        self.run_through(self.progress(log))
        self.assertEqual(
            log.getvalue().splitlines(),
            ["  authors 2/2", "  images 2/2", *(f"  stories {n}/4" for n in range(1, 5))],
        )

    def test_verbosity_0_says_nothing(self):
        for stream in (FakeTerminal(), io.StringIO()):
            progress = self.progress(stream, enabled=False)
            self.run_through(progress)
            progress.note("hello")
            self.assertEqual(stream.getvalue(), "")
