"""Story HTML is cleaned when saved: no script ever reaches a reader's page."""

from django.test import TestCase

from articles.models import Article
from tests.factories import make_article

HOSTILE = (
    "<p>Hello <strong>world</strong></p>"
    "<script>alert('x')</script>"
    '<img src="x.png" onerror="alert(1)" alt="chart">'
    '<a href="javascript:alert(2)">bad link</a>'
    '<a href="https://example.org/report" onclick="steal()">report</a>'
    '<p style="position:fixed">styled</p>'
    '<iframe src="https://evil.example"></iframe>'
    "<style>body{display:none}</style>"
    "<svg><script>alert(3)</script></svg>"
    '<figure><img src="/media/chart.png" alt="A chart"><figcaption>Source: ONS</figcaption></figure>'
    "<blockquote><p>A quote</p></blockquote><h2>Subhead</h2><ul><li>one</li></ul>"
)


class SanitiseTests(TestCase):
    def test_hostile_markup_is_removed_at_save(self):
        article = make_article(body=HOSTILE)
        stored = Article.objects.get(pk=article.pk).body
        for bad in [
            "<script",
            "onerror",
            "onclick",
            "javascript:",
            "style=",
            "<iframe",
            "<svg",
            "alert(",
        ]:
            with self.subTest(bad=bad):
                self.assertNotIn(bad, stored)

    def test_allowed_structure_survives(self):
        stored = make_article(body=HOSTILE).body
        for good in [
            "<strong>world</strong>",
            '<a href="https://example.org/report" rel="noopener noreferrer">report</a>',
            "<figcaption>Source: ONS</figcaption>",
            "<blockquote><p>A quote</p></blockquote>",
            "<h2>Subhead</h2>",
            "<li>one</li>",
            'alt="chart"',
        ]:
            with self.subTest(good=good):
                self.assertIn(good, stored)

    def test_nothing_hostile_reaches_the_page(self):
        article = make_article(body=HOSTILE, headline="<script>alert('h')</script> Headline")
        content = self.client.get(article.get_absolute_url()).content.decode()
        self.assertNotIn("<script>alert", content)
        self.assertNotIn("onerror=", content)
        self.assertIn("&lt;script&gt;alert(&#x27;h&#x27;)&lt;/script&gt; Headline", content)

    def test_queryset_update_cannot_bypass_the_page_escaping_of_other_fields(self):
        article = make_article(standfirst='<img src=x onerror="alert(1)">')
        content = self.client.get(article.get_absolute_url()).content.decode()
        self.assertNotIn("<img src=x onerror", content)
