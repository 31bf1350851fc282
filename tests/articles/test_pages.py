"""What readers see on the article, section, tag and author pages, and bad input."""

from datetime import UTC, datetime, timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from articles.models import Byline
from tests.factories import make_article, make_author, make_image, make_section, make_user


@override_settings(TIME_ZONE="Europe/London", NEWSROOM_PAGE_SIZE=3)
class ArticlePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("Politics", slug="politics")
        cls.first = make_author(
            "Zoe Adams", job_title="Political editor", short_bio="Zoe covers Westminster."
        )
        cls.second = make_author("Ben Young", job_title="Data reporter")
        cls.image = make_image(
            alt_text="Crowds outside parliament",
            caption="Protesters gathered",
            credit="Jane Doe/Agency",
        )
        cls.article = make_article(
            headline="Parliament passes the budget",
            standfirst="The vote was closer than expected.",
            body="<h2>How it happened</h2><p>Members voted late.</p>",
            section=cls.section,
            authors=[cls.first, cls.second],
            tags=["Budget", "Parliament"],
            # 14:30 UTC in July is 15:30 in London (BST).
            published_at=datetime(2025, 7, 1, 14, 30, tzinfo=UTC),
            updated_at=datetime(2025, 7, 1, 18, 5, tzinfo=UTC),
            hero_image=cls.image,
        )

    def test_article_page_shows_the_story(self):
        response = self.client.get(self.article.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        for text in [
            '<h1 class="story__headline">Parliament passes the budget</h1>',
            "The vote was closer than expected.",
            "<h2>How it happened</h2>",
            'href="/section/politics/"',
            'alt="Crowds outside parliament"',
            "Protesters gathered",
            "Jane Doe/Agency",
            'href="/tag/budget/"',
            "Zoe covers Westminster.",
        ]:
            self.assertContains(response, text, html=False)

    def test_url_is_dated_in_the_newsroom_time_zone(self):
        self.assertEqual(
            self.article.get_absolute_url(), "/2025/07/01/parliament-passes-the-budget/"
        )

    def test_times_are_shown_in_the_newsroom_time_zone(self):
        response = self.client.get(self.article.get_absolute_url())
        self.assertContains(
            response, '<time datetime="2025-07-01T15:30:00+01:00">1 July 2025, 15:30 BST</time>'
        )
        self.assertContains(response, "Updated")
        self.assertContains(response, '<time datetime="2025-07-01T19:05:00+01:00">')

    def test_bylines_keep_their_order_with_job_titles_and_links(self):
        content = self.client.get(self.article.get_absolute_url()).content.decode()
        zoe = content.index(">Zoe Adams</a>")
        ben = content.index(">Ben Young</a>")
        self.assertLess(zoe, ben)
        self.assertIn(f'href="{self.first.get_absolute_url()}" rel="author"', content)
        self.assertIn("Political editor", content)
        # Swap the order: the page follows.
        Byline.objects.filter(author=self.first).update(position=5)
        content = self.client.get(self.article.get_absolute_url()).content.decode()
        self.assertLess(content.index(">Ben Young</a>"), content.index(">Zoe Adams</a>"))

    def test_wrong_date_redirects_permanently_to_the_real_address(self):
        response = self.client.get("/2024/01/01/parliament-passes-the-budget/")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], self.article.get_absolute_url())

    def test_unknown_slugs_are_404(self):
        for url in [
            "/2025/07/01/no-such-story/",
            "/section/no-such-section/",
            "/tag/no-such-tag/",
            "/author/no-such-person/",
            "/2025/7/1/parliament-passes-the-budget/",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, "We can’t find that page", status_code=404)


