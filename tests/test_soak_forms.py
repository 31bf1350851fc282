"""The soak's editors post the admin change form as a browser would (bench/soak.py FormReader):
the form read back from the page, one field changed, saves the story as it was plus that edit;
the same form posted again after that save is refused as stale and changes nothing."""

import sys
from pathlib import Path

from django.test import TestCase

from articles.models import Revision
from tests.factories import make_article, make_author, make_section, make_user

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from soak import FormReader  # noqa: E402


class SoakFormTests(TestCase):
    def setUp(self):
        self.editor = make_user("desk-editor", role="Editor")
        self.client.force_login(self.editor)
        self.story = make_article(
            section=make_section("World", slug="world"),
            authors=[make_author("Ana Ruiz"), make_author("Bo Chen")],
            tags=["floods", "rivers"],
        )
        self.url = f"/admin/articles/article/{self.story.pk}/change/"

    def form_with_body(self, body):
        form = FormReader("article_form")
        form.feed(self.client.get(self.url).content.decode())
        data = {"_continue": ["Save and continue editing"]}
        for name, value in form.fields:  # Repeated names (tags) stay lists, as a browser sends.
            data.setdefault(name, []).append(body if name == "body" else value)
        return data

    def test_a_form_posted_back_keeps_everything_but_the_edit(self):
        fields = self.form_with_body("<p>Body, edited.</p><p>soak-e0-n1</p>")
        self.assertEqual(fields["headline"], [self.story.headline])
        response = self.client.post(self.url, fields)
        self.assertEqual(response.status_code, 302)
        newest = Revision.objects.filter(article=self.story).order_by("-number").first()
        self.assertIn("soak-e0-n1", newest.data["body"])
        self.assertEqual(newest.data["headline"], self.story.headline)
        self.assertEqual(newest.data["tags"], ["floods", "rivers"])
        self.assertEqual(len(newest.data["bylines"]), 2)
        self.assertEqual(newest.data["section"], self.story.section_id)

    def test_the_same_form_posted_after_another_save_is_refused(self):
        first = self.form_with_body("<p>soak-e0-n1</p>")
        second = self.form_with_body("<p>soak-e1-n1</p>")  # Loaded before the first save.
        self.assertEqual(self.client.post(self.url, first).status_code, 302)
        refused = self.client.post(self.url, second)
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "saved a newer version")
        bodies = [r.data["body"] for r in Revision.objects.filter(article=self.story)]
        self.assertFalse(any("soak-e1-n1" in body for body in bodies))
        self.assertTrue(any("soak-e0-n1" in body for body in bodies))
