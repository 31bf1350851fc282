"""Pictures in story bodies: the sanitiser keeps a figure only around a picture with a source,
a caption only in such a figure, and gives bodies the shape the editor writes, so a story saved
back from the editor untouched keeps its HTML. (tests/e2e/test_body_editor.py drives the real
editor with the same samples.)"""

import importlib
from datetime import UTC, datetime

from django.apps import apps as django_apps
from django.test import TestCase
from django.urls import reverse

from articles.models import Article
from articles.sanitize import clean_body, needs_reshaping
from tests.e2e.body_samples import PICTURE, SAMPLES
from tests.factories import make_article, make_user

# What the editor (django-prose-editor with static/admin_extra/body_editor.js, in Chromium)
# wrote back for some of the samples: recorded from tests/e2e/test_body_editor.py's harness.
EDITOR_WROTE = {
    SAMPLES[1]: '<p>Before.</p><figure class="figure"><img src="/media/images/harbour.jpg" '
    'alt="Boats in a harbour"><figcaption class="figure-caption">The harbour at dawn.'
    "</figcaption></figure><p>After.</p>",
    SAMPLES[2]: '<figure class="figure"><img src="/media/images/harbour.jpg" '
    'alt="Boats in a harbour"><figcaption class="figure-caption">Linked <em>picture</em>'
    "</figcaption></figure>",
    SAMPLES[4]: '<figure class="figure"><img src="/media/images/harbour.jpg" '
    'alt="Boats in a harbour"><figcaption class="figure-caption"></figcaption></figure>',
    SAMPLES[5]: '<figure class="wp-block-image"><img src="/media/images/harbour.jpg" '
    'alt="Boats in a harbour"><figcaption class="figure-caption">Spaced caption</figcaption>'
    "</figure>",
    SAMPLES[6]: '<figure class="figure"><img src="/media/images/harbour.jpg" '
    'alt="Boats in a harbour"><figcaption class="figure-caption">Caption</figcaption></figure>'
    "<p>More words.</p>",
    SAMPLES[7]: '<p>The argument.</p><p>A typed sentence.</p><figure class="figure">'
    '<img src="/media/images/harbour.jpg" alt="Boats in a harbour"><figcaption '
    'class="figure-caption">The harbour.</figcaption></figure>',
    SAMPLES[8]: "<p>A typed sentence.</p><p>What the plan means.</p>",
    SAMPLES[9]: "<p>Nothing to see</p>",
    SAMPLES[10]: "<p>Stray caption</p>",
}

# What the old editor stored after "select the picture, press Enter, type".
BROKEN = (
    "<p>The council met to debate the argument.</p>"
    "<figure><img><figcaption>A typed sentence.</figcaption></figure>"
    f"<figure>{PICTURE}<figcaption>The harbour at dawn.</figcaption></figure>"
    "<p>What the plan means.</p>"
)
REPAIRED = (
    "<p>The council met to debate the argument.</p><p>A typed sentence.</p>"
    f"<figure>{PICTURE}<figcaption>The harbour at dawn.</figcaption></figure>"
    "<p>What the plan means.</p>"
)


class PictureRulesTests(TestCase):
    def test_a_picture_without_a_usable_source_is_dropped(self):
        for body in ["<img>", '<img src="">', '<img src="  " alt="x">', '<img src="data:x">']:
            with self.subTest(body=body):
                self.assertEqual(clean_body(f"<p>Words {body} here.</p>"), "<p>Words here.</p>")

    def test_a_figure_without_a_picture_goes_and_its_caption_words_stay_as_a_paragraph(self):
        self.assertEqual(clean_body(BROKEN), REPAIRED)
        self.assertEqual(
            clean_body("<figure><figcaption>Only words</figcaption></figure>"), "<p>Only words</p>"
        )
        self.assertEqual(clean_body("<figure><img></figure><p>Next</p>"), "<p>Next</p>")

    def test_a_caption_lives_only_in_a_figure_with_a_picture(self):
        self.assertEqual(
            clean_body("<p>A</p><figcaption>Stray <em>caption</em></figcaption><p>B</p>"),
            "<p>A</p><p>Stray <em>caption</em></p><p>B</p>",
        )
        # Caption first, surplus pictures and text: one picture, one caption, the rest after.
        second = '<img src="/media/two.jpg" alt="Two">'
        self.assertEqual(
            clean_body(f"<figure><figcaption>Cap</figcaption>{PICTURE}{second}Loose</figure>"),
            f"<figure>{PICTURE}<figcaption>Cap</figcaption></figure>{second}<p>Loose</p>",
        )
        # An empty caption is no caption.
        self.assertEqual(
            clean_body(f"<figure>{PICTURE}<figcaption> </figcaption></figure>"),
            f"<figure>{PICTURE}</figure>",
        )

    def test_a_linked_picture_keeps_its_figure(self):
        self.assertEqual(
            clean_body(
                f'<figure><a href="/big.jpg">{PICTURE}</a><figcaption>C</figcaption></figure>'
            ),
            f"<figure>{PICTURE}<figcaption>C</figcaption></figure>",
        )

    def test_a_stored_body_is_saved_as_the_repaired_body(self):
        article = make_article(body=BROKEN)
        self.assertEqual(Article.objects.get(pk=article.pk).body, REPAIRED)


