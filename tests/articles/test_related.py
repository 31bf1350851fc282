"""Related stories: editor picks first, then automatic by shared tags, section and recency."""

from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from articles import workflow
from articles.models import StoryLink
from tests.factories import make_article, make_section, make_user, pick


def related_headlines(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return [story.headline for story in response.context["related"]]


@override_settings(NEWSROOM_RELATED_WINDOW_DAYS=30, NEWSROOM_RELATED_COUNT=4)
class RelatedStoriesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.now = timezone.now()
        cls.world = make_section("World", slug="world")
        cls.sport = make_section("Sport", slug="sport")
        cls.story = make_article(
            headline="Floods hit the delta",
            section=cls.world,
            tags=["floods", "climate", "weather"],
            published_at=cls.now - timedelta(hours=1),
        )

    def test_never_the_story_itself_or_unpublished_ones(self):
        make_article(
            headline="Draft about floods", section=self.world, tags=["floods"], published=False
        )
        make_article(
            headline="Scheduled about floods",
            section=self.world,
            tags=["floods"],
            published_at=self.now + timedelta(days=1),
        )
        visible = make_article(
            headline="Published about floods", section=self.sport, tags=["floods"]
        )
        headlines = related_headlines(self.client, self.story)
        self.assertEqual(headlines, ["Published about floods"])
        self.assertNotIn(self.story.headline, headlines)
        self.assertIn(visible.headline, headlines)

    def test_editor_picks_come_first_in_their_order_even_when_old(self):
        old = make_article(
            headline="Archive pick", section=self.sport, published_at=self.now - timedelta(days=900)
        )
        other = make_article(headline="Second pick", section=self.sport)
        make_article(
            headline="Strong automatic match",
            section=self.world,
            tags=["floods", "climate", "weather"],
        )
        pick(self.story, other, old)
        headlines = related_headlines(self.client, self.story)
        self.assertEqual(headlines[:3], ["Second pick", "Archive pick", "Strong automatic match"])

    def test_unpublished_picks_are_skipped(self):
        hidden = make_article(headline="Hidden pick", section=self.world, published=False)
        pick(self.story, hidden)
        self.assertNotIn("Hidden pick", related_headlines(self.client, self.story))

    def test_stories_outside_the_recency_window_are_not_automatic_candidates(self):
        make_article(
            headline="Years-old perfect match",
            section=self.world,
            tags=["floods", "climate", "weather"],
            published_at=self.now - timedelta(days=400),
        )
        make_article(
            headline="This week, one shared tag",
            section=self.sport,
            tags=["weather"],
            published_at=self.now - timedelta(days=2),
        )
        headlines = related_headlines(self.client, self.story)
        self.assertEqual(headlines, ["This week, one shared tag"])

    def test_rarer_shared_tags_weigh_more(self):
        # "climate" is on many stories in the window, "floods" on one: sharing the rare tag wins.
        for i in range(6):
            make_article(
                headline=f"Climate filler {i}",
                section=self.sport,
                tags=["climate"],
                published_at=self.now - timedelta(days=3),
            )
        make_article(
            headline="Shares the rare tag",
            section=self.sport,
            tags=["floods"],
            published_at=self.now - timedelta(days=3),
        )
        headlines = related_headlines(self.client, self.story)
        self.assertEqual(headlines[0], "Shares the rare tag")

    def test_more_shared_tags_and_same_section_rank_higher(self):
        make_article(
            headline="One tag, other section",
            section=self.sport,
            tags=["weather"],
            published_at=self.now - timedelta(days=1),
        )
        make_article(
            headline="Two tags, same section",
            section=self.world,
            tags=["weather", "floods"],
            published_at=self.now - timedelta(days=1),
        )
        make_article(
            headline="Same section only",
            section=self.world,
            published_at=self.now - timedelta(days=2),
        )
        # The newest earlier story in the section is the "next story" link, not a related slot.
        make_article(
            headline="Just before", section=self.world, published_at=self.now - timedelta(hours=2)
        )
        response = self.client.get(self.story.get_absolute_url())
        headlines = [story.headline for story in response.context["related"]]
        self.assertEqual(response.context["next_story"].headline, "Just before")
        self.assertEqual(headlines[0], "Two tags, same section")
        self.assertIn("Same section only", headlines)
        self.assertNotIn("Just before", headlines)

    def test_among_equals_the_closer_in_time_wins(self):
        make_article(
            headline="Three weeks ago",
            section=self.sport,
            tags=["weather"],
            published_at=self.now - timedelta(days=21),
        )
        make_article(
            headline="Yesterday",
            section=self.sport,
            tags=["weather"],
            published_at=self.now - timedelta(days=1),
        )
        self.assertEqual(
            related_headlines(self.client, self.story), ["Yesterday", "Three weeks ago"]
        )


@override_settings(NEWSROOM_RELATED_WINDOW_DAYS=30, NEWSROOM_RELATED_COUNT=2)
class KeptLinksTests(TestCase):
    """Links are worked out once and kept; publishing and unpublishing keep them right."""

    @classmethod
    def setUpTestData(cls):
        cls.now = timezone.now()
        cls.editor = make_user("editor", role="Editor")
        cls.world = make_section("World", slug="world")
        cls.climate = make_section("Climate", slug="climate")
        cls.story = make_article(
            headline="Floods hit the delta",
            section=cls.world,
            tags=["floods", "delta"],
            published_at=cls.now - timedelta(days=1),
        )
        cls.match = make_article(
            headline="Delta floods recede",
            section=cls.climate,
            tags=["floods", "delta"],
            published_at=cls.now - timedelta(days=3),
        )

    def test_links_are_worked_out_on_first_view_and_kept(self):
        self.assertFalse(StoryLink.objects.filter(article=self.story).exists())
        self.assertEqual(related_headlines(self.client, self.story), ["Delta floods recede"])
        self.assertEqual(
            list(StoryLink.objects.filter(article=self.story).values_list("story_id", "kind")),
            [(self.match.pk, "related")],
        )
        # A row written behind the workflow's back (not a publish) does not change kept links.
        make_article(headline="Unannounced", section=self.climate, tags=["floods", "delta"])
        self.assertEqual(related_headlines(self.client, self.story), ["Delta floods recede"])

    def test_a_published_story_is_linked_back_from_the_stories_it_links_to(self):
        related_headlines(self.client, self.story)  # Links kept before the new story exists.
        draft = workflow.create(
            {
                "headline": "Delta dams hold",
                "body": "<p>Text.</p>",
                "section": self.world.pk,
                "tags": ["floods", "delta"],
            },
            by=self.editor,
        )
        with self.captureOnCommitCallbacks(execute=True):
            workflow.publish(draft, by=self.editor)
        self.assertIn("Delta floods recede", related_headlines(self.client, draft))
        self.assertIn("Delta dams hold", related_headlines(self.client, self.story))

    def test_an_unpublished_story_leaves_the_links_and_its_place_is_filled(self):
        make_article(
            headline="Older delta story",
            section=self.climate,
            tags=["delta"],
            published_at=self.now - timedelta(days=9),
        )
        make_article(
            headline="Even older delta story",
            section=self.climate,
            tags=["delta"],
            published_at=self.now - timedelta(days=12),
        )
        self.assertEqual(
            related_headlines(self.client, self.story), ["Delta floods recede", "Older delta story"]
        )
        with self.captureOnCommitCallbacks(execute=True):
            workflow.unpublish(self.match, by=self.editor)
        self.assertEqual(
            related_headlines(self.client, self.story),
            ["Older delta story", "Even older delta story"],
        )

    def test_a_deleted_story_leaves_the_links_and_its_place_is_filled(self):
        make_article(
            headline="Older delta story",
            section=self.climate,
            tags=["delta"],
            published_at=self.now - timedelta(days=9),
        )
        self.assertEqual(
            related_headlines(self.client, self.story), ["Delta floods recede", "Older delta story"]
        )
        chief = make_user("chief", superuser=True)
        make_article(
            headline="Even older delta story",
            section=self.climate,
            tags=["delta"],
            published_at=self.now - timedelta(days=12),
        )
        with self.captureOnCommitCallbacks(execute=True):
            workflow.delete(self.match, by=chief)
        self.assertEqual(
            related_headlines(self.client, self.story),
            ["Older delta story", "Even older delta story"],
        )


class NextStoryTests(TestCase):
    def test_next_story_is_the_previous_one_in_the_section(self):
        now = timezone.now()
        world = make_section("World", slug="world")
        sport = make_section("Sport", slug="sport")
        older = make_article(
            headline="Older world story", section=world, published_at=now - timedelta(days=2)
        )
        make_article(
            headline="Oldest world story", section=world, published_at=now - timedelta(days=3)
        )
        make_article(
            headline="Newer sport story", section=sport, published_at=now - timedelta(minutes=5)
        )
        story = make_article(
            headline="Today in the world", section=world, published_at=now - timedelta(hours=1)
        )
        response = self.client.get(story.get_absolute_url())
        self.assertEqual(response.context["next_story"], older)
        self.assertContains(
            response,
            f'<a href="{older.get_absolute_url()}" rel="next">Older world story</a>',
            html=True,
        )
        first = self.client.get(
            make_article(section=make_section("Empty"), published_at=now).get_absolute_url()
        )
        self.assertIsNone(first.context["next_story"])
        self.assertNotContains(first, 'rel="next"')
