"""What search engines and social networks read from our pages."""

import json
import re
from datetime import UTC, datetime

from django.test import TestCase, override_settings

from articles import workflow
from tests.factories import make_article, make_author, make_image, make_section, make_user


def json_ld(response):
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return [json.loads(block) for block in blocks]


@override_settings(TIME_ZONE="Europe/London")
class NewsArticleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("Science", slug="science")
        cls.authors = [
            make_author("Ada Obi", job_title="Science editor"),
            make_author("Ben Hale", job_title="Reporter"),
            make_author("Cy Rowe", is_active=False),
        ]
        cls.image = make_image(alt_text="A telescope at night")
        cls.image.file.save("big.png", _big_png(), save=False)
        cls.image.save()
        cls.article = make_article(
            headline="Astronomers find a water-rich planet",
            standfirst="The planet is twice the size of Earth.",
            section=cls.section,
            authors=cls.authors,
            tags=["Space", "Planets"],
            published_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
            updated_at=datetime(2026, 7, 1, 12, 30, tzinfo=UTC),
            hero_image=cls.image,
        )
        cls.editor = make_user("editor", role="Editor")

    def test_news_article_has_every_property(self):
        response = self.client.get(self.article.get_absolute_url())
        (data,) = json_ld(response)
        canonical = "http://testserver" + self.article.get_absolute_url()
        self.assertEqual(data["@context"], "https://schema.org")
        self.assertEqual(data["@type"], "NewsArticle")
        self.assertEqual(data["headline"], "Astronomers find a water-rich planet")
        self.assertEqual(data["datePublished"], "2026-07-01T10:00:00+01:00")
        self.assertEqual(data["dateModified"], "2026-07-01T13:30:00+01:00")
        self.assertEqual(data["mainEntityOfPage"], {"@type": "WebPage", "@id": canonical})
        self.assertEqual(data["publisher"]["@type"], "NewsMediaOrganization")
        self.assertTrue(data["publisher"]["logo"]["url"].startswith("http://testserver/static/"))
        self.assertContains(response, f'<link rel="canonical" href="{canonical}">')

    def test_three_authors_are_three_people_with_name_and_url(self):
        (data,) = json_ld(self.client.get(self.article.get_absolute_url()))
        self.assertEqual(
            data["author"],
            [
                {"@type": "Person", "name": "Ada Obi", "url": "http://testserver/author/ada-obi/"},
                {
                    "@type": "Person",
                    "name": "Ben Hale",
                    "url": "http://testserver/author/ben-hale/",
                },
                {"@type": "Person", "name": "Cy Rowe"},  # Inactive: no page to point to.
            ],
        )

    def test_images_are_three_crops_at_least_1200_wide(self):
        (data,) = json_ld(self.client.get(self.article.get_absolute_url()))
        self.assertEqual(len(data["image"]), 3)
        for url, ratio in zip(data["image"], ["16x9", "4x3", "1x1"], strict=True):
            with self.subTest(ratio=ratio):
                self.assertIn(f"/{ratio}-w", url)
                width = int(re.search(r"-w(\d+)\.", url).group(1))
                self.assertGreaterEqual(width, 1200)
                image = self.client.get(url.removeprefix("http://testserver"))
                self.assertEqual(image.status_code, 200)
                w, h = map(int, ratio.split("x"))
                got = _size(b"".join(image.streaming_content))
                self.assertEqual(got[0], width)
                self.assertAlmostEqual(got[0] / got[1], w / h, places=2)

    def test_corrections_are_in_the_structured_data(self):
        workflow.correct(
            self.article, by=self.editor, kind="correction", text="The planet is larger."
        )
        (data,) = json_ld(self.client.get(self.article.get_absolute_url()))
        self.assertEqual(data["correction"][0]["@type"], "CorrectionComment")
        self.assertEqual(data["correction"][0]["text"], "The planet is larger.")

    def test_social_cards_and_robots(self):
        response = self.client.get(self.article.get_absolute_url())
        for tag in [
            '<meta property="og:type" content="article">',
            '<meta property="og:title" content="Astronomers find a water-rich planet">',
            '<meta property="og:description" content="The planet is twice the size of Earth.">',
            '<meta name="twitter:card" content="summary_large_image">',
            '<meta name="robots" content="index, follow, max-image-preview:large">',
            '<meta name="description" content="The planet is twice the size of Earth.">',
        ]:
            self.assertContains(response, tag, html=True)

    def test_script_breaking_text_is_escaped_inside_json_ld(self):
        story = make_article(headline="</script><script>alert(1)</script>", section=self.section)
        content = self.client.get(story.get_absolute_url()).content.decode()
        self.assertNotIn("</script><script>alert(1)", content)
        (data,) = json_ld(self.client.get(story.get_absolute_url()))
        self.assertEqual(data["headline"], "</script><script>alert(1)</script>")


class ProfilePageTests(TestCase):
    def test_author_page_has_profile_page_with_person(self):
        author = make_author(
            "Maya Chen",
            job_title="Science editor",
            x_url="https://x.com/maya",
            website="https://maya.example.org",
        )
        make_article(authors=[author])
        (data,) = json_ld(self.client.get(author.get_absolute_url()))
        self.assertEqual(data["@type"], "ProfilePage")
        person = data["mainEntity"]
        self.assertEqual(person["@type"], "Person")
        self.assertEqual(person["name"], "Maya Chen")
        self.assertEqual(person["jobTitle"], "Science editor")
        self.assertEqual(person["sameAs"], ["https://maya.example.org", "https://x.com/maya"])


def _big_png():
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1600), (30, 90, 160)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="big.png")


def _size(data):
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.size