@override_settings(NEWSROOM_PAGE_SIZE=3)
class PaginationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("Sport", slug="sport")
        cls.author = make_author("Kim Park")
        now = timezone.now()
        for i in range(7):
            make_article(
                headline=f"Match report {i}",
                section=cls.section,
                authors=[cls.author],
                tags=["football"],
                published_at=now - timedelta(hours=i + 1),
            )

    def pages(self):
        return ["/section/sport/", "/tag/football/", self.author.get_absolute_url()]

    def follow_older(self, url):
        """Walk the archive by its "Older stories" links; return the headlines page by page."""
        pages = []
        while url:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            pages.append([story.headline for story in response.context["page"]])
            older = response.context["page"].older
            url = f"{response.request['PATH_INFO']}?before={older}" if older else None
        return pages

    def test_the_canonical_address_names_only_the_parameter_the_page_is_paged_by(self):
        for url in self.pages():
            with self.subTest(url=url):
                first = self.client.get(url)
                self.assertContains(first, f'<link rel="canonical" href="http://testserver{url}">')
                # An archive is paged by cursor: "?page=" is ignored, and so not canonical.
                ignored = self.client.get(url, {"page": "7"})
                self.assertContains(
                    ignored, f'<link rel="canonical" href="http://testserver{url}">'
                )
                older = first.context["page"].older
                paged = self.client.get(url, {"before": older})
                self.assertContains(
                    paged, f'<link rel="canonical" href="http://testserver{url}?before={older}">'
                )

    def test_archive_pages_walk_back_newest_first_without_gaps(self):
        for url in self.pages():
            with self.subTest(url=url):
                pages = self.follow_older(url)
                self.assertEqual(
                    pages,
                    [
                        ["Match report 0", "Match report 1", "Match report 2"],
                        ["Match report 3", "Match report 4", "Match report 5"],
                        ["Match report 6"],
                    ],
                )
                first = self.client.get(url)
                self.assertContains(first, "Older stories")
                self.assertNotContains(first, "Newest stories")

    def test_stories_with_the_same_time_are_neither_skipped_nor_repeated(self):
        same = timezone.now() - timedelta(minutes=30)
        for i in range(4):
            make_article(headline=f"Simultaneous {i}", section=self.section, published_at=same)
        seen = [h for page in self.follow_older("/section/sport/") for h in page]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(len(seen), 11)

    def test_bad_cursors_are_404_never_500(self):
        for url in self.pages():
            for bad in [
                "abc",
                "-1",
                "1-",
                "99999999999999999999-1",
                "1.5-2",
                "x" * 10_000,
                "\x00",
                "0-0",
            ]:
                with self.subTest(url=url, before=bad[:12]):
                    response = self.client.get(url, {"before": bad})
                    self.assertEqual(response.status_code, 404)

    def test_unknown_parameters_are_ignored(self):
        for url in self.pages():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url, {"page": "abc"}).status_code, 200)

    def test_page_links_carry_only_the_parameters_the_page_understands(self):
        # "?page=abc" (or a campaign tag) on an archive is ignored, and not passed on.
        stray = {"page": "abc", "utm_source": "newsletter"}
        for url in self.pages():
            with self.subTest(url=url):
                first = self.client.get(url, stray)
                older = first.context["page"].older
                self.assertContains(first, f'<a rel="next" href="?before={older}">', html=False)
                second = self.client.get(url, {**stray, "before": older})
                later = second.context["page"].older
                self.assertContains(second, f'<a rel="next" href="?before={later}">')
                self.assertContains(second, f'<a href="{url}">← Newest stories</a>')
                self.assertNotContains(second, "abc")
                self.assertNotContains(second, "utm_source")


class AuthorPageTests(TestCase):
    def test_author_page_shows_profile_links_and_stories(self):
        author = make_author(
            "Maya Chen",
            job_title="Science editor",
            bio="Maya has covered science for ten years.\n\nShe lives in Leeds.",
            email="maya@example.org",
            x_url="https://x.com/maya",
            website="https://maya.example.org",
        )
        make_article(headline="A new comet", authors=[author])
        response = self.client.get(author.get_absolute_url())
        self.assertContains(response, '<h1 class="profile__name">Maya Chen</h1>', html=False)
        self.assertContains(response, "Science editor")
        self.assertContains(response, "<p>She lives in Leeds.</p>", html=True)
        self.assertContains(response, 'href="https://x.com/maya"')
        self.assertContains(response, 'href="mailto:maya@example.org"')
        self.assertContains(response, "A new comet")


class SiteChromeTests(TestCase):
    @override_settings(
        NEWSROOM_SITE_NAME="The Northern Echo Test",
        NEWSROOM_SOCIAL_LINKS=[("Mastodon", "https://m.example/@echo")],
    )
    def test_site_name_and_social_links_come_from_settings(self):
        make_section("Culture", slug="culture")
        response = self.client.get("/")
        self.assertContains(response, "The Northern Echo Test")
        self.assertContains(response, 'href="https://m.example/@echo"')
        self.assertContains(response, 'href="/section/culture/"')


class FooterAndIconTests(TestCase):
    def test_every_page_links_the_corrections_and_the_feed(self):
        for url in ["/", "/search/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(
                    response, '<a href="/corrections/">Corrections and clarifications</a>'
                )
                self.assertContains(response, '<a href="/feed/">RSS feed</a>')

    def test_admin_pages_have_the_site_icon(self):
        self.client.force_login(make_user("chief-icon", superuser=True))
        for url in ["/admin/", "/admin/articles/article/", "/admin/articles/article/add/"]:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), 'rel="icon" href="/static/favicon.svg"')
