"""Image renditions: named by pages, made on their first request, steered by the focal point."""

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import TestCase
from PIL import Image as PILImage

from articles import renditions
from articles.models import Image
from tests.factories import make_article, make_section


def picture_bytes(size, paint=None):
    img = PILImage.new("RGB", size, (255, 255, 255))
    if paint:
        paint(img)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def fetch(client, url):
    response = client.get(url)
    data = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, data


class RenditionTests(TestCase):
    def setUp(self):
        self.image = Image(alt_text="A field", credit="Agency")
        name = f"field-{uuid.uuid4().hex[:8]}.jpg"  # Renditions of earlier tests never match.
        self.image.file.save(name, ContentFile(picture_bytes((2000, 1000)), name=name), save=False)
        self.image.save()

    def test_pages_name_renditions_without_making_them(self):
        story = make_article(section=make_section("World", slug="world"), hero_image=self.image)
        key = renditions.version_key(self.image)
        folder = f"renditions/{self.image.pk}/{key}"
        response = self.client.get(story.get_absolute_url())
        content = response.content.decode()
        self.assertIn('type="image/webp"', content)
        self.assertIn("srcset=", content)
        self.assertIn(" 640w", content)
        self.assertIn('width="960" height="480"', content)  # no layout shift
        self.assertFalse(default_storage.exists(folder), "a page render made image files")
        self.assertIn('fetchpriority="high"', content)  # the hero is above the fold
        self.assertContains(self.client.get("/section/world/"), 'loading="lazy"')

    def test_first_request_makes_the_file_and_later_ones_reuse_it(self):
        rendition = renditions.Rendition(self.image, "orig", 640, "webp")
        response, data = fetch(self.client, rendition.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/webp")
        self.assertIn("immutable", response["Cache-Control"])
        with PILImage.open(io.BytesIO(data)) as img:
            self.assertEqual((img.format, img.size), ("WEBP", (640, 320)))
        made = default_storage.get_modified_time(rendition.storage_name)
        self.assertEqual(fetch(self.client, rendition.url)[1], data)
        self.assertEqual(default_storage.get_modified_time(rendition.storage_name), made)

    def test_only_listed_sizes_and_current_versions_are_served(self):
        good = renditions.Rendition(self.image, "16x9", 640, "jpg").url
        self.assertEqual(self.client.get(good).status_code, 200)
        for bad in [
            good.replace("-w640", "-w641"),
            good.replace("-w640", "-w4000"),
            good.replace("16x9", "21x9"),
            good.replace(".jpg", ".png"),
            good.replace(".jpg", ".tiff"),
        ]:
            with self.subTest(url=bad):
                self.assertEqual(self.client.get(bad).status_code, 404)

    def test_focal_point_steers_the_crop(self):
        # A red block at the far right of a wide picture: a square crop must keep it.
        def paint(img):
            for x in range(1800, 2000):
                for y in range(400, 600):
                    img.putpixel((x, y), (255, 0, 0))

        self.image.file.save(
            "red.jpg", ContentFile(picture_bytes((2000, 1000), paint), name="red.jpg"), save=False
        )
        self.image.focal_x, self.image.focal_y = 0.95, 0.5
        self.image.save()
        _, data = fetch(self.client, renditions.Rendition(self.image, "1x1", 480, "jpg").url)
        with PILImage.open(io.BytesIO(data)) as img:
            self.assertEqual(img.size, (480, 480))
            r, g, b = img.convert("RGB").getpixel((470, 240))
            self.assertGreater(r, 200)
            self.assertLess(g, 60)
        # Centred, the same crop misses it; the address changes with the focal point.
        old_url = renditions.Rendition(self.image, "1x1", 480, "jpg").url
        self.image.focal_x = 0.5
        self.image.save()
        moved = self.client.get(old_url)  # An old address leads to the current picture.
        self.assertEqual(moved.status_code, 302)
        self.assertEqual(moved["Location"], renditions.Rendition(self.image, "1x1", 480, "jpg").url)
        _, data = fetch(self.client, renditions.Rendition(self.image, "1x1", 480, "jpg").url)
        with PILImage.open(io.BytesIO(data)) as img:
            self.assertGreater(img.convert("RGB").getpixel((470, 240))[1], 200)

    def test_structured_data_crops_are_1200_wide_when_the_source_allows(self):
        crops = renditions.structured_data_crops(self.image)
        self.assertEqual(
            [(c.ratio, c.width) for c in crops], [("16x9", 1200), ("4x3", 1200), ("1x1", 1000)]
        )
