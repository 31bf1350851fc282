"""No lost work at the seams of the story form: workflow buttons save the edits on screen
first, the open form is autosaved privately and offered back, and the soft lock lives as long
as the page (heartbeat, release on close, lapse after two minutes).

The browser side (beforeunload, the timers, sendBeacon) is in tests/e2e/test_no_lost_work.py.
"""

from datetime import timedelta

import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from articles import workflow
from articles.models import Article, Autosave, EditLock, PreviewLink
from tests.articles.test_editorial import (
    ADMIN,
    EditorialTestCase,
    change_url,
    form_data,
    lock_notice,
    messages_of,
)
from tests.factories import make_user


def autosave_url(article=None):
    return f"{ADMIN}{article.pk}/autosave/" if article else f"{ADMIN}autosave/"


def lock_url(article, release=False):
    return f"{ADMIN}{article.pk}/lock/" + ("release/" if release else "")


def shown(response, value):
    return f'value="{value}"' in response.content.decode()


class WorkflowButtonSavesFirstTests(EditorialTestCase):
    """Every workflow button on the story form saves the edits on screen, then acts."""

    def setUp(self):
        self.article = self.create_story(headline="Ferry strike called off")
        self.client.force_login(self.editor)

    def press(self, client, action, page=None, **changes):
        page = page or client.get(change_url(self.article))
        return client.post(change_url(self.article), form_data(page, _workflow=action, **changes))

    def test_submit_saves_the_edits_as_one_revision_then_submits(self):
        writer = Client()
        writer.force_login(self.writer)
        mine = self.create_story(by=self.writer, headline="Ferry strike called off")
        self.article = mine
        response = self.press(
            writer,
            "submit",
            headline="Ferry strike called off after late talks",
            body="<p>Unions and owners agreed at 2am.</p>",
        )
        self.assertEqual(response.status_code, 302)
        mine.refresh_from_db()
        self.assertEqual(mine.stage, Article.Stage.IN_REVIEW)
        self.assertEqual(mine.headline, "Ferry strike called off after late talks")
        self.assertEqual(mine.body, "<p>Unions and owners agreed at 2am.</p>")
        self.assertEqual(mine.revisions.count(), 2)
        self.assertEqual(
            messages_of(response),
            [
                "Your changes were saved as revision 2. “Ferry strike called off after late "
                "talks” was submitted for review. Notified: ana@example.net, eddie@example.org, "
                "olga@example.org."
            ],
        )

    def test_a_button_on_an_unchanged_form_acts_without_an_empty_revision(self):
        response = self.press(self.client, "approve")
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        self.assertEqual(self.article.stage, Article.Stage.APPROVED)
        self.assertEqual(self.article.revisions.count(), 1)
        self.assertEqual(messages_of(response)[0][:40], "“Ferry strike called off” was approved. ")

    def test_publish_now_publishes_the_edits_on_screen(self):
        response = self.press(self.client, "publish", headline="Ferries sail again")
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        self.assertTrue(self.article.is_live)
        self.assertEqual(self.article.headline, "Ferries sail again")
        self.assertContains(Client().get(self.article.get_absolute_url()), "Ferries sail again")

    def test_publish_changes_on_a_live_story_includes_the_unsaved_edits(self):
        workflow.publish(self.article, by=self.editor)
        response = self.press(self.client, "publish", headline="Ferries sail again at noon")
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        self.assertEqual(self.article.headline, "Ferries sail again at noon")
        self.assertFalse(self.article.has_pending_changes)
        self.assertIn("The changes to", messages_of(response)[0])

    def test_schedule_saves_the_edits_and_schedules_them(self):
        when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
            second=0, microsecond=0
        )
        response = self.press(
            self.client,
            "publish",
            headline="Ferry timetable for the weekend",
            publish_at=when.strftime("%Y-%m-%dT%H:%M"),
        )
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        self.assertEqual(self.article.status, Article.Status.SCHEDULED)
        self.assertEqual(self.article.published_at, when)
        self.assertEqual(self.article.headline, "Ferry timetable for the weekend")

    def test_a_save_over_someone_elses_newer_revision_is_refused_and_nothing_acts(self):
        page = self.client.get(change_url(self.article))
        other = Client()
        other.force_login(self.other_editor)
        self.assertEqual(self.press(other, "approve", headline="Their headline").status_code, 302)
        response = self.press(self.client, "publish", page=page, headline="My headline")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Someone saved a newer version")
        self.assertTrue(shown(response, "My headline"))
        self.article.refresh_from_db()
        self.assertFalse(self.article.is_live)
        self.assertEqual(self.article.headline, "Their headline")
        self.assertEqual(self.article.revisions.count(), 2)

    def test_a_form_error_keeps_the_text_and_nothing_is_saved_or_done(self):
        response = self.press(self.client, "publish", headline="", standfirst="Kept standfirst")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")
        self.assertContains(response, "Kept standfirst")
        self.article.refresh_from_db()
        self.assertFalse(self.article.is_live)
        self.assertEqual(self.article.revisions.count(), 1)

    def test_wrong_inputs_of_the_button_are_refused_before_anything_is_saved(self):
        past = timezone.localtime(timezone.now() - timedelta(hours=1))
        cases = [
            ("publish", {"publish_at": past.strftime("%Y-%m-%dT%H:%M")}, "That time has passed"),
            ("publish", {"publish_at": "tomorrow"}, "is not a date and time"),
            ("send-back", {"note": "  "}, "a note is required"),
            ("revoke:abc", {}, "That is not a preview link."),
            ("delete", {}, "That is not something this form can do."),
        ]
        for action, extra, error in cases:
            with self.subTest(action=action):
                response = self.press(self.client, action, headline="Edited headline", **extra)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, error)
                self.assertTrue(shown(response, "Edited headline"))
                self.article.refresh_from_db()
                self.assertEqual(self.article.headline, "Ferry strike called off")
                self.assertEqual(self.article.revisions.count(), 1)

    def test_a_writer_pressing_an_editors_button_is_refused_with_the_text_kept(self):
        writer = Client()
        writer.force_login(self.writer)
        self.article = self.create_story(by=self.writer, headline="Ferry strike called off")
        for action in ["approve", "publish", "send-back", "unpublish"]:
            with self.subTest(action=action):
                response = self.press(writer, action, headline="Edit by the writer", note="x")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Only editors may")
                self.assertTrue(shown(response, "Edit by the writer"))
        self.article.refresh_from_db()
        self.assertEqual(self.article.stage, Article.Stage.DRAFT)
        self.assertEqual(self.article.revisions.count(), 1)

    def test_a_move_the_stage_refuses_keeps_the_saved_edits_and_says_so(self):
        workflow.submit(self.article, by=self.editor)
        response = self.press(self.client, "submit", headline="Ferry strike off")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            messages_of(response),
            ["Your changes were saved as revision 2. This story is already waiting for review."],
        )
        self.article.refresh_from_db()
        self.assertEqual(workflow.latest_data(self.article)["headline"], "Ferry strike off")

    def test_send_back_and_correct_and_share_and_revoke_save_first(self):
        response = self.press(self.client, "share", headline="Edit 1")
        self.assertEqual(response.status_code, 302)
        link = PreviewLink.objects.get(article=self.article)
        self.assertEqual(link.revision_number, 2)  # The link shows the edit just saved.
        response = self.press(self.client, f"revoke:{link.pk}", headline="Edit 2")
        self.assertEqual(response.status_code, 302)
        link.refresh_from_db()
        self.assertIsNotNone(link.revoked_at)
        workflow.submit(self.article, by=self.editor)
        response = self.press(self.client, "send-back", headline="Edit 3", note="Shorter")
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        self.assertEqual(self.article.stage, Article.Stage.SENT_BACK)
        workflow.publish(self.article, by=self.editor)
        response = self.press(
            self.client, "correct", standfirst="Edit 4", kind="correction", text="It was Tuesday."
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.article.corrections.get().text, "It was Tuesday.")
        self.article.refresh_from_db()
        self.assertEqual(workflow.latest_data(self.article)["standfirst"], "Edit 4")
        self.assertEqual(self.article.revisions.count(), 5)

    def test_enter_in_a_field_still_means_save_not_a_workflow_button(self):
        page = self.client.get(change_url(self.article))
        html = page.content.decode()
        # The form's first submit button in document order is a plain Save (the panel with the
        # workflow buttons comes before the form).
        first = html.index('form="article_form"')
        self.assertIn('name="_save"', html[first - 80 : first + 80])

    def test_someone_who_may_only_view_gets_buttons_aimed_at_the_workflow_view(self):
        viewer = make_user(
            "vera",
            perms=["articles.view_article", "articles.edit_any_article", "articles.review_article"],
        )
        viewer_client = Client()
        viewer_client.force_login(viewer)
        workflow.submit(self.article, by=self.editor)
        page = viewer_client.get(change_url(self.article))
        self.assertContains(page, f'formaction="{ADMIN}{self.article.pk}/workflow/approve/"')
        self.assertEqual(viewer_client.post(change_url(self.article), {}).status_code, 403)


