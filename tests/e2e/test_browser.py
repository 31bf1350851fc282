"""Real pages in headless Chromium: layout on a phone, and the admin's body editor."""

import os
import shutil

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase

from articles.models import Article
from tests.factories import make_article, make_author, make_image, make_section, make_user

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium package"),
]


class BrowserTestCase(StaticLiveServerTestCase):
    @classmethod
    def setUpClass(cls):
        # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
        # the test itself are still synchronous.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def open(self, path, width=1280, height=900):
        page = self.browser.new_page(viewport={"width": width, "height": height})
        self.addCleanup(page.close)
        response = page.goto(self.live_server_url + path)
        self.assertEqual(response.status, 200)
        return page


class ReaderLayoutTests(BrowserTestCase):
    def setUp(self):
        section = make_section("World", slug="world")
        author = make_author(
            "Amira Haddad",
            job_title="Foreign correspondent",
            short_bio="Amira reports from Beirut.",
        )
        image = make_image(alt_text="Boats in a harbour", caption="The harbour at dawn")
        self.story = make_article(
            headline="Ceasefire talks resume in the capital after a week of delays",
            standfirst="Negotiators met for six hours.",
            body="<p>" + "Negotiators met again on Monday. " * 40 + "</p>",
            section=section,
            authors=[author],
            tags=["Diplomacy"],
            hero_image=image,
        )

    def assert_no_horizontal_scroll(self, page, width):
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(scroll_width, width, "the page scrolls sideways")

    def test_front_and_article_fit_a_phone(self):
        for path in ["/", self.story.get_absolute_url(), "/section/world/"]:
            with self.subTest(path=path):
                page = self.open(path, width=390, height=844)
                self.assert_no_horizontal_scroll(page, 390)
        page = self.open(self.story.get_absolute_url(), width=390, height=844)
        hero = page.locator(".story__hero img")
        self.assertTrue(hero.is_visible())
        box = hero.bounding_box()
        self.assertLessEqual(box["width"], 390)
        self.assertGreater(box["height"], 100)  # real image, shown with its aspect ratio
        self.assertTrue(
            page.evaluate("document.querySelector('.story__hero img').naturalWidth > 0")
        )

    def test_on_a_phone_the_current_section_is_in_view_in_the_navigation(self):
        for i, name in enumerate(["Politics", "Business", "Technology", "Science", "Sport"]):
            make_section(name, position=i + 1)
        last = make_section("Weather and climate", slug="weather", position=99)
        make_article(section=last)
        page = self.open("/section/weather/", width=390, height=844)
        current = page.locator('.sections-nav [aria-current="page"]')
        page.wait_for_function("() => document.querySelector('.sections-nav__list').scrollLeft > 0")
        box = current.bounding_box()
        self.assertGreaterEqual(box["x"], 0)
        self.assertLessEqual(box["x"] + box["width"], 390)

    def test_skip_link_is_the_first_tab_stop_and_reaches_the_content(self):
        page = self.open(self.story.get_absolute_url())
        page.keyboard.press("Tab")
        self.assertEqual(
            page.evaluate("document.activeElement.textContent.trim()"), "Skip to content"
        )
        page.keyboard.press("Enter")
        self.assertTrue(page.url.endswith("#main"))


class AdminEditorTests(BrowserTestCase):
    def test_editor_writes_a_story_in_the_rich_text_editor(self):
        make_section("Politics", slug="politics")
        user = make_user("chief", superuser=True)
        page = self.open("/admin/login/?next=/admin/articles/article/add/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "pw-123456789")
        page.click("input[type=submit]")
        editor = page.locator(".field-body [contenteditable=true]")
        editor.wait_for()  # the editor's own JS and CSS, served locally
        page.fill("#id_headline", "Minister resigns over expenses")
        editor.click()
        page.keyboard.type("The minister resigned on Tuesday.")
        page.select_option("#id_section", label="Politics")
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist")
        article = Article.objects.get()
        self.assertEqual(article.headline, "Minister resigns over expenses")
        self.assertEqual(article.body, "<p>The minister resigned on Tuesday.</p>")
