"""Media goes through Django's storage API only, so it can live on S3-compatible storage.

Django's InMemoryStorage has no filesystem path (its ``path()`` raises): any upload, page or
rendition that reached for a local file instead of the storage would fail here.
"""

import io
import json
import os
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from PIL import Image as PILImage

from articles import renditions
from articles.models import Image
from authors.models import Author
from common.storage import MediaStorage
from tests.factories import image_bytes, make_article, make_section, make_user
from tests.test_deploy import PRODUCTION, manage

MISSING_ROOT = Path(tempfile.gettempdir()) / "newsroom-no-media-here"
IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@override_settings(STORAGES=IN_MEMORY, MEDIA_ROOT=MISSING_ROOT, NEWSROOM_PAGE_CACHE=False)
class RemoteStorageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("picture-editor", superuser=True)

    def setUp(self):
        self.assertFalse(MISSING_ROOT.exists())
        self.client.force_login(self.editor)

    def tearDown(self):
        self.assertFalse(MISSING_ROOT.exists(), "something wrote media to the local disk")

    def upload_story_picture(self) -> Image:
        response = self.client.post(
            "/admin/articles/image/add/",
            {
                "alt_text": "Boats in a harbour",
                "credit": "Photo desk",
                "caption": "",
                "file": SimpleUploadedFile("harbour.jpg", image_bytes("JPEG", (1600, 900))),
            },
        )
        self.assertEqual(response.status_code, 302)
        return Image.objects.get()

    def test_uploads_and_renditions_live_in_the_storage(self):
        image = self.upload_story_picture()
        self.assertTrue(default_storage.exists(image.file.name))
        self.assertEqual((image.width, image.height), (1600, 900))
        story = make_article(section=make_section("World", slug="world"), hero_image=image)
        rendition = renditions.Rendition(image, "orig", 640, "webp")

        self.client.logout()
        page = self.client.get(story.get_absolute_url())
        self.assertContains(page, rendition.url)
        self.assertFalse(default_storage.exists(rendition.storage_name))  # Named, not made.

        first = self.client.get(rendition.url)
        self.assertEqual(first.status_code, 200)
        self.assertEqual(first["Content-Type"], "image/webp")
        made = body(first)
        with PILImage.open(io.BytesIO(made)) as img:
            self.assertEqual((img.format, img.size), ("WEBP", (640, 360)))
        with default_storage.open(rendition.storage_name, "rb") as stored:
            self.assertEqual(stored.read(), made)

        again = self.client.get(rendition.url)  # From the storage, not made again.
        self.assertEqual(again.status_code, 200)
        self.assertEqual(body(again), made)
        self.assertIn("immutable", again["Cache-Control"])

    @override_settings(NEWSROOM_MEDIA_REDIRECT=True)
    def test_object_storage_renditions_redirect_to_the_storage_url_once_made(self):
        image = self.upload_story_picture()
        rendition = renditions.Rendition(image, "1x1", 480, "jpg")
        self.assertEqual(self.client.get(rendition.url).status_code, 200)
        again = self.client.get(rendition.url)
        self.assertEqual(again.status_code, 301)
        self.assertEqual(again["Location"], default_storage.url(rendition.storage_name))
        self.assertIn("renditions/", again["Location"])

    def test_author_photo_is_stored_and_shown_from_the_storage(self):
        response = self.client.post(
            "/admin/authors/author/add/",
            {
                "name": "Nia Obi",
                "slug": "nia-obi",
                "is_active": "on",
                "photo": SimpleUploadedFile("nia.png", image_bytes("PNG", (300, 300))),
            },
        )
        self.assertEqual(response.status_code, 302)
        author = Author.objects.get()
        self.assertTrue(default_storage.exists(author.photo.name))
        self.assertEqual((author.photo_width, author.photo_height), (300, 300))
        self.client.logout()
        self.assertContains(self.client.get("/author/nia-obi/"), author.photo.url)


class LocalMediaStorageTests(TestCase):
    def test_a_taken_name_gets_a_new_one_and_no_partial_file_is_left(self):
        with tempfile.TemporaryDirectory() as root:
            storage = MediaStorage(location=root)
            first = storage.save("renditions/1/k/orig-w320.jpg", ContentFile(b"first"))
            second = storage.save("renditions/1/k/orig-w320.jpg", ContentFile(b"second"))
            self.assertEqual(first, "renditions/1/k/orig-w320.jpg")
            self.assertNotEqual(second, first)
            with storage.open(first) as f:
                self.assertEqual(f.read(), b"first")
            folder = Path(root, "renditions/1/k")
            self.assertEqual(sorted(p.name for p in folder.iterdir()), sorted(
                [Path(first).name, Path(second).name]
            ))  # fmt: skip
            self.assertEqual(oct(os.stat(folder / Path(first).name).st_mode & 0o777), "0o644")


class S3SettingsTests(TestCase):
    def test_a_bucket_in_the_environment_puts_media_on_s3_with_public_urls(self):
        code = (
            "import json;from django.core.files.storage import storages;s=storages['default'];"
            "print(json.dumps([type(s).__module__,"
            "s.url('renditions/1/k/orig-w320.jpg'), s.file_overwrite, s.bucket_name]))"
        )
        run = manage(
            "shell",
            "-c",
            code,
            env={
                **PRODUCTION,
                "AWS_STORAGE_BUCKET_NAME": "newsroom-media",
                "AWS_S3_ENDPOINT_URL": "http://minio:9000",
                "AWS_S3_CUSTOM_DOMAIN": "media.example.org",
                "AWS_ACCESS_KEY_ID": "test-key",
                "AWS_SECRET_ACCESS_KEY": "test-secret",
            },
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        module, url, overwrite, bucket = json.loads(run.stdout.strip().splitlines()[-1])
        self.assertEqual(module, "storages.backends.s3")
        self.assertEqual(url, "https://media.example.org/renditions/1/k/orig-w320.jpg")
        self.assertFalse(overwrite)  # Two uploads named photo.jpg never overwrite each other.
        self.assertEqual(bucket, "newsroom-media")
