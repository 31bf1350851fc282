"""Every upload field refuses hostile files with a clear message and keeps nothing.

Both image fields (a story picture in the Image admin, an author's photo) go through the same
checks; for each hostile file the admin form answers 200 with the message, and no row and no
file in MEDIA_ROOT is left behind.
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.utils.html import escape
from PIL import Image as PILImage
from PIL import PngImagePlugin

from articles.models import Image
from authors.models import Author
from tests.factories import image_bytes, make_user

NOT_AN_IMAGE = "This file is not an image we can read (use JPEG, PNG, WebP or GIF)."
MARKUP = "This file holds web page code (HTML or script) as well as a picture"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def encoded(fmt, size=(64, 64), mode="RGB", **options) -> bytes:
    buffer = io.BytesIO()
    PILImage.new(mode, size, 0).save(buffer, fmt, **options)
    return buffer.getvalue()


def png_with_text(key, value) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return encoded("PNG", pnginfo=info)


def noise_png(size) -> bytes:
    """A PNG that does not compress: random pixels."""
    return encoded_from(PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)))


def encoded_from(img) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


JPEG = image_bytes("JPEG", (400, 300))
HOSTILE = {
    "text file named .jpg": ("photo.jpg", b"Just some notes, not a picture.\n", NOT_AN_IMAGE),
    "zero bytes": ("empty.jpg", b"", "This file is empty (0 bytes)"),
    "SVG with script": ("logo.svg", SVG, NOT_AN_IMAGE),
    "SVG with script named .png": ("logo.png", SVG, NOT_AN_IMAGE),
    "HTML page named .gif": ("page.gif", b"<!DOCTYPE html><script>alert(1)</script>", NOT_AN_IMAGE),
    "truncated JPEG": ("cut.jpg", JPEG[: len(JPEG) // 2], NOT_AN_IMAGE),
    "GIF header then script (GIFAR-style)": (
        "x.gif",
        b"GIF89a/*\x10\x00\x10\x00*/=1;alert(document.domain)//" + b"\x00" * 64,
        NOT_AN_IMAGE,
    ),
    "GIF with HTML after the image": (
        "anim.gif",
        encoded("GIF", mode="P") + b"<html><script>alert(1)</script></html>",
        MARKUP,
    ),
    "PNG with HTML after IEND": (
        "chart.png",
        encoded("PNG") + b'<img src=x onerror="alert(1)">',
        MARKUP,
    ),
    "JPEG with script in its comment": (
        "photo.jpg",
        encoded("JPEG", comment=b"<script>alert(1)</script>"),
        MARKUP,
    ),
    "PNG with a javascript: URL in a text chunk": (
        "chart.png",
        png_with_text("Comment", '<a href="JaVaScRiPt:alert(1)">x</a>'),
        MARKUP,
    ),
    "TIFF named .jpg": ("scan.jpg", encoded("TIFF"), "TIFF images are not accepted"),
    "a 1-pixel tracking image": ("dot.gif", encoded("GIF", (1, 1), mode="P"), "too small"),
    "huge dimensions, few pixels": (
        "strip.png",
        encoded("PNG", (30_000, 16), mode="1"),
        "30000 × 16 pixels; no side may be longer than 20000 pixels",
    ),
    "decompression bomb": (
        "bomb.png",
        encoded("PNG", (15_000, 15_000), mode="1"),
        "too large to process",
    ),
}


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
class UploadRefusalTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("upload-editor", superuser=True)

    def setUp(self):
        self.client.force_login(self.editor)

    def post_story_image(self, name, data):
        return self.client.post(
            "/admin/articles/image/add/",
            {
                "alt_text": "A harbour",
                "caption": "",
                "credit": "Desk",
                "file": SimpleUploadedFile(name, data, content_type="image/jpeg"),
            },
        )

    def post_author_photo(self, name, data):
        return self.client.post(
            "/admin/authors/author/add/",
            {
                "name": "Nia Obi",
                "slug": "nia-obi",
                "is_active": "on",
                "photo": SimpleUploadedFile(name, data, content_type="image/jpeg"),
            },
        )

    def fields(self):
        return [
            ("story image", self.post_story_image, Image, "file"),
            ("author photo", self.post_author_photo, Author, "photo"),
        ]

    def assert_refused(self, label, post, model, field, name, data, message):
        before = media_files()
        response = post(name, data)
        saved = list(model.objects.all())
        model.objects.all().delete()  # So one case let through does not fail the next ones.
        self.assertEqual(saved, [], label)
        self.assertEqual(response.status_code, 200, label)
        form = response.context["adminform"].form
        self.assertEqual(list(form.errors), [field], label)
        self.assertIn(message, " ".join(form.errors[field]), label)
        self.assertContains(response, escape(message))
        self.assertEqual(media_files(), before, label)

    def test_every_field_refuses_every_hostile_file(self):
        for label, post, model, field in self.fields():
            for case, (name, data, message) in HOSTILE.items():
                with self.subTest(field=label, case=case):
                    self.assert_refused(label, post, model, field, name, data, message)

    @override_settings(NEWSROOM_IMAGE_MAX_BYTES=1024 * 1024)
    def test_every_field_refuses_a_file_over_the_size_limit(self):
        big = noise_png((700, 700))
        self.assertGreater(len(big), 1024 * 1024)
        for label, post, model, field in self.fields():
            with self.subTest(field=label):
                self.assert_refused(
                    label, post, model, field, "big.png", big, "MB; the limit is 1 MB."
                )

    def test_a_picture_with_the_wrong_extension_is_kept_under_its_true_one(self):
        # Decided: a real picture is accepted by its content, and stored with the extension of
        # what it is (the web server then sends the right type); the client's name is cleaned.
        png = image_bytes("PNG", (320, 180))
        self.assertEqual(self.post_story_image("holiday.php.gif", png).status_code, 302)
        self.assertEqual(self.post_author_photo("nia.php.gif", png).status_code, 302)
        for stored in [Image.objects.get().file, Author.objects.get().photo]:
            with self.subTest(stored=stored.name):
                self.assertRegex(stored.name, r"/[a-z]+-php(_\w+)?\.png$")
                served = self.client.get(stored.url)
                self.assertEqual(served["Content-Type"], "image/png")
                self.assertEqual(served["X-Content-Type-Options"], "nosniff")
                self.assertTrue(b"".join(served.streaming_content))  # Read and closed.
