"""Addresses from the CMS Newsroom replaced keep working."""

from django.test import TestCase

from articles.models import LegacyRedirect
from tests.factories import make_article


class LegacyRedirectTests(TestCase):
    def test_old_permalinks_and_short_links_redirect_permanently(self):
        story = make_article(headline="Bridge reopens")
        LegacyRedirect.objects.create(old_path="/2019/05/03/bridge-reopens/", article=story)
        LegacyRedirect.objects.create(old_path="/?p=123", article=story)
        for old in ["/2019/05/03/bridge-reopens/", "/?p=123"]:
            with self.subTest(old=old):
                response = self.client.get(old)
                self.assertEqual(response.status_code, 301)
                self.assertEqual(response["Location"], story.get_absolute_url())

    def test_unknown_or_unpublished_targets_are_not_redirected(self):
        draft = make_article(published=False)
        LegacyRedirect.objects.create(old_path="/old/draft/", article=draft)
        self.assertEqual(self.client.get("/old/draft/").status_code, 404)
        self.assertEqual(self.client.get("/old/unknown/").status_code, 404)
        self.assertEqual(self.client.get("/?p=999").status_code, 200)  # the front page
