"""Related stories: editor picks first, then automatic by shared tags, section and recency."""

from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from tests.factories import make_article, make_section, pick


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
