"""The editorial path walked in headless Chromium, as the people who use it do it.

A contributor writes a story and submits it; an editor sends it back with a note; the contributor
fixes it and submits again; the editor approves and schedules it; when the time comes a reader
finds it on the front page; the editor corrects it and the reader sees the correction.

Screenshots of the key steps go to /tmp/e2e-shots/ (outside the repository) for a human to look at.
"""

import os
from datetime import timedelta
from importlib import import_module

import time_machine
from django.apps import apps
from django.utils import timezone

from articles import workflow
from articles.models import Article, Correction
from tests.e2e import test_browser
from tests.e2e.test_browser import BrowserTestCase
from tests.factories import make_section, make_user

pytestmark = test_browser.pytestmark

roles = import_module("articles.migrations.0002_roles")

SHOTS = "/tmp/e2e-shots"
PASSWORD = "pw-123456789"

HEADLINE = "Council approves cycle lanes for the high street"
FIRST_BODY = "The council voted on Tuesday to build cycle lanes."
NOTE = "Give the vote count and say when the building work starts."
FIXED_BODY = "The council voted 7 to 4 on Tuesday to build cycle lanes. Work starts in March."
CORRECTION = "An earlier version said the vote was 7 to 4. It was 8 to 3."


class EditorialPathTests(BrowserTestCase):
    def setUp(self):
        # The roles are groups made by a data migration; a live-server test run before this one
        # empties every table when it ends, so make them again (the migration's own function).
        roles.create_roles(apps, None)
        make_section("Sport", slug="sport")
        self.local = make_section("Local", slug="local")
        self.contributor = make_user("casey", role="Contributor")
        self.editor = make_user("edith", role="Editor")
        os.makedirs(SHOTS, exist_ok=True)

    # --- Helpers: what a person does in the browser ---------------------------------------

    def new_person(self):
        """A separate browser (cookies and all) for one person."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.addCleanup(context.close)
        return context.new_page()

    def log_in(self, page, user):
        response = page.goto(self.live_server_url + "/admin/login/")
        self.assertEqual(response.status, 200)
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        self.click_and_load(page, page.locator("input[type=submit]"))
        self.assertIn("The desk", page.locator("#content").inner_text(), "not logged in")

    def click_and_load(self, page, locator):
        """Click something that loads a new page (a link, a form's button) and wait for it."""
        with page.expect_navigation():
            locator.click()
        self.assertNotIn("Forbidden", page.title())
        self.assertNotIn("Not allowed", page.title())  # The admin's own 403 page.

    def button(self, page, name):
        return page.get_by_role("button", name=name, exact=True)

    def messages(self, page):
        notes = page.locator(".messagelist li")
        return " ".join(notes.all_inner_texts())

    def panel(self, page):
        return page.locator(".workflow-panel").inner_text()

    def shot(self, page, name):
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)

    def open_from_desk(self, page, panel_title):
        """From the admin index, open the story listed under ``panel_title``."""
        page.goto(self.live_server_url + "/admin/")
        module = page.locator(
            ".newsroom-dashboard .module", has=page.locator(f"h3:text-is('{panel_title}')")
        )
        self.click_and_load(page, module.get_by_role("link", name=HEADLINE))

    def story(self):
        return Article.objects.get(headline=HEADLINE)

    # --- The path ---------------------------------------------------------------------------

    def test_a_story_goes_from_contributor_to_reader_and_gets_a_correction(self):
        # 1. The contributor writes a story and submits it for review.
        casey = self.new_person()
        self.log_in(casey, self.contributor)
        self.click_and_load(casey, casey.locator("a[href='/admin/articles/article/add/']").first)
        editor_box = casey.locator(".field-body [contenteditable=true]")
        editor_box.wait_for()
        casey.fill("#id_headline", HEADLINE)
        editor_box.click()
        casey.keyboard.type(FIRST_BODY)
        casey.select_option("#id_section", label="Local")
        self.click_and_load(casey, casey.locator("input[name=_save]"))
        self.assertIn("was added successfully", self.messages(casey))
        story = self.story()
        self.assertEqual(story.body, f"<p>{FIRST_BODY}</p>")
        self.assertEqual(story.section, self.local)
        self.assertEqual(story.created_by, self.contributor)
        self.assertEqual(story.stage, Article.Stage.DRAFT)
        self.assertEqual(story.status, Article.Status.NOT_PUBLISHED)

        # The saved story is in the list; she opens it and finds her own workflow buttons only.
        self.click_and_load(casey, casey.locator("#result_list").get_by_role("link", name=HEADLINE))
        self.assertIn("Stage: Draft", self.panel(casey))
        self.assertIn("Publication: Not published", self.panel(casey))
        for editors_only in ["Approve", "Publish now", "Schedule", "Send back"]:
            self.assertEqual(self.button(casey, editors_only).count(), 0, editors_only)
        self.shot(casey, "01-contributor-draft")
        self.click_and_load(casey, self.button(casey, "Submit for review"))
        self.assertIn(f"“{HEADLINE}” was submitted for review.", self.messages(casey))
        self.assertIn("Stage: In review", self.panel(casey))
        self.assertEqual(self.button(casey, "Submit for review").count(), 0)
        self.assertEqual(self.story().stage, Article.Stage.IN_REVIEW)

        # 2. The editor finds it awaiting review, and sends it back with a note.
        edith = self.new_person()
        self.log_in(edith, self.editor)
        self.open_from_desk(edith, "Awaiting review")
        self.assertIn("Stage: In review", self.panel(edith))
        self.assertIn(FIRST_BODY, edith.locator(".field-body [contenteditable=true]").inner_text())
        edith.fill("#send-back-note", NOTE)
        self.shot(edith, "02-editor-review")
        self.click_and_load(edith, self.button(edith, "Send back"))
        self.assertIn(f"“{HEADLINE}” was sent back.", self.messages(edith))
        self.assertIn("Stage: Sent back", self.panel(edith))
        self.assertEqual(self.story().stage, Article.Stage.SENT_BACK)

        # 3. The contributor sees it was sent back, reads why, fixes it and submits it again.
        self.click_and_load(
            casey, casey.locator(".breadcrumbs").get_by_role("link", name="Articles")
        )
        row = casey.locator("#result_list tr", has_text=HEADLINE)
        self.assertIn("Sent back", row.inner_text())
        self.click_and_load(casey, row.get_by_role("link", name=HEADLINE))
        self.assertIn("Stage: Sent back", self.panel(casey))
        self.shot(casey, "03-contributor-sent-back")
        self.click_and_load(casey, casey.get_by_role("link", name="History"))
        self.assertIn(NOTE, casey.locator("#content").inner_text())
        self.click_and_load(casey, casey.locator(".breadcrumbs").get_by_role("link", name=HEADLINE))
        editor_box = casey.locator(".field-body [contenteditable=true]")
        editor_box.wait_for()
        editor_box.click()
        casey.keyboard.press("ControlOrMeta+a")
        casey.keyboard.type(FIXED_BODY)
        casey.fill("#id_change_note", "Vote count and start date")
        self.click_and_load(casey, casey.locator("input[name=_continue]"))
        self.assertIn("was changed successfully", self.messages(casey))
        self.assertEqual(self.story().body, f"<p>{FIXED_BODY}</p>")
        self.assertIn("Stage: Sent back", self.panel(casey))
        self.click_and_load(casey, self.button(casey, "Submit for review"))
        self.assertIn(f"“{HEADLINE}” was submitted for review.", self.messages(casey))
        self.assertIn("Stage: In review", self.panel(casey))
        self.assertEqual(self.story().stage, Article.Stage.IN_REVIEW)

        # 4. The editor approves it and schedules it ten minutes ahead, newsroom time.
        self.open_from_desk(edith, "Awaiting review")
        self.assertIn("Stage: In review", self.panel(edith))
        self.assertIn(FIXED_BODY, edith.locator(".field-body [contenteditable=true]").inner_text())
        self.click_and_load(edith, self.button(edith, "Approve"))
        self.assertIn(f"“{HEADLINE}” was approved.", self.messages(edith))
        self.assertIn("Stage: Approved", self.panel(edith))
        self.assertEqual(self.story().stage, Article.Stage.APPROVED)
        when = timezone.localtime(timezone.now() + timedelta(minutes=10)).replace(
            second=0, microsecond=0
        )
        self.assertEqual(str(when.tzinfo), "Europe/London")
        edith.fill("#publish-at", when.strftime("%Y-%m-%dT%H:%M"))
        self.shot(edith, "04-editor-approved-scheduling")
        self.click_and_load(edith, self.button(edith, "Schedule"))
        self.assertIn(
            f"“{HEADLINE}” is scheduled for {when.day} {when:%b %Y, %H:%M} {when.tzname()}.",
            self.messages(edith),
        )
        self.assertIn("Publication: Scheduled", self.panel(edith))
        self.assertIn("Scheduled for", self.panel(edith))
        self.assertEqual(self.button(edith, "Cancel schedule").count(), 1)
        self.shot(edith, "05-editor-scheduled")
        story = self.story()
        self.assertEqual(story.status, Article.Status.SCHEDULED)
        self.assertEqual(story.published_at, when)
        self.assertFalse(Article.objects.published().filter(pk=story.pk).exists())

        # Before the time, a reader cannot find it.
        reader = self.new_person()
        response = reader.goto(self.live_server_url + "/")
        self.assertEqual(response.status, 200)
        self.assertNotIn(HEADLINE, reader.locator("main").inner_text())
        response = reader.goto(self.live_server_url + story.get_absolute_url())
        self.assertEqual(response.status, 404)

        # 5. The clock passes the scheduled time (for the live server thread too).
        with time_machine.travel(when + timedelta(minutes=1), tick=True):
            response = reader.goto(self.live_server_url + "/")
            self.assertEqual(response.status, 200)
            self.assertIn(HEADLINE, reader.locator("main").inner_text())
            self.click_and_load(
                reader, reader.locator("main").get_by_role("link", name=HEADLINE).first
            )
            self.assertEqual(reader.url, self.live_server_url + story.get_absolute_url())
            self.assertIn(HEADLINE, reader.locator("h1").inner_text())
            self.assertIn(FIXED_BODY, reader.locator("main").inner_text())
            self.assertNotIn(FIRST_BODY, reader.locator("main").inner_text())
            self.shot(reader, "06-reader-story")
            # Visible by the clock before the worker has recorded it...
            story = self.story()
            self.assertEqual(story.status, Article.Status.SCHEDULED)
            self.assertTrue(Article.objects.published().filter(pk=story.pk).exists())
            # ...and recorded as published when it runs.
            self.assertEqual(workflow.publish_due(), [story.pk])
            self.assertEqual(self.story().status, Article.Status.PUBLISHED)

            # 6. The editor adds a correction; the reader sees it on the story and in the list.
            edith.reload()
            self.assertIn("Publication: Published", self.panel(edith))
            self.assertEqual(edith.get_by_role("link", name="View on site").count(), 1)
            edith.locator(".workflow-correction summary").click()
            edith.select_option("#correction-kind", label="Correction")
            edith.fill("#correction-text", CORRECTION)
            self.shot(edith, "07-editor-correction")
            self.click_and_load(edith, self.button(edith, "Publish correction"))
            self.assertIn(f"Correction added to “{HEADLINE}”.", self.messages(edith))
            self.shot(edith, "08-editor-corrected")

            reader.reload()
            corrections = reader.locator(".corrections")
            self.assertIn("Correction", corrections.inner_text())
            self.assertIn(CORRECTION, corrections.inner_text())
            self.shot(reader, "09-reader-correction")
            response = reader.goto(self.live_server_url + "/corrections/")
            self.assertEqual(response.status, 200)
            listing = reader.locator("main").inner_text()
            self.assertIn(HEADLINE, listing)
            self.assertIn(CORRECTION, listing)

        story = self.story()
        self.assertEqual(story.status, Article.Status.PUBLISHED)
        self.assertEqual(story.stage, Article.Stage.APPROVED)
        self.assertEqual(story.body, f"<p>{FIXED_BODY}</p>")
        self.assertEqual(story.published_at, when)
        correction = Correction.objects.get()
        self.assertEqual(
            (correction.article, correction.kind, correction.text, correction.created_by),
            (story, Correction.Kind.CORRECTION, CORRECTION, self.editor),
        )