class RoundTripTests(TestCase):
    def test_sanitised_equals_sanitised_after_the_editor(self):
        for sample, written in EDITOR_WROTE.items():
            with self.subTest(sample=sample):
                self.assertEqual(clean_body(written), clean_body(sample))

    def test_sanitising_is_stable(self):
        for sample in SAMPLES:
            with self.subTest(sample=sample):
                once = clean_body(sample)
                self.assertEqual(clean_body(str(once)), once)

    def test_the_editors_shape(self):
        self.assertEqual(
            clean_body("Loose <b>bold</b>  and <i>italic</i> <em><strong>x</strong></em>"),
            "<p>Loose <strong>bold</strong> and <em>italic</em> <strong><em>x</em></strong></p>",
        )
        self.assertEqual(
            clean_body(f"<p>Before {PICTURE} after</p>"), f"<p>Before</p>{PICTURE}<p>after</p>"
        )
        self.assertEqual(
            clean_body("<ul>\n<li><p>One</p></li>\n<li>Two</li></ul><blockquote>Q</blockquote>"),
            "<ul><li>One</li><li>Two</li></ul><blockquote><p>Q</p></blockquote>",
        )
        self.assertEqual(clean_body("<p>x <code>y</code></p>"), "<p>x y</p>")


FROZEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


class StoredBeforeTheRepairTests(TestCase):
    """Bodies the old editor stored broken are reshaped once, by migration 0013, as a save
    would: readers then get no caption without a picture, and no page checks bodies as it
    is shown."""

    def setUp(self):
        self.article = make_article(body="<p>Placeholder.</p>")
        # As the old editor stored it: straight into the row, past today's sanitiser.
        Article.objects.filter(pk=self.article.pk).update(body=BROKEN)
        self.sound = make_article(body=f"<figure>{PICTURE}<figcaption>Kept.</figcaption></figure>")
        Article.objects.filter(pk=self.sound.pk).update(updated_at=FROZEN)

    def migrate(self):
        migration = importlib.import_module("articles.migrations.0013_reshape_old_story_pictures")
        migration.reshape(django_apps, None)

    def test_the_migration_reshapes_them_and_readers_get_the_repaired_body(self):
        self.migrate()
        self.assertEqual(Article.objects.get(pk=self.article.pk).body, clean_body(BROKEN))
        page = self.client.get(self.article.get_absolute_url()).text
        self.assertIn(REPAIRED, page)
        self.assertNotIn("<img>", page)
        self.assertEqual(page.count("<figcaption>"), page.count("<figure"))
        feed = self.client.get("/feed/").text
        self.assertNotIn("&lt;img&gt;&lt;figcaption&gt;", feed)
        self.assertIn("&lt;p&gt;A typed sentence.&lt;/p&gt;", feed)

    def test_sound_rows_are_left_as_they_are(self):
        before = Article.objects.values("body", "updated_at").get(pk=self.sound.pk)
        self.migrate()
        self.assertEqual(Article.objects.values("body", "updated_at").get(pk=self.sound.pk), before)

    def test_sound_bodies_need_no_reshaping(self):
        for body in ["", "<p>Plain</p>", *(str(clean_body(s)) for s in SAMPLES)]:
            with self.subTest(body=body):
                self.assertFalse(needs_reshaping(body))

    def test_every_broken_shape_is_found_and_reshaped(self):
        for broken in [
            "<figure><img><figcaption>Typed</figcaption></figure>",
            '<figure><img src="" alt="x"></figure>',
            '<p>a <img src="  "> b</p>',
            "<figure><img></figure><figcaption>Typed</figcaption>",
            "<figcaption>Alone</figcaption>",
            "<figure><figcaption>No picture</figcaption></figure>",
            f"<figure>{PICTURE}</figure><p>x</p><figcaption>Stray</figcaption>",
        ]:
            with self.subTest(broken=broken):
                self.assertTrue(needs_reshaping(broken))
                self.assertNotEqual(clean_body(broken), broken)
                self.assertFalse(needs_reshaping(clean_body(broken)))

    def test_the_preview_shows_it_repaired_too(self):
        self.client.force_login(make_user("chief", superuser=True))
        url = reverse("admin:articles_article_preview", args=[self.article.pk])
        page = self.client.get(url).text
        self.assertIn(REPAIRED, page)