class AutosaveTests(EditorialTestCase):
    def setUp(self):
        self.article = self.create_story(headline="Library to open on Sundays")
        self.client.force_login(self.editor)

    def autosave(self, client, article=None, **changes):
        page = client.get(change_url(article) if article else f"{ADMIN}add/")
        data = form_data(page, **changes)
        data["csrfmiddlewaretoken"] = "ignored"
        return client.post(autosave_url(article), data, HTTP_ACCEPT="application/json")

    def test_the_form_is_kept_privately_and_offered_back_on_reopening(self):
        response = self.autosave(
            self.client, self.article, headline="Library to open on Sundays from May"
        )
        self.assertEqual(response.status_code, 200)
        kept = Autosave.objects.get(user=self.editor, article=self.article)
        self.assertEqual(kept.data["headline"], ["Library to open on Sundays from May"])
        self.assertNotIn("csrfmiddlewaretoken", kept.data)
        self.assertEqual(kept.base_revision, 1)
        self.assertEqual(self.article.revisions.count(), 1)  # Not a revision.

        page = self.client.get(change_url(self.article))
        self.assertContains(page, "You have unsaved changes")
        self.assertContains(page, "Restore my changes")
        self.assertTrue(shown(page, "Library to open on Sundays"))  # The saved text, until asked.

        restored = self.client.get(change_url(self.article) + "?autosave=restore")
        self.assertContains(restored, "are restored below")
        self.assertTrue(shown(restored, "Library to open on Sundays from May"))
        self.assertContains(restored, 'data-unsaved="1"')  # Leaving it asks first.

        response = self.client.post(
            change_url(self.article) + "?autosave=restore", form_data(restored)
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Autosave.objects.exists())  # A save spends it.
        self.article.refresh_from_db()
        self.assertEqual(
            workflow.latest_data(self.article)["headline"], "Library to open on Sundays from May"
        )

    def test_nobody_else_sees_it_and_readers_never_do(self):
        self.autosave(self.client, self.article, headline="Secret draft headline")
        workflow.publish(self.article, by=self.editor)
        other = Client()
        other.force_login(self.other_editor)
        page = other.get(change_url(self.article))
        self.assertNotContains(page, "unsaved changes")
        self.assertNotContains(page, "Secret draft headline")
        self.assertNotContains(
            other.get(change_url(self.article) + "?autosave=restore"), "Secret draft headline"
        )
        self.assertNotContains(Client().get(self.article.get_absolute_url()), "Secret draft")

    def test_a_restored_body_is_sanitised_and_checked_like_a_save(self):
        self.autosave(
            self.client,
            self.article,
            headline="",
            body='<p onclick="steal()">Hi<script>alert(1)</script></p>',
        )
        restored = self.client.get(change_url(self.article) + "?autosave=restore")
        self.assertEqual(restored.status_code, 200)
        self.assertContains(restored, "This field is required.")  # The empty headline.
        body = restored.context["adminform"].form["body"].value()
        self.assertEqual(body, "<p>Hi</p>")

    def test_an_autosave_older_than_a_newer_save_restores_as_refused_stale(self):
        self.autosave(self.client, self.article, headline="My unsaved headline")
        other = Client()
        other.force_login(self.other_editor)
        page = other.get(change_url(self.article))
        other.post(change_url(self.article), form_data(page, headline="Their headline"))
        offer = self.client.get(change_url(self.article))
        self.assertContains(offer, "The story has been saved since (revision 2)")
        restored = self.client.get(change_url(self.article) + "?autosave=restore")
        self.assertContains(restored, "Someone saved a newer version")
        self.assertTrue(shown(restored, "My unsaved headline"))

    def test_a_late_autosave_from_a_page_already_saved_is_not_kept(self):
        page = self.client.get(change_url(self.article))
        self.client.post(change_url(self.article), form_data(page, headline="Saved headline"))
        # The autosave that was on its way as Save was pressed arrives after the save.
        late = self.client.post(
            autosave_url(self.article), form_data(page, headline="Saved headline")
        )
        self.assertEqual(late.status_code, 409)
        self.assertFalse(Autosave.objects.exists())
        self.assertNotContains(self.client.get(change_url(self.article)), "unsaved changes")
        # Someone else's save does not stop this person's autosave: their text is kept.
        other = Client()
        other.force_login(self.other_editor)
        self.edit(other, self.article, headline="Their headline")
        page2 = self.client.get(change_url(self.article))
        self.edit(other, self.article, headline="Their second headline")
        kept = self.client.post(autosave_url(self.article), form_data(page2, headline="Mine"))
        self.assertEqual(kept.status_code, 200)
        self.assertEqual(Autosave.objects.get().base_revision, 3)

    def test_discarding_deletes_it(self):
        self.autosave(self.client, self.article, headline="Never mind")
        response = self.client.post(autosave_url(self.article), {"_discard": "1"})
        self.assertRedirects(response, change_url(self.article), fetch_redirect_response=False)
        self.assertFalse(Autosave.objects.exists())

    def test_the_add_page_keeps_one_unsaved_new_story_per_person(self):
        response = self.autosave(self.client, None, headline="Half-written new story")
        self.assertEqual(response.status_code, 200)
        self.autosave(self.client, None, headline="Half-written new story, longer")
        kept = Autosave.objects.get(user=self.editor, article=None)
        self.assertEqual(kept.data["headline"], ["Half-written new story, longer"])
        page = self.client.get(f"{ADMIN}add/")
        self.assertContains(page, "to a new story")
        restored = self.client.get(f"{ADMIN}add/?autosave=restore")
        self.assertTrue(shown(restored, "Half-written new story, longer"))
        data = form_data(restored, section=str(self.section.pk), body="<p>Text.</p>")
        self.assertEqual(self.client.post(f"{ADMIN}add/", data).status_code, 302)
        self.assertFalse(Autosave.objects.exists())
        self.assertTrue(Article.objects.filter(headline="Half-written new story, longer").exists())

    def test_only_the_storys_fields_are_kept_and_nul_characters_are_dropped(self):
        page = self.client.get(change_url(self.article))
        data = form_data(page, headline="Bad\x00byte", evil="x", note="a send-back note")
        self.client.post(autosave_url(self.article), data)
        kept = Autosave.objects.get().data
        self.assertEqual(kept["headline"], ["Badbyte"])
        self.assertNotIn("evil", kept)
        self.assertNotIn("note", kept)
        self.assertIn("bylines-TOTAL_FORMS", kept)  # The inline rows come back too.

    def test_a_hostile_autosave_restores_as_form_errors_never_a_500(self):
        page = self.client.get(change_url(self.article))
        cases = {
            "bylines-TOTAL_FORMS": "abc",
            "bylines-INITIAL_FORMS": "-5",
            "bylines-0-id": "99999999",
            "bylines-0-author": "not a number",
            "section": "1e309",
            "base_revision": "x",
            "tags": '"' * 500,
            "body": "<img src=x onerror=alert(1)>" * 50,
        }
        for name, value in cases.items():
            with self.subTest(name=name):
                self.client.post(autosave_url(self.article), form_data(page, **{name: value}))
                restored = self.client.get(change_url(self.article) + "?autosave=restore")
                self.assertEqual(restored.status_code, 200)
                self.assertNotContains(restored, "onerror")
                self.article.refresh_from_db()
                self.assertEqual(self.article.revisions.count(), 1)

    def test_permissions_are_checked_on_the_server(self):
        writer, contributor = Client(), Client()
        writer.force_login(self.writer)
        contributor.force_login(make_user("cora", role="Contributor"))
        self.assertEqual(writer.post(autosave_url(self.article), {}).status_code, 403)
        self.assertEqual(contributor.post(autosave_url(self.article), {}).status_code, 403)
        self.assertEqual(self.client.get(autosave_url(self.article)).status_code, 405)
        self.assertEqual(self.client.post(f"{ADMIN}999999/autosave/", {}).status_code, 404)
        reader = make_user("rita", staff=True)  # Staff without story permissions.
        reader_client = Client()
        reader_client.force_login(reader)
        self.assertEqual(reader_client.post(autosave_url(), {}).status_code, 403)
        anonymous = Client().post(autosave_url(self.article), {})
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login/", anonymous["Location"])
        self.assertFalse(Autosave.objects.exists())

    def test_csrf_is_required(self):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.editor)
        self.assertEqual(
            strict.post(autosave_url(self.article), {"headline": "x"}).status_code, 403
        )
        self.assertEqual(strict.post(lock_url(self.article), {"token": "x"}).status_code, 403)
        self.assertFalse(Autosave.objects.exists())


