"""Uploads are checked by their content: real images only, within size limits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from PIL import Image as PILImage

from articles.models import Image
from authors.models import Author
from tests.factories import image_bytes, make_user

NOT_IMAGE = "This file is not an image we can read (use JPEG, PNG, WebP or GIF)."
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


class ImageUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", superuser=True)

    def setUp(self):
        self.client.force_login(self.editor)

    def post_image(self, name, data, **fields):
        payload = {"alt_text": "A harbour at dawn", "caption": "", "credit": "Photo desk"} | fields
        payload["file"] = SimpleUploadedFile(name, data, content_type="image/jpeg")
        return self.client.post("/admin/articles/image/add/", payload)

    def assert_refused(self, response, message):
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertEqual(Image.objects.count(), 0)

    def test_real_image_is_stored_with_its_dimensions_and_true_extension(self):
        response = self.post_image("holiday.jpg", image_bytes("PNG", (320, 180)))
        self.assertEqual(response.status_code, 302)
        image = Image.objects.get()
        self.assertEqual((image.width, image.height), (320, 180))
        self.assertTrue(image.file.name.endswith(".png"), image.file.name)
        self.assertEqual(image.uploaded_by, self.editor)

    def test_text_file_with_an_image_extension_is_refused(self):
        self.assert_refused(self.post_image("photo.jpg", b"not an image at all"), NOT_IMAGE)

    def test_svg_with_script_is_refused(self):
        self.assert_refused(self.post_image("logo.svg", SVG), NOT_IMAGE)

    def test_truncated_image_is_refused(self):
        data = image_bytes("JPEG", (400, 300))
        self.assert_refused(
            self.post_image("cut.jpg", data[: len(data) // 2]), "not an image we can read"
        )

    def test_unsupported_format_is_refused(self):
        buffer = io.BytesIO()
        PILImage.new("RGB", (64, 64)).save(buffer, "TIFF")
        self.assert_refused(
            self.post_image("scan.jpg", buffer.getvalue()), "TIFF images are not accepted"
        )

    @override_settings(NEWSROOM_IMAGE_MAX_PIXELS=10_000)
    def test_too_many_pixels_is_refused(self):
        self.assert_refused(
            self.post_image("huge.png", image_bytes("PNG", (200, 200))), "megapixel limit"
        )

    @override_settings(NEWSROOM_IMAGE_MAX_BYTES=1_000)
    def test_too_large_a_file_is_refused(self):
        big = image_bytes("PNG", (300, 300), color=(1, 2, 3)) + b"\0" * 2000
        self.assert_refused(self.post_image("big.png", big), "the limit is")

    @pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
    def test_decompression_bomb_is_refused(self):
        # A tiny file that claims to be enormous: refused before its pixels are decoded.
        buffer = io.BytesIO()
        PILImage.new("1", (12_000, 12_000)).save(buffer, "PNG")
        self.assertLess(len(buffer.getvalue()), 100_000)
        self.assert_refused(self.post_image("bomb.png", buffer.getvalue()), "too large")

    def test_alt_text_and_credit_are_required(self):
        response = self.post_image("ok.png", image_bytes(), alt_text="", credit="")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["adminform"].form.errors), 2)
        self.assertEqual(Image.objects.count(), 0)

    def test_author_photo_is_checked_too(self):
        payload = {"name": "Nia Obi", "slug": "nia-obi", "is_active": "on"}
        payload["photo"] = SimpleUploadedFile(
            "nia.jpg", b"<html>nope</html>", content_type="image/jpeg"
        )
        response = self.client.post("/admin/authors/author/add/", payload)
        self.assertContains(response, NOT_IMAGE)
        self.assertFalse(Author.objects.exists())
        payload["photo"] = SimpleUploadedFile("nia.gif", image_bytes("JPEG", (200, 200)))
        self.assertEqual(self.client.post("/admin/authors/author/add/", payload).status_code, 302)
        author = Author.objects.get()
        self.assertTrue(author.photo.name.endswith(".jpg"))
        self.assertEqual((author.photo_width, author.photo_height), (200, 200))

    def test_focal_point_is_set_after_upload_and_checked(self):
        self.assertEqual(self.post_image("a.png", image_bytes("PNG", (320, 180))).status_code, 302)
        image = Image.objects.get()
        page = self.client.get(f"/admin/articles/image/{image.pk}/change/")
        self.assertContains(page, "Click the picture to set the focal point")
        payload = {"alt_text": "A harbour", "caption": "", "credit": "Desk"}
        bad = self.client.post(
            f"/admin/articles/image/{image.pk}/change/",
            payload | {"focal_x": "1.5", "focal_y": "0.2"},
        )
        self.assertEqual(bad.status_code, 200)
        image.refresh_from_db()
        self.assertEqual((image.focal_x, image.focal_y), (0.5, 0.5))
        good = self.client.post(
            f"/admin/articles/image/{image.pk}/change/",
            payload | {"focal_x": "0.8", "focal_y": "0.2"},
        )
        self.assertEqual(good.status_code, 302)
        image.refresh_from_db()
        self.assertEqual((image.focal_x, image.focal_y), (0.8, 0.2))

    def test_sideways_phone_photo_is_stored_upright(self):
        buffer = io.BytesIO()
        exif = PILImage.Exif()
        exif[0x0112] = 6  # "rotate 90° clockwise to view"
        PILImage.new("RGB", (400, 300), (10, 120, 200)).save(buffer, "JPEG", exif=exif)
        response = self.post_image("portrait.jpg", buffer.getvalue())
        self.assertEqual(response.status_code, 302)
        image = Image.objects.get()
        self.assertEqual((image.width, image.height), (300, 400))
        with image.file.open("rb") as stored, PILImage.open(stored) as img:
            self.assertEqual(img.size, (300, 400))
            self.assertIn(img.getexif().get(0x0112, 1), (0, 1))
