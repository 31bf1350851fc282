"""The admin story list at a laptop's width (1366 px, with the admin's navigation and the
filters open): the headline gets the room, not a 100 px column of five or six lines."""

from django.utils import timezone

from tests.e2e.test_browser import BrowserTestCase, pytestmark  # noqa: F401
from tests.factories import make_article, make_author, make_section, make_user

LONG = "Rain chaos at Belgian Grand Prix as Fatou Adebayo claims first win of the season"


class StoryListWidthTests(BrowserTestCase):
    def setUp(self):
        section = make_section("Technology", slug="technology")
        authors = [make_author("Siobhan O'Connell"), make_author("Aisha Bello")]
        for i in range(5):
            make_article(
                headline=f"{LONG} ({i})",
                section=section,
                authors=authors,
                published_at=timezone.now() - timezone.timedelta(hours=i + 1),
            )
        make_user("chief", superuser=True)

    def test_the_headline_gets_the_room_at_1366_px(self):
        page = self.browser.new_page(viewport={"width": 1366, "height": 768})
        self.addCleanup(page.close)
        page.goto(self.live_server_url + "/admin/login/")
        page.fill("#id_username", "chief")
        page.fill("#id_password", "pw-123456789")
        with page.expect_navigation():
            page.click("input[type=submit]")
        page.goto(self.live_server_url + "/admin/articles/article/")
        self.assertEqual(page.locator("#nav-sidebar").is_visible(), True)
        self.assertTrue(page.locator("#changelist-filter").is_visible())
        headline = page.locator(".story-list__headline").first
        box = page.locator("#result_list td.field-story").first.bounding_box()
        self.assertGreaterEqual(box["width"], 380, "the headline's column is narrow")
        line = float(headline.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)"))
        lines = headline.evaluate("a => a.getClientRects().length")
        self.assertLessEqual(lines, 2, f"a headline takes {lines} lines ({line} px each)")
        # Section and bylines are under the headline; the time is the site's.
        cell = page.locator("#result_list td.field-story").first.inner_text()
        self.assertIn("Technology · Siobhan O'Connell, Aisha Bello", cell)
        self.assertRegex(
            page.locator("#result_list td.field-published").first.inner_text(),
            r"^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} (GMT|BST)$",
        )
        # Nothing runs off the side: no horizontal scroll in the list.
        overflow = page.evaluate(
            "() => { const r = document.querySelector('.results');"
            " return r.scrollWidth - r.clientWidth; }"
        )
        self.assertLessEqual(overflow, 0)
