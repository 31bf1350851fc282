"""The front page on a phone: only the lead and the top stories carry a large picture; the
section blocks' cards are compact (a thumbnail beside the headline), so the page is not a
column of full-width pictures. On a laptop the same cards keep their grid pictures."""

from datetime import timedelta

from django.utils import timezone

from tests.e2e.test_accessibility import AXE_JS, AXE_TAGS
from tests.e2e.test_browser import BrowserTestCase, pytestmark  # noqa: F401
from tests.factories import make_article, make_image, make_section

THUMBS = ".section-block .card--thumb"


class FrontPagePhoneTests(BrowserTestCase):
    def setUp(self):
        now = timezone.now()
        image = make_image(alt_text="A harbour", caption="The harbour")
        n = 0
        for s, name in enumerate(["World", "Politics", "Business"]):
            section = make_section(name, slug=name.lower(), position=s)
            for _ in range(8):  # The top's stories come first, then each block's four.
                n += 1
                make_article(
                    headline=f"{name} story {n} with a headline of a usual length",
                    standfirst="A standfirst that the compact card leaves out on a phone.",
                    section=section,
                    hero_image=image,
                    is_lead=n == 1,
                    published_at=now - timedelta(minutes=n),
                )

    def test_on_a_phone_only_the_lead_and_top_stories_are_large(self):
        page = self.open("/", width=390, height=844)
        self.assertGreater(
            page.locator(".card--lead .card__media img").bounding_box()["width"], 300
        )
        for card in page.locator(".front-top__secondary .card").all():
            self.assertGreater(card.locator(".card__media img").bounding_box()["width"], 300)
        thumbs = page.locator(THUMBS).all()
        self.assertGreaterEqual(len(thumbs), 8)
        for card in thumbs:
            card.scroll_into_view_if_needed()
            picture = card.locator(".card__media img").bounding_box()
            headline = card.locator(".card__headline").bounding_box()
            self.assertLessEqual(picture["width"], 110)
            # Beside the headline, not above it.
            self.assertLess(picture["y"], headline["y"] + headline["height"])
            self.assertGreaterEqual(picture["x"], headline["x"] + headline["width"])
            self.assertFalse(card.locator(".card__standfirst").is_visible())
            self.assertLess(card.bounding_box()["height"], 160)
        # A thumbnail fetches a small file (the 320 px rendition), not a phone-wide one.
        img = page.locator(f"{THUMBS} .card__media img").first
        img.scroll_into_view_if_needed()
        page.wait_for_function(
            "sel => document.querySelector(sel).complete && "
            "document.querySelector(sel).naturalWidth > 0",
            arg=f"{THUMBS} .card__media img",
        )
        self.assertLessEqual(img.evaluate("i => i.naturalWidth"), 320)
        # It keeps its width and height attributes (no layout shift while it loads).
        self.assertTrue(img.get_attribute("width") and img.get_attribute("height"))
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 390)

    def test_on_a_laptop_the_blocks_keep_their_pictures(self):
        page = self.open("/", width=1366, height=900)
        for card in page.locator(THUMBS).all()[:4]:
            picture = card.locator(".card__media img").bounding_box()
            headline = card.locator(".card__headline").bounding_box()
            self.assertGreater(picture["width"], 200)
            self.assertLess(picture["y"] + picture["height"], headline["y"] + 1)
            self.assertTrue(card.locator(".card__standfirst").is_visible())

    def test_the_compact_cards_pass_axe_on_a_phone(self):
        if not AXE_JS.exists():
            self.skipTest("needs `npm ci` (axe-core)")
        page = self.browser.new_page(viewport={"width": 390, "height": 844}, bypass_csp=True)
        self.addCleanup(page.close)
        page.goto(self.live_server_url + "/")
        page.add_script_tag(content=AXE_JS.read_text())
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        problems = [f"{v['id']}: {v['nodes'][0]['target']}" for v in result["violations"]]
        self.assertEqual(problems, [])
