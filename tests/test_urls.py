"""Public addresses never change: search engines and readers depend on them."""

from django.test import SimpleTestCase
from django.urls import reverse


class PublicUrlShapeTests(SimpleTestCase):
    def test_public_url_shapes(self):
        self.assertEqual(reverse("articles:front"), "/")
        self.assertEqual(
            reverse(
                "articles:detail",
                kwargs={"year": "2026", "month": "03", "day": "09", "slug": "a-story"},
            ),
            "/2026/03/09/a-story/",
        )
        self.assertEqual(reverse("articles:section", kwargs={"slug": "world"}), "/section/world/")
        self.assertEqual(reverse("articles:tag", kwargs={"slug": "climate"}), "/tag/climate/")
        self.assertEqual(
            reverse("authors:detail", kwargs={"slug": "ana-lima"}), "/author/ana-lima/"
        )
