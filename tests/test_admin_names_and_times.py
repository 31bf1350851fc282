"""The admin speaks as the site does: readable names for the sign-in apps, and every time in the
newsroom's zone and the site's 24-hour format ("30 Jun 2026, 18:30 BST", never "6:30 p.m.")."""

from datetime import UTC, datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import TestCase, override_settings
from django.utils import timezone

from articles.models import Article
from common.times import shown
from tests.factories import make_article, make_author, make_section, make_user

SUMMER = datetime(2026, 6, 30, 17, 30, tzinfo=UTC)  # 18:30 in London (BST)
WINTER = datetime(2026, 1, 15, 18, 5, tzinfo=UTC)  # 18:05 in London (GMT)


class AppNameTests(TestCase):
    def test_superusers_see_readable_names_for_the_sign_in_apps(self):
        self.client.force_login(make_user("chief", superuser=True))
        html = self.client.get("/admin/articles/article/").content.decode()
        for name in [
            "Login lockouts",
            "Two-factor: authenticator apps",
            "Two-factor: backup codes",
            "Tags",
        ]:
            self.assertIn(f">{name}</a>", html)
        for raw in ["Axes", "Otp_Totp", "Otp_Static", "Taggit"]:
            self.assertNotIn(f">{raw}<", html)
        app = self.client.get("/admin/otp_totp/")
        self.assertContains(app, "<h1>Two-factor: authenticator apps administration</h1>")


@override_settings(TIME_ZONE="Europe/London", LANGUAGE_CODE="en-gb")
class AdminTimeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.summer = make_article(headline="Midsummer budget", section=make_section("City"))
        Article.objects.filter(pk=cls.summer.pk).update(published_at=SUMMER)
        cls.summer.refresh_from_db()
        cls.winter = make_article(headline="Winter floods", published_at=WINTER)
        cls.author = make_author("Ana Lima")

    def setUp(self):
        self.client.force_login(make_user("chief", superuser=True))

    def assert_site_format(self, response, *expected):
        html = response.content.decode()
        for text in expected:
            self.assertIn(text, html)
        self.assertNotIn("p.m.", html)
        self.assertNotIn("a.m.", html)

    def test_the_story_list_shows_times_as_the_site_does(self):
        response = self.client.get("/admin/articles/article/")
        self.assert_site_format(response, "30 Jun 2026, 18:30 BST", "15 Jan 2026, 18:05 GMT")

    def test_the_hour_the_clocks_go_back_names_its_zone(self):
        # 01:30 on 25 October 2026 happens twice in London; Django's "T" would print neither.
        first = make_article(
            headline="First", published_at=datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
        )
        second = make_article(
            headline="Second", published_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
        )
        response = self.client.get("/admin/articles/article/")
        self.assert_site_format(response, "25 Oct 2026, 01:30 BST", "25 Oct 2026, 01:30 GMT")
        for story, zone in [(first, "BST"), (second, "GMT")]:
            form = self.client.get(f"/admin/articles/article/{story.pk}/change/")
            self.assertContains(form, f"Published 25 Oct 2026, 01:30 {zone}")

    def test_the_reader_page_names_the_zone_when_the_clocks_go_back(self):
        story = make_article(
            headline="Second", published_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
        )
        self.assertContains(
            self.client.get(story.get_absolute_url()),
            '<time datetime="2026-10-25T01:30:00+00:00">25 October 2026, 01:30 GMT</time>',
        )

    def test_the_story_list_links_keep_its_filters(self):
        response = self.client.get("/admin/articles/article/", {"q": "budget"})
        self.assertContains(
            response,
            f'<a class="story-list__headline" href="/admin/articles/article/{self.summer.pk}'
            '/change/?_changelist_filters=q%3Dbudget">Midsummer budget</a>'
            '<span class="story-list__meta">City</span>',
        )

    def test_read_only_times_on_the_story_form(self):
        response = self.client.get(f"/admin/articles/article/{self.summer.pk}/change/")
        self.assert_site_format(response, "30 Jun 2026, 18:30 BST")

    def test_the_desk_and_history_pages(self):
        self.assert_site_format(self.client.get("/admin/"), "15 Jan 2026, 18:05 GMT")
        user = make_user("desk")
        LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(self.author),
            object_id=str(self.author.pk),
            object_repr=str(self.author),
            action_flag=CHANGE,
            change_message="Changed bio.",
            action_time=SUMMER,
        )
        history = self.client.get(f"/admin/authors/author/{self.author.pk}/history/")
        self.assert_site_format(history, "30 Jun 2026, 18:30 BST")

    def test_the_reader_page_and_the_admin_agree(self):
        page = self.client.get(self.summer.get_absolute_url()).content.decode()
        self.assertIn("18:30 BST", page)
        with timezone.override("Europe/London"):
            self.assertEqual(shown(SUMMER), "30 Jun 2026, 18:30 BST")
            self.assertEqual(shown(SUMMER, "TIME_FORMAT"), "18:30 BST")
