"""The Content-Security-Policy in headless Chromium: every public page type and every admin page
an editor uses load, run and style themselves with no violation of it.

Chromium reports each violation as a ``securitypolicyviolation`` event (collected by a script
the test installs before any page script) and as a "Refused to ..." console error. Every page
must also carry the policy, so the test fails if the header goes missing as well as if a page
breaks it. Public pages are visited with the page cache on, until they come from it.
"""

import io
import re

from django.core.management import call_command
from django.test import override_settings

from articles import workflow
from articles.models import Article, Correction, Image
from authors.models import Author
from tests.e2e import test_browser
from tests.e2e.test_browser import BrowserTestCase
from tests.factories import make_user

pytestmark = test_browser.pytestmark

PASSWORD = "pw-123456789"

# Installed before any script of every page: keeps each violation for the test to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "(inline)"} ` +
    `at ${event.sourceFile || document.URL}:${event.lineNumber} ${event.sample || ""}`.trim()
  );
}, true);
"""


@override_settings(NEWSROOM_PAGE_CACHE=True)
class ContentSecurityPolicyTests(BrowserTestCase):
    def setUp(self):
        call_command("seed_demo", articles=40, stdout=io.StringIO())
        self.editor = make_user("csp-editor", role="Editor")
        self.story = (
            Article.objects.published()
            .filter(hero_image__isnull=False, tags__isnull=False, picks__isnull=False)
            .distinct()
            .first()
        )
        workflow.correct(
            self.story, by=self.editor, kind=Correction.Kind.CORRECTION, text="A name was misspelt."
        )
        self.console = []
        self.documents = []

    # --- Helpers ------------------------------------------------------------------------------

    def new_person(self):
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.addCleanup(context.close)
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.on("console", lambda message: self.console.append(message.text))
        page.on(
            "response",
            lambda response: (
                response.request.resource_type == "document" and self.documents.append(response)
            ),
        )
        return page

    def visit(self, page, path, status=200):
        response = page.goto(self.live_server_url + path)
        self.assertEqual(response.status, status, path)
        page.wait_for_load_state("load")
        return response

    def assert_policy_kept(self, page, where):
        """No violation on this page so far, and every document loaded had the policy."""
        recorded = page.evaluate("window.__cspViolations")
        refused = [text for text in self.console if "Content Security Policy" in text]
        self.assertEqual(recorded, [], where)
        self.assertEqual(refused, [], where)
        for response in self.documents:
            policy = response.headers.get("content-security-policy", "")
            self.assertIn("script-src 'self'", policy, response.url)
            self.assertIn("frame-ancestors 'none'", policy, response.url)
            self.assertNotIn("unsafe-inline", policy, response.url)
            self.assertNotIn("unsafe-eval", policy, response.url)
        self.documents.clear()

    def log_in(self, page, user):
        self.visit(page, "/admin/login/")
        self.assert_policy_kept(page, "login page")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("input[type=submit]")

    # --- Readers ------------------------------------------------------------------------------

    def test_public_pages_keep_the_policy_when_rendered_and_when_cached(self):
        author = self.story.bylines.first().author
        pages = {
            "front": "/",
            "article": self.story.get_absolute_url(),
            "section": self.story.section.get_absolute_url(),
            "tag": f"/tag/{self.story.tags.first().slug}/",
            "author": author.get_absolute_url(),
            "search": "/search/?q=" + self.story.headline.split()[0],
            "corrections": "/corrections/",
        }
        page = self.new_person()
        for name, path in pages.items():
            # The first render starts the page's clocks, the second is stored, the third is a
            # cache hit: the policy must hold on all of them.
            for _ in range(3):
                response = self.visit(page, path)
                self.assert_policy_kept(page, f"{name} {path}")
            self.assertEqual(response.headers.get("x-cache"), "hit", name)
        # The article page really showed its pictures and related stories.
        self.visit(page, self.story.get_absolute_url())
        self.assertGreater(page.locator(".related a").count(), 0)
        self.assertTrue(page.evaluate("document.querySelector('main img').naturalWidth > 0"))
        self.visit(page, "/no/such/page/", status=404)
        self.assert_policy_kept(page, "404 page")
        # The site's stylesheet applied (a blocked stylesheet leaves the default margin).
        self.assertEqual(page.evaluate("getComputedStyle(document.body).margin"), "0px")

    # --- The newsroom ---------------------------------------------------------------------

    def test_an_editor_works_through_the_admin_without_a_violation(self):
        page = self.new_person()
        self.log_in(page, self.editor)
        self.assert_policy_kept(page, "dashboard")
        self.assertIn("/admin/", page.url)

        self.visit(page, "/admin/articles/article/")
        self.assert_policy_kept(page, "article list")

        # A new story, written in the body editor (its import map needs the nonce, the style
        # it injects needs the hash).
        self.visit(page, "/admin/articles/article/add/")
        self.assert_policy_kept(page, "add form")  # a refused import map: no editor below
        editor = page.locator(".field-body [contenteditable=true]")
        editor.wait_for()
        page.fill("#id_headline", "Harbour wall repairs begin")
        editor.click()
        page.keyboard.type("Work on the harbour wall began on Monday.")
        page.keyboard.press("Control+b")
        page.keyboard.type(" In bold.")
        page.select_option("#id_section", index=1)
        # The hero picture through the admin's autocomplete (select2, fetching from the admin).
        page.click(".field-hero_image .select2-selection")
        page.locator(".select2-results li[role=option]:not(.loading-results)").first.click()
        self.assert_policy_kept(page, "add form with the editor")
        with page.expect_navigation():
            page.click("input[name=_continue]")
        self.assert_policy_kept(page, "after saving")
        story = Article.objects.get(headline="Harbour wall repairs begin")
        self.assertIn("<strong>", workflow.latest_data(story)["body"])
        self.assertIsNotNone(workflow.latest_data(story)["hero_image"])
        self.assertIn("/change/", page.url)
        # Tiptap's base CSS (the hashed <style>) applied: the editor keeps white space.
        self.assertEqual(
            page.evaluate("getComputedStyle(document.querySelector('.ProseMirror')).whiteSpace"),
            "break-spaces",
        )

        # Its change form: type more, and a workflow action.
        page.locator(".field-body [contenteditable=true]").click()
        page.keyboard.press("Control+End")
        page.keyboard.type(" More to follow.")
        self.assert_policy_kept(page, "change form with the editor")
        with page.expect_navigation():
            page.get_by_role("button", name="Submit for review").click()
        self.assertIn("submitted", page.locator(".messagelist").inner_text().lower())
        self.assert_policy_kept(page, "after submitting")
        with page.expect_navigation():
            page.get_by_role("button", name="Share a preview link (48 h)").click()
        self.assert_policy_kept(page, "after sharing")
        shared = page.locator(".workflow-links code").first.inner_text()

        self.visit(page, f"/admin/articles/article/{story.pk}/history/")
        self.assert_policy_kept(page, "history")
        self.visit(page, f"/admin/articles/article/{story.pk}/preview/")
        self.assert_policy_kept(page, "preview")
        self.visit(page, re.sub(r"^https?://[^/]+", "", shared))
        self.assert_policy_kept(page, "shared preview link")

        # A published story's form (the workflow panel's publication and correction forms).
        self.visit(page, f"/admin/articles/article/{self.story.pk}/change/")
        page.locator(".field-body [contenteditable=true]").wait_for()
        self.assert_policy_kept(page, "published story's form")

        image = Image.objects.exclude(file="").first()
        self.visit(page, "/admin/articles/image/")
        self.assert_policy_kept(page, "image list")
        self.visit(page, f"/admin/articles/image/{image.pk}/change/")
        self.assert_policy_kept(page, "image form")
        # The focal-point marker is placed by focal.js, not by a style attribute.
        marker = page.locator(".focal-preview__marker")
        self.assertAlmostEqual(
            marker.evaluate("el => parseFloat(el.style.left)"), image.focal_x * 100, places=1
        )

        self.visit(page, "/admin/two-factor/")
        qr = page.locator("img[src^='data:image/svg+xml']")
        self.assertTrue(qr.evaluate("img => img.complete && img.naturalWidth > 0"), "QR code")
        self.assert_policy_kept(page, "two-factor enrolment (QR code)")

        self.visit(page, "/admin/authors/author/")
        self.assert_policy_kept(page, "author list")
        author = Author.objects.exclude(photo="").first()
        self.visit(page, f"/admin/authors/author/{author.pk}/change/")
        self.assert_policy_kept(page, "author (read only)")

        manager = make_user("csp-profiles", role="Profile manager")
        page = self.new_person()
        self.log_in(page, manager)
        self.visit(page, f"/admin/authors/author/{author.pk}/change/")
        self.assert_policy_kept(page, "author form")

    def test_login_lockout_page_keeps_the_policy(self):
        page = self.new_person()
        self.visit(page, "/admin/login/")
        for _ in range(5):  # LOGIN_FAILURE_LIMIT: the fifth failure answers with the lockout
            page.fill("#id_username", self.editor.username)
            page.fill("#id_password", "not-the-password")
            with page.expect_navigation():
                page.click("input[type=submit]")
        self.assertIn("Too many failed sign-ins", page.content())
        self.assertEqual(self.documents[-1].status, 429)
        self.assert_policy_kept(page, "lockout page")