@override_settings(TIME_ZONE="Europe/London")
class EditLockTests(EditorialTestCase):
    def setUp(self):
        self.article = self.create_story(headline="Harbour wall repaired")
        self.editor.first_name, self.editor.last_name = "Eddie", "Marsh"
        self.editor.save()
        self.alice, self.bob = Client(), Client()
        self.alice.force_login(self.editor)
        self.bob.force_login(self.other_editor)

    def token(self, response):
        return response.context["lock_token"]

    def test_the_notice_names_the_person(self):
        self.alice.get(change_url(self.article))
        self.assertEqual(lock_notice(self.bob.get(change_url(self.article))), "Eddie Marsh")
        beat = self.bob.post(lock_url(self.article), {"token": "bob"})
        self.assertEqual(beat.json()["holder"]["name"], "Eddie Marsh")

    def test_the_heartbeat_keeps_the_lock_and_silence_lets_it_lapse(self):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.token(self.alice.get(change_url(self.article)))
            for _ in range(10):  # Ten minutes with the tab open.
                clock.shift(timedelta(minutes=1))
                beat = self.alice.post(lock_url(self.article), {"token": token})
                self.assertEqual(beat.json(), {"holder": None, "newer": None})
            self.assertEqual(lock_notice(self.bob.get(change_url(self.article))), "Eddie Marsh")
            clock.shift(EditLock.TTL + timedelta(seconds=1))  # The tab went silent.
            self.assertIsNone(lock_notice(self.bob.get(change_url(self.article))))
            self.assertEqual(EditLock.objects.get().user, self.other_editor)

    def test_closing_the_tab_releases_the_lock_at_once(self):
        token = self.token(self.alice.get(change_url(self.article)))
        bob_token = self.token(self.bob.get(change_url(self.article)))
        self.assertEqual(
            self.bob.post(lock_url(self.article), {"token": bob_token}).json()["holder"]["name"],
            "Eddie Marsh",
        )
        released = self.alice.post(lock_url(self.article, release=True), {"token": token})
        self.assertEqual(released.status_code, 204)
        self.assertEqual(
            self.bob.post(lock_url(self.article), {"token": bob_token}).json()["holder"], None
        )
        self.assertEqual(EditLock.objects.get().user, self.other_editor)

    def test_a_late_release_from_the_page_left_behind_keeps_the_next_pages_lock(self):
        old = self.token(self.alice.get(change_url(self.article)))
        self.token(self.alice.get(change_url(self.article)))  # After a save, the story again.
        self.alice.post(lock_url(self.article, release=True), {"token": old})
        self.assertEqual(EditLock.objects.get().user, self.editor)
        self.assertEqual(lock_notice(self.bob.get(change_url(self.article))), "Eddie Marsh")

    def test_the_heartbeat_says_when_someone_saved_a_newer_version(self):
        self.alice.get(change_url(self.article))
        page = self.bob.get(change_url(self.article))
        token = self.token(page)
        beat = self.bob.post(lock_url(self.article), {"token": token, "base_revision": "1"})
        self.assertIsNone(beat.json()["newer"])
        self.edit(self.alice, self.article, headline="Harbour wall repaired at last")
        beat = self.bob.post(lock_url(self.article), {"token": token, "base_revision": "1"})
        self.assertEqual(beat.json()["newer"], {"revision": 2, "by": "Eddie Marsh"})
        for junk in ["", "abc", "-1", "9" * 30]:
            beat = self.bob.post(lock_url(self.article), {"token": token, "base_revision": junk})
            self.assertEqual(beat.status_code, 200)
            self.assertIsNone(beat.json()["newer"])
        self.assertContains(page, "data-stale-notice hidden")

    def test_someone_elses_release_does_nothing(self):
        token = self.token(self.alice.get(change_url(self.article)))
        self.bob.post(lock_url(self.article, release=True), {"token": token})
        self.assertEqual(EditLock.objects.get().user, self.editor)

    def test_permissions_are_checked_on_the_server(self):
        writer = Client()
        writer.force_login(self.writer)
        self.assertEqual(writer.post(lock_url(self.article), {"token": "w"}).status_code, 403)
        self.assertEqual(
            writer.post(lock_url(self.article, release=True), {"token": "w"}).status_code, 403
        )
        self.assertEqual(self.alice.get(lock_url(self.article)).status_code, 405)
        self.assertEqual(self.alice.get(lock_url(self.article, release=True)).status_code, 405)
        self.assertEqual(Client().post(lock_url(self.article), {}).status_code, 302)
        self.assertFalse(EditLock.objects.exists())
