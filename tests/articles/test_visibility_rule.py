"""One visibility rule: every question about what readers see agrees with ``published()``.

Rows in every publication state, with publication and unpublish times before, at and after
the moment asked about (and none), frozen at that moment: the row's own ``is_live`` (the rule
evaluated in Python), ``gone()``, the admin's overdue flag and filters, and the page a reader
gets all agree with the queries. Rows are written with ``update()``: the point is every
combination, including ones the workflow only reaches by the clock.
"""

import itertools
from datetime import timedelta

import time_machine
from django.db.models import Q
from django.test import TestCase
from django.utils import timezone

from articles import publication
from articles.models import Article
from tests.factories import make_article, make_section, make_user

NOW = timezone.now().replace(microsecond=0)
TIMES = {
    "none": None,
    "long ago": NOW - timedelta(days=3),
    "a moment ago": NOW - timedelta(seconds=1),
    "now": NOW,
    "a moment ahead": NOW + timedelta(seconds=1),
    "later": NOW + timedelta(days=3),
}


def combinations():
    for status, published, unpublish in itertools.product(publication.Status.values, TIMES, TIMES):
        # The database refuses a story readers can get without a publication time.
        if status in publication.VISIBLE_STATES and published == "none":
            continue
        yield status, published, unpublish


class VisibilityRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        section = make_section("World", slug="world")
        cls.cases = {}
        for number, (status, published, unpublish) in enumerate(combinations()):
            story = make_article(headline=f"Case {number}", section=section, published=False)
            Article.objects.filter(pk=story.pk).update(
                status=status, published_at=TIMES[published], unpublish_at=TIMES[unpublish]
            )
            cls.cases[story.pk] = (status, published, unpublish)
        cls.editor = make_user("editor", role="Editor")

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def test_is_live_agrees_with_published_for_every_state_and_time(self):
        published = set(Article.objects.published().values_list("pk", flat=True))
        self.assertTrue(published, "some combination must be visible")
        for story in Article.objects.filter(pk__in=self.cases):
            with self.subTest(case=self.cases[story.pk]):
                self.assertEqual(story.is_live, story.pk in published)

    def test_expected_combinations_are_visible(self):
        # The rule itself, spelled out once more as a table a reader can check.
        for story in Article.objects.filter(pk__in=self.cases):
            status, published, unpublish = self.cases[story.pk]
            expected = (
                status in ("scheduled", "published")
                and published in ("long ago", "a moment ago", "now")
                and unpublish in ("none", "a moment ahead", "later")
            )
            with self.subTest(case=self.cases[story.pk]):
                self.assertEqual(story.is_live, expected)

    def test_gone_is_what_was_visible_once_and_is_not_now(self):
        gone = set(Article.objects.gone().values_list("pk", flat=True))
        for story in Article.objects.filter(pk__in=self.cases):
            status, published, _unpublish = self.cases[story.pk]
            started = story.published_at is not None and story.published_at <= NOW
            seen_once = status == "unpublished" or status in publication.VISIBLE_STATES
            with self.subTest(case=self.cases[story.pk]):
                self.assertEqual(story.pk in gone, started and seen_once and not story.is_live)

    def test_overdue_flag_agrees_with_the_overdue_filter(self):
        overdue = set(Article.objects.overdue().values_list("pk", flat=True))
        for story in Article.objects.filter(pk__in=self.cases):
            with self.subTest(case=self.cases[story.pk]):
                self.assertEqual(story.is_overdue, story.pk in overdue)

    def test_reader_gets_each_story_exactly_when_the_rule_says(self):
        for story in Article.objects.filter(pk__in=self.cases).exclude(
            Q(published_at__isnull=True)
        ):
            status = self.client.get(story.get_absolute_url()).status_code
            with self.subTest(case=self.cases[story.pk]):
                self.assertEqual(status == 200, story.is_live)

    def test_admin_publication_filter_and_column_agree(self):
        self.client.force_login(self.editor)
        listed = {}
        for state in ("live", "scheduled"):
            response = self.client.get(f"/admin/articles/article/?state={state}")
            self.assertEqual(response.status_code, 200)
            listed[state] = {story.pk for story in response.context["cl"].result_list}
        admin = response.context["cl"].model_admin
        for story in Article.objects.filter(pk__in=self.cases):
            shown = admin.state(story)
            with self.subTest(case=self.cases[story.pk], shown=shown):
                self.assertEqual(story.pk in listed["live"], story.is_live)
                self.assertEqual(story.pk in listed["scheduled"], shown == "Scheduled")
                if shown.startswith("Live"):
                    self.assertTrue(story.is_live)
                # "Overdue" (the worker has not recorded it) comes first; otherwise a story
                # readers get says so.
                if story.is_live and shown != "Overdue":
                    self.assertTrue(shown.startswith("Live"))

    def test_publish_due_records_exactly_the_due_and_the_ended(self):
        from articles import workflow

        before = {s.pk: s for s in Article.objects.filter(pk__in=self.cases)}
        changed = set(workflow.publish_due())
        for pk, story in before.items():
            expected = story.status == "scheduled" and story.published_at <= NOW
            expected |= story.status in publication.VISIBLE_STATES and (
                story.published_at <= NOW
                and story.unpublish_at is not None
                and story.unpublish_at <= NOW
            )
            with self.subTest(case=self.cases[pk]):
                self.assertEqual(pk in changed, expected)
        # What readers get did not change: publish_due only records what the clock decided.
        for pk, story in before.items():
            with self.subTest(after=self.cases[pk]):
                self.assertEqual(Article.objects.get(pk=pk).is_live, story.is_live)

    def test_page_cache_expiry_is_the_next_moment_the_rule_changes_its_answer(self):
        from articles.purging import next_scheduled_change

        def live_at(moment):
            with time_machine.travel(moment, tick=False):
                return {s.pk for s in Article.objects.filter(pk__in=self.cases) if s.is_live}

        change = next_scheduled_change(NOW)
        self.assertEqual(change, TIMES["a moment ahead"])
        # Nothing changes before it; something does at it.
        self.assertEqual(live_at(change - timedelta(microseconds=1)), live_at(NOW))
        self.assertNotEqual(live_at(change), live_at(NOW))
