"""The demo outlet loads once: a second run adds nothing."""

import io

from django.core.management import call_command
from django.test import TestCase

from articles.models import Article, Byline, Image, RelatedLink, Section
from authors.models import Author


class SeedDemoTests(TestCase):
    def counts(self):
        return [m.objects.count() for m in (Section, Author, Image, Article, Byline, RelatedLink)]

    def test_seed_demo_fills_an_empty_site_once(self):
        call_command("seed_demo", articles=24, stdout=io.StringIO())
        first = self.counts()
        self.assertTrue(all(first[:5]), first)
        self.assertEqual(first[3], 24)
        self.assertTrue(Article.objects.published().exists())
        self.assertTrue(Author.objects.exclude(photo="").exists())
        out = io.StringIO()
        call_command("seed_demo", articles=24, stdout=out)
        self.assertIn("already present", out.getvalue())
        self.assertEqual(self.counts(), first)

    def test_demo_pages_render(self):
        call_command("seed_demo", articles=24, stdout=io.StringIO())
        story = Article.objects.published().filter(hero_image__isnull=False).first()
        for url in ["/", story.get_absolute_url(), story.section.get_absolute_url()]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_demo_stories_can_be_found_by_search(self):
        call_command("seed_demo", articles=24, stdout=io.StringIO())
        story = Article.objects.published().first()
        word = max(story.headline.split(), key=len)
        response = self.client.get("/search/", {"q": word})
        self.assertIn(story, list(response.context["page"].object_list))
