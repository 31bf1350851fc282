"""No lost work, in headless Chromium: the seams where edits used to vanish.

- Edits, then a workflow button: the edits are saved and the action is done.
- Leaving the page with unsaved changes asks first (beforeunload); Save does not.
- The form is autosaved; the tab is closed; reopening the story offers the text back.
- The "someone has this story open" notice shows the person's name and goes away when their
  tab closes (the heartbeat tells the page), without a reload.

Screenshots go to /tmp/e2e-shots/ (outside the repository).
"""

import os
from datetime import timedelta
from unittest import mock

from django.apps import apps

from articles import workflow
from articles.models import Article, Autosave, EditLock
from tests.e2e import test_browser
from tests.e2e.test_browser import BrowserTestCase
from tests.e2e.test_workflow_path import PASSWORD, SHOTS, roles
from tests.factories import make_section, make_user

pytestmark = test_browser.pytestmark

HEADLINE = "Bus fares frozen for another year"


class NoLostWorkTests(BrowserTestCase):
    def setUp(self):
        roles.create_roles(apps, None)
        self.section = make_section("Local", slug="local")
        self.editor = make_user("edith", role="Editor")
        self.editor.first_name, self.editor.last_name = "Edith", "Okafor"
        self.editor.save()
        self.other = make_user("olga", role="Editor")
        self.story = workflow.create(
            {
                "headline": HEADLINE,
                "body": "<p>The council agreed on Monday.</p>",
                "section": self.section.pk,
                "tags": [],
                "bylines": [],
                "related": [],
            },
            by=self.editor,
        )
        os.makedirs(SHOTS, exist_ok=True)

    # --- Helpers -----------------------------------------------------------------------

    def new_person(self, user):
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.addCleanup(context.close)
        page = context.new_page()
        page.goto(self.live_server_url + "/admin/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("input[type=submit]").click()
        self.dialogs = []
        return page

    def watch_dialogs(self, page, accept):
        """Record every dialog (a beforeunload prompt is one) and answer it."""

        def answer(dialog):
            self.dialogs.append(dialog.type)
            dialog.accept() if accept else dialog.dismiss()

        page.on("dialog", answer)

    def open_story(self, page):
        page.goto(f"{self.live_server_url}/admin/articles/article/{self.story.pk}/change/")
        page.locator(".field-body [contenteditable=true]").wait_for()

    def type_body(self, page, text):
        box = page.locator(".field-body [contenteditable=true]")
        box.click()
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(text)

    def messages(self, page):
        return " ".join(page.locator(".messagelist li").all_inner_texts())

    def fresh(self):
        self.story.refresh_from_db()
        return self.story

    # --- The seams ---------------------------------------------------------------------

    def test_edits_then_a_workflow_button_saves_the_edits_and_does_the_action(self):
        page = self.new_person(self.editor)
        self.watch_dialogs(page, accept=False)
        self.open_story(page)
        page.fill("#id_headline", "Bus fares frozen until 2028")
        self.type_body(page, "The council agreed on Monday night, by nine votes to two.")
        with page.expect_navigation():
            page.get_by_role("button", name="Submit for review", exact=True).click()
        self.assertEqual(self.dialogs, [])  # A button that saves does not ask to leave.
        self.assertIn("Your changes were saved as revision 2.", self.messages(page))
        self.assertIn("was submitted for review", self.messages(page))
        page.screenshot(path=os.path.join(SHOTS, "no-lost-work-1-button-saved.png"))
        story = self.fresh()
        self.assertEqual(story.stage, Article.Stage.IN_REVIEW)
        self.assertEqual(story.headline, "Bus fares frozen until 2028")
        self.assertEqual(
            story.body, "<p>The council agreed on Monday night, by nine votes to two.</p>"
        )
        self.assertEqual(page.input_value("#id_headline"), "Bus fares frozen until 2028")

        # Enter in a field of the story still means Save, never a workflow button.
        page.fill("#id_headline", "Bus fares frozen until 2029")
        with page.expect_navigation():
            page.press("#id_headline", "Enter")
        self.assertIn("was changed successfully", self.messages(page))
        story = self.fresh()
        self.assertEqual(story.headline, "Bus fares frozen until 2029")
        self.assertEqual(story.stage, Article.Stage.IN_REVIEW)  # Nothing else was pressed.

    def test_leaving_with_unsaved_changes_asks_first(self):
        page = self.new_person(self.editor)
        self.watch_dialogs(page, accept=False)
        self.open_story(page)
        page.fill("#id_headline", "Bus fares frozen, unsaved")
        page.get_by_role("link", name="History").click()
        page.wait_for_timeout(500)
        self.assertEqual(self.dialogs, ["beforeunload"])
        # Stayed: the text is still there.
        self.assertIn("/change/", page.url)
        self.assertEqual(page.input_value("#id_headline"), "Bus fares frozen, unsaved")

        # Unchanged, the page goes without a question; saved, too.
        page.fill("#id_headline", HEADLINE)
        with page.expect_navigation():
            page.get_by_role("link", name="History").click()
        self.assertEqual(self.dialogs, ["beforeunload"])
        self.open_story(page)
        page.fill("#id_headline", "Bus fares frozen, saved")
        with page.expect_navigation():
            page.locator("input[name=_continue]").click()
        self.assertEqual(self.dialogs, ["beforeunload"])
        self.assertEqual(self.fresh().headline, "Bus fares frozen, saved")

    def test_an_autosaved_form_is_offered_back_after_the_tab_closed(self):
        page = self.new_person(self.editor)
        self.open_story(page)
        page.fill("#id_headline", "Bus fares frozen: what it means for you")
        self.type_body(page, "Typed, never saved, then the browser crashed.")
        status = page.locator("#autosave-status")
        status.filter(has_text="Unsaved changes kept for you").wait_for(timeout=15000)
        page.close()  # No beforeunload: a crash or a closed tab.
        kept = Autosave.objects.get(user=self.editor, article=self.story)
        self.assertEqual(kept.data["headline"], ["Bus fares frozen: what it means for you"])
        self.assertEqual(self.fresh().headline, HEADLINE)  # Nothing saved, no revision.
        self.assertEqual(self.fresh().revisions.count(), 1)

        page = self.new_person(self.editor)
        self.watch_dialogs(page, accept=True)
        self.open_story(page)
        offer = page.locator(".autosave-offer")
        self.assertIn("You have unsaved changes to this story", offer.inner_text())
        page.screenshot(path=os.path.join(SHOTS, "no-lost-work-2-restore-offer.png"))
        with page.expect_navigation():
            offer.get_by_role("link", name="Restore my changes").click()
        page.locator(".field-body [contenteditable=true]").wait_for()
        self.assertEqual(
            page.input_value("#id_headline"), "Bus fares frozen: what it means for you"
        )
        self.assertIn(
            "Typed, never saved, then the browser crashed.",
            page.locator(".field-body [contenteditable=true]").inner_text(),
        )
        page.screenshot(path=os.path.join(SHOTS, "no-lost-work-3-restored.png"))
        with page.expect_navigation():
            page.locator("input[name=_continue]").click()
        self.assertIn("was changed successfully", self.messages(page))
        self.assertEqual(self.fresh().headline, "Bus fares frozen: what it means for you")
        self.assertFalse(Autosave.objects.exists())
        self.assertEqual(page.locator(".autosave-offer").count(), 0)

    def test_the_lock_notice_names_the_person_and_goes_when_their_tab_closes(self):
        with mock.patch.object(EditLock, "HEARTBEAT", timedelta(seconds=1)):
            edith = self.new_person(self.editor)
            self.open_story(edith)
            olga = self.new_person(self.other)
            self.open_story(olga)
            notice = olga.locator(".workflow-lock")
            self.assertTrue(notice.is_visible())
            self.assertIn("Edith Okafor has this story open", " ".join(notice.inner_text().split()))
            olga.screenshot(path=os.path.join(SHOTS, "no-lost-work-4-lock-notice.png"))
            # Edith saves while Olga has the page open: Olga is told before she types more.
            edith.fill("#id_headline", "Bus fares frozen for two more years")
            with edith.expect_navigation():
                edith.locator("input[name=_continue]").click()
            stale = olga.locator("[data-stale-notice]")
            stale.wait_for(state="visible", timeout=10000)
            self.assertIn(
                "Edith Okafor saved a newer version (revision 2)",
                " ".join(stale.inner_text().split()),
            )
            olga.screenshot(path=os.path.join(SHOTS, "no-lost-work-5-newer-version.png"))
            edith.close(run_before_unload=True)  # pagehide: the release is sent.
            notice.wait_for(state="hidden", timeout=10000)
            lock = EditLock.objects.get(article=self.story)
            self.assertEqual(lock.user, self.other)  # Olga's heartbeat took it.
