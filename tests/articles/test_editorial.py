"""The editorial workflow as editors and readers meet it: drafts on live stories, no lost work,
soft locks, revisions and history, corrections, addresses, scheduling, previews, preview links,
notifications, deletion and the clock change.

Most tests drive the admin over HTTP, the way an editor's browser does; a few call
articles.workflow directly where the admin is only a button for it.
"""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from django import forms
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from articles import workflow
from articles.models import (
    Article,
    AuditEntry,
    Correction,
    EditLock,
    PreviewLink,
    Revision,
)
from tests.factories import make_author, make_section, make_user

ADMIN = "/admin/articles/article/"
Action = AuditEntry.Action

# Fixed moments, all in the future of any plausible test run, so schedules are accepted.
T0 = datetime(2030, 6, 3, 9, 0, tzinfo=UTC)  # 10:00 BST


def change_url(article):
    return f"{ADMIN}{article.pk}/change/"


def action_url(article, action):
    return f"{ADMIN}{article.pk}/workflow/{action}/"


def local_iso(moment):
    """How the article page writes a time in <time datetime="...">."""
    return timezone.localtime(moment).isoformat()


def story_data(section, *, bylines=(), **fields):
    """Everything a story is made of, as articles.workflow takes it."""
    data = {
        "headline": "Bridge to reopen in May",
        "slug": "",
        "standfirst": "Engineers finish the repairs.",
        "body": "<p>Work on the old bridge ends in May.</p>",
        "section": section.pk,
        "hero_image": None,
        "hero_caption": "",
        "seo_title": "",
        "seo_description": "",
        "is_lead": False,
        "bylines": [{"author": author.pk, "role": role} for author, role in bylines],
        "tags": ["bridges", "transport"],
        "related": [],
    }
    return data | fields


def _encode(bound_field):
    """The value a browser sends for one field of the form as it was rendered."""
    field, value = bound_field.field, bound_field.value()
    if isinstance(field, forms.BooleanField):
        return "on" if value else None
    if hasattr(field.widget, "format_value") and type(field.widget).__name__ == "TagWidget":
        return field.widget.format_value(value) or ""
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def form_data(response, **changes):
    """The change form as loaded in ``response`` (fields, hidden base revision, inlines),
    with ``changes`` applied: what an editor's browser posts back."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = _encode(form[name])
        if value is not None:
            data[form.add_prefix(name)] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                value = _encode(subform[name])
                if value is not None:
                    data[subform.add_prefix(name)] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def lock_notice(response):
    """Who the change form says has the story open (the notice shown, not hidden), or None."""
    found = re.search(
        r"data-lock-notice( hidden)?>\s*<span><strong data-lock-name>([^<]*)</strong> has this story open",
        response.content.decode(),
    )
    assert found, "the change form has no lock notice"
    return None if found.group(1) else found.group(2)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


class EditorialTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("Transport", slug="transport")
        cls.ana = make_author("Ana Costa", email="ana@example.net")
        cls.editor = make_user("eddie", role="Editor")
        cls.other_editor = make_user("olga", role="Editor")
        cls.writer = make_user("wes", role="Writer")

    def create_story(self, by=None, **fields):
        return workflow.create(
            story_data(self.section, bylines=[(self.ana, "reporter")], **fields),
            by=by or self.editor,
        )

    def live_story(self, **fields):
        """A story created and published through the workflow at the current (frozen) time."""
        article = self.create_story(**fields)
        workflow.publish(article, by=self.editor)
        article.refresh_from_db()
        return article

    def edit(self, client, article, **changes):
        """Load the change form and post it back with ``changes``; returns the POST response."""
        page = client.get(change_url(article))
        self.assertEqual(page.status_code, 200)
        return client.post(change_url(article), form_data(page, **changes))

    def assertSaved(self, response):
        errors = response.context and response.context.get("errors")
        self.assertEqual(response.status_code, 302, errors)


@override_settings(TIME_ZONE="Europe/London")
class DraftOnLiveStoryTests(EditorialTestCase):
    def test_edit_to_a_live_story_is_held_until_an_editor_publishes_the_changes(self):
        with time_machine.travel(T0, tick=False) as clock:
            article = self.live_story()
            clock.shift(timedelta(hours=1))
            self.client.force_login(self.editor)
            response = self.edit(
                self.client,
                article,
                headline="Bridge to reopen in June",
                body="<p>Work on the old bridge ends in June.</p>",
            )
            self.assertSaved(response)

            readers = Client()
            page = readers.get(article.get_absolute_url())
            self.assertContains(page, "Bridge to reopen in May")
            self.assertContains(page, "ends in May")
            self.assertNotContains(page, "Bridge to reopen in June")
            self.assertNotContains(page, "ends in June")
            front = readers.get("/")
            self.assertContains(front, "Bridge to reopen in May")
            self.assertNotContains(front, "Bridge to reopen in June")

            form = self.client.get(change_url(article))
            self.assertContains(form, 'value="Bridge to reopen in June"')
            self.assertContains(form, "ends in June")
            self.assertContains(form, "Pending changes not yet live")
            self.assertContains(form, "Publish changes")
            article.refresh_from_db()
            self.assertEqual(article.headline, "Bridge to reopen in May")
            self.assertEqual((article.revision_number, article.live_revision_number), (2, 1))

            response = self.client.post(action_url(article, "publish"), follow=True)
            self.assertContains(response, "The changes to “Bridge to reopen in June” are live.")
            page = readers.get(article.get_absolute_url())
            self.assertContains(page, "Bridge to reopen in June")
            self.assertContains(page, "ends in June")
            self.assertContains(readers.get("/"), "Bridge to reopen in June")
            article.refresh_from_db()
            self.assertEqual((article.revision_number, article.live_revision_number), (2, 2))
            self.assertFalse(article.has_pending_changes)
            self.assertEqual(
                AuditEntry.objects.filter(article=article, action=Action.PUBLISH_CHANGES).count(),
                1,
            )

    def test_a_plain_edit_does_not_change_the_visible_updated_time(self):
        with time_machine.travel(T0, tick=False) as clock:
            article = self.live_story()
            clock.shift(timedelta(hours=2))
            self.client.force_login(self.editor)
            self.assertSaved(self.edit(self.client, article, headline="Bridge reopens in May"))
            clock.shift(timedelta(minutes=5))
            self.client.post(action_url(article, "publish"))
            article.refresh_from_db()
            self.assertEqual(article.headline, "Bridge reopens in May")
            self.assertEqual(article.updated_at, T0)
            page = Client().get(article.get_absolute_url())
            self.assertContains(page, "Bridge reopens in May")
            self.assertNotContains(page, "Updated <time")

    def test_a_substantive_edit_moves_the_updated_time_when_it_goes_live(self):
        with time_machine.travel(T0, tick=False) as clock:
            article = self.live_story()
            clock.shift(timedelta(hours=2))
            self.client.force_login(self.editor)
            response = self.edit(
                self.client,
                article,
                body="<p>Work on the old bridge is delayed until August.</p>",
                substantive="on",
                change_note="New date from the council",
            )
            self.assertSaved(response)
            self.assertTrue(Revision.objects.get(article=article, number=2).substantive)
            # Not live yet: readers are not told about an update they cannot see.
            self.assertNotContains(Client().get(article.get_absolute_url()), "Updated <time")

            clock.shift(timedelta(hours=1))
            self.client.post(action_url(article, "publish"))
            went_live = T0 + timedelta(hours=3)
            article.refresh_from_db()
            self.assertEqual(article.updated_at, went_live)
            self.assertEqual(article.published_at, T0)
            page = Client().get(article.get_absolute_url())
            self.assertContains(page, "delayed until August")
            self.assertContains(page, f'Updated <time datetime="{local_iso(went_live)}">')


class NoLostWorkTests(EditorialTestCase):
    def test_the_second_of_two_editors_saving_is_refused_and_keeps_their_text(self):
        article = self.create_story(headline="Council meets on Tuesday")
        first, second = Client(), Client()
        first.force_login(self.editor)
        second.force_login(self.other_editor)
        first_page = first.get(change_url(article))
        second_page = second.get(change_url(article))
        revisions_before = Revision.objects.filter(article=article).count()

        response = first.post(
            change_url(article), form_data(first_page, headline="Council meets on Wednesday")
        )
        self.assertSaved(response)
        response = second.post(
            change_url(article),
            form_data(
                second_page,
                headline="Council meeting cancelled",
                body="<p>The second editor rewrote this paragraph.</p>",
            ),
        )

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Someone saved a newer version")
        self.assertContains(response, 'value="Council meeting cancelled"')
        self.assertContains(response, "The second editor rewrote this paragraph.")
        article.refresh_from_db()
        self.assertEqual(article.headline, "Council meets on Wednesday")
        self.assertNotIn("second editor", article.body)
        self.assertEqual(article.revision_number, 2)
        self.assertEqual(Revision.objects.filter(article=article).count(), revisions_before + 1)
        self.assertEqual(
            Revision.objects.get(article=article, number=2).data["headline"],
            "Council meets on Wednesday",
        )

    def test_the_same_race_on_a_live_story_keeps_the_first_pending_version(self):
        article = self.live_story(headline="Trains run late")
        first, second = Client(), Client()
        first.force_login(self.editor)
        second.force_login(self.other_editor)
        first_page = first.get(change_url(article))
        second_page = second.get(change_url(article))
        self.assertSaved(
            first.post(change_url(article), form_data(first_page, headline="Trains run very late"))
        )
        response = second.post(
            change_url(article), form_data(second_page, headline="Trains cancelled")
        )
        self.assertContains(response, "Someone saved a newer version")
        self.assertContains(response, 'value="Trains cancelled"')
        article.refresh_from_db()
        self.assertEqual(article.headline, "Trains run late")  # Readers' version untouched.
        self.assertEqual(workflow.latest_data(article)["headline"], "Trains run very late")
        self.assertEqual(article.revisions.count(), 2)

    def test_workflow_save_over_a_newer_revision_raises_stale_revision(self):
        article = self.create_story(headline="Old headline")
        workflow.save(
            article,
            story_data(self.section, headline="First save"),
            by=self.editor,
            base_revision=1,
        )
        with self.assertRaisesMessage(workflow.StaleRevision, "saved a newer version"):
            workflow.save(
                article,
                story_data(self.section, headline="Second save"),
                by=self.other_editor,
                base_revision=1,
            )
        article.refresh_from_db()
        self.assertEqual(article.headline, "First save")
        self.assertEqual(article.revisions.count(), 2)


class SoftLockTests(EditorialTestCase):
    def setUp(self):
        self.article = self.create_story(headline="Harbour plan approved")
        self.alice = Client()
        self.alice.force_login(self.editor)
        self.bob = Client()
        self.bob.force_login(self.other_editor)

    def test_a_second_editor_is_told_who_has_the_story_open(self):
        own = self.alice.get(change_url(self.article))
        self.assertIsNone(lock_notice(own))
        response = self.bob.get(change_url(self.article))
        self.assertEqual(lock_notice(response), "eddie")
        self.assertContains(response, "Take over")
        lock = EditLock.objects.get(article=self.article)
        self.assertEqual(lock.user, self.editor)  # Opening the page did not take the lock.

    def test_take_over_gives_the_lock_to_the_second_editor_and_is_audited(self):
        self.alice.get(change_url(self.article))
        self.bob.get(change_url(self.article))
        response = self.bob.post(action_url(self.article, "take-over"), follow=True)
        self.assertContains(response, "You have taken over this story.")
        self.assertEqual(EditLock.objects.get(article=self.article).user, self.other_editor)
        entry = AuditEntry.objects.get(article=self.article, action=Action.TAKE_OVER)
        self.assertEqual(entry.user, self.other_editor)
        self.assertIn("eddie", entry.note)
        self.assertIsNone(lock_notice(self.bob.get(change_url(self.article))))
        self.assertEqual(lock_notice(self.alice.get(change_url(self.article))), "olga")

    def test_taking_over_does_not_skip_the_revision_check(self):
        alice_page = self.alice.get(change_url(self.article))
        bob_page = self.bob.get(change_url(self.article))
        self.assertSaved(
            self.alice.post(
                change_url(self.article), form_data(alice_page, headline="Harbour plan delayed")
            )
        )
        self.bob.post(action_url(self.article, "take-over"))
        response = self.bob.post(
            change_url(self.article), form_data(bob_page, headline="Harbour plan scrapped")
        )
        self.assertContains(response, "Someone saved a newer version")
        self.article.refresh_from_db()
        self.assertEqual(self.article.headline, "Harbour plan delayed")
        self.assertEqual(self.article.revisions.count(), 2)

    def test_a_writer_who_may_not_edit_the_story_cannot_take_it_over(self):
        self.alice.get(change_url(self.article))
        writer = Client()
        writer.force_login(self.writer)
        response = writer.post(action_url(self.article, "take-over"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(EditLock.objects.get(article=self.article).user, self.editor)
        self.assertFalse(AuditEntry.objects.filter(action=Action.TAKE_OVER).exists())


@override_settings(TIME_ZONE="Europe/London")
class RevisionTests(EditorialTestCase):
    def add_story(self):
        """A story written in the admin's add form, with a byline and two tags."""
        self.client.force_login(self.editor)
        page = self.client.get(f"{ADMIN}add/")
        data = form_data(
            page,
            headline="Storm closes the coast road",
            body="<p>The road shut at noon.</p>",
            standfirst="Drivers are told to avoid the area.",
            section=str(self.section.pk),
            tags="storms, roads",
            **{
                "bylines-0-author": str(self.ana.pk),
                "bylines-0-role": "reporter",
                "bylines-0-position": "1",
            },
        )
        self.assertSaved(self.client.post(f"{ADMIN}add/", data))
        return Article.objects.get(headline="Storm closes the coast road")

    def test_every_save_records_a_revision_with_bylines_and_tags(self):
        article = self.add_story()
        first = Revision.objects.get(article=article, number=1)
        self.assertEqual(first.data["bylines"], [{"author": self.ana.pk, "role": "reporter"}])
        self.assertEqual(first.data["tags"], ["roads", "storms"])
        self.assertEqual(first.created_by, self.editor)

        self.assertSaved(self.edit(self.client, article, tags="storms, floods"))
        second = Revision.objects.get(article=article, number=2)
        self.assertEqual(second.data["tags"], ["floods", "storms"])
        self.assertEqual(second.data["bylines"], [{"author": self.ana.pk, "role": "reporter"}])
        self.assertEqual(second.data["headline"], "Storm closes the coast road")
        article.refresh_from_db()
        self.assertEqual(article.revision_number, 2)
        self.assertEqual(sorted(article.tags.names()), ["floods", "storms"])

    def test_history_lists_revisions_with_who_when_and_a_word_diff(self):
        with time_machine.travel(T0, tick=False) as clock:
            article = self.add_story()
            clock.shift(timedelta(minutes=30))
            other = Client()
            other.force_login(self.other_editor)
            self.assertSaved(
                self.edit(
                    other,
                    article,
                    headline="Storm closes the harbour road",
                    change_note="Wrong road",
                )
            )
            response = self.client.get(f"{ADMIN}{article.pk}/history/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Storm closes the <del>coast</del> <ins>harbour</ins> road")
        self.assertContains(response, "eddie<br>3 Jun 2030, 10:00 BST")
        self.assertContains(response, "olga<br>3 Jun 2030, 10:30 BST")
        self.assertContains(response, "Wrong road")
        self.assertContains(response, "Restore as new draft")

    def test_restore_makes_a_new_revision_equal_to_the_old_one(self):
        article = self.add_story()
        self.assertSaved(
            self.edit(
                self.client,
                article,
                headline="Storm closes two roads",
                body="<p>Both roads shut.</p>",
                tags="storms",
            )
        )
        history = f"{ADMIN}{article.pk}/history/"
        response = self.client.post(
            action_url(article, "restore"), {"number": "1", "next": history}
        )
        self.assertRedirects(response, history)
        self.assertIn(
            "Revision 1 was restored as revision 3, a draft. Submit it for review or publish "
            "it when it is ready.",
            messages_of(response),
        )
        old = Revision.objects.get(article=article, number=1)
        new = Revision.objects.get(article=article, number=3)
        self.assertEqual(new.data, old.data)
        self.assertEqual(new.created_by, self.editor)
        article.refresh_from_db()
        self.assertEqual(article.revision_number, 3)
        self.assertEqual(article.headline, "Storm closes the coast road")
        self.assertEqual(article.body, "<p>The road shut at noon.</p>")
        self.assertEqual(sorted(article.tags.names()), ["roads", "storms"])
        self.assertEqual(
            AuditEntry.objects.filter(article=article, action=Action.RESTORE).count(), 1
        )

    def test_restore_without_a_return_address_goes_back_to_the_story(self):
        article = self.create_story(headline="Version one")
        workflow.save(
            article,
            story_data(self.section, headline="Version two"),
            by=self.editor,
            base_revision=1,
        )
        self.client.force_login(self.editor)
        response = self.client.post(action_url(article, "restore"), {"number": "1"})
        self.assertRedirects(response, change_url(article), fetch_redirect_response=False)
        article.refresh_from_db()
        self.assertEqual((article.revision_number, article.headline), (3, "Version one"))

    def test_restore_does_not_redirect_off_the_site(self):
        article = self.create_story(headline="Version one")
        workflow.save(
            article,
            story_data(self.section, headline="Version two"),
            by=self.editor,
            base_revision=1,
        )
        self.client.force_login(self.editor)
        response = self.client.post(
            action_url(article, "restore"), {"number": "1", "next": "https://evil.example/"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(response["Location"].startswith("https://evil.example"))

    def test_restoring_on_a_live_story_makes_pending_changes_not_a_live_change(self):
        article = self.live_story(headline="Mayor resigns")
        workflow.save(
            article,
            story_data(self.section, headline="Mayor resigns after vote"),
            by=self.editor,
            base_revision=1,
        )
        workflow.publish(article, by=self.editor)
        article.refresh_from_db()
        self.assertEqual(
            (article.headline, article.live_revision_number), ("Mayor resigns after vote", 2)
        )

        self.client.force_login(self.editor)
        response = self.client.post(
            action_url(article, "restore"), {"number": "1", "next": change_url(article)}
        )
        self.assertEqual(response.status_code, 302)
        article.refresh_from_db()
        self.assertEqual(article.revision_number, 3)
        self.assertEqual(article.live_revision_number, 2)
        self.assertTrue(article.has_pending_changes)
        self.assertEqual(article.headline, "Mayor resigns after vote")
        self.assertEqual(
            Revision.objects.get(article=article, number=3).data["headline"], "Mayor resigns"
        )
        page = Client().get(article.get_absolute_url())
        self.assertContains(page, "Mayor resigns after vote")
        form = self.client.get(change_url(article))
        self.assertContains(form, 'value="Mayor resigns"')
        self.assertContains(form, "Pending changes not yet live")

    def test_a_writer_cannot_restore(self):
        article = self.create_story(by=self.writer, headline="Version one")
        workflow.save(
            article,
            story_data(self.section, headline="Version two"),
            by=self.writer,
            base_revision=1,
        )
        self.client.force_login(self.writer)
        response = self.client.post(action_url(article, "restore"), {"number": "1", "next": "/"})
        self.assertEqual(response.status_code, 403)
        article.refresh_from_db()
        self.assertEqual((article.revision_number, article.headline), (2, "Version two"))

    def test_a_restored_version_is_a_draft_whatever_the_stage_was(self):
        """Restoring an approved (or in-review, or sent back) story's old revision as an
        editor left the stage as it was: an unreviewed version shown as "Approved"."""
        self.client.force_login(self.editor)
        for stage in ["approved", "in_review", "sent_back"]:
            with self.subTest(stage=stage):
                article = self.create_story(headline="Version one")
                workflow.save(
                    article,
                    story_data(self.section, headline="Version two"),
                    by=self.editor,
                    base_revision=1,
                )
                workflow.submit(article, by=self.editor)
                if stage == "approved":
                    workflow.approve(article, by=self.editor)
                if stage == "sent_back":
                    workflow.send_back(article, by=self.editor, note="Check the figures.")
                article.refresh_from_db()
                self.assertEqual(article.stage, stage)
                response = self.client.post(action_url(article, "restore"), {"number": "1"})
                self.assertEqual(response.status_code, 302)
                article.refresh_from_db()
                self.assertEqual(article.stage, Article.Stage.DRAFT)
                self.assertEqual((article.revision_number, article.headline), (3, "Version one"))
                # The story list's Draft filter lists it (the stage shows under Publication).
                listed = self.client.get(ADMIN, {"q": "Version", "stage__exact": "draft"})
                self.assertContains(listed, f"/admin/articles/article/{article.pk}/change/")

    def test_a_version_restored_on_a_live_story_is_a_draft_of_pending_changes(self):
        article = self.live_story(headline="Mayor resigns")
        workflow.save(
            article,
            story_data(self.section, headline="Mayor resigns after vote"),
            by=self.editor,
            base_revision=1,
        )
        workflow.publish(article, by=self.editor)
        article.refresh_from_db()
        self.assertEqual(article.stage, Article.Stage.APPROVED)
        self.client.force_login(self.editor)
        response = self.client.post(action_url(article, "restore"), {"number": "1"})
        self.assertIn(
            "Revision 1 was restored as revision 3, a draft. Readers keep the published "
            "version until the draft is published.",
            messages_of(response),
        )
        article.refresh_from_db()
        self.assertEqual(article.stage, Article.Stage.DRAFT)
        self.assertTrue(article.has_pending_changes)
        self.assertEqual(article.headline, "Mayor resigns after vote")
        self.assertContains(Client().get(article.get_absolute_url()), "Mayor resigns after vote")
        self.assertContains(self.client.get(change_url(article)), "Draft")
        # Publishing it makes the restored version live, approved.
        workflow.publish(article, by=self.editor)
        article.refresh_from_db()
        self.assertEqual((article.headline, article.stage), ("Mayor resigns", "approved"))


@override_settings(TIME_ZONE="Europe/London")
class CorrectionTests(EditorialTestCase):
    def test_a_correction_shows_on_the_story_moves_its_updated_time_and_is_listed(self):
        with time_machine.travel(T0, tick=False) as clock:
            article = self.live_story(headline="Budget is £2m")
            self.client.force_login(self.editor)
            clock.shift(timedelta(hours=3))
            response = self.client.post(
                action_url(article, "correct"),
                {"kind": "correction", "text": "An earlier version gave the budget as £3m."},
                follow=True,
            )
            self.assertContains(response, "Correction added to “Budget is £2m”.")
            corrected = T0 + timedelta(hours=3)
            page = Client().get(article.get_absolute_url())
            self.assertContains(page, "An earlier version gave the budget as £3m.")
            self.assertContains(page, f'Updated <time datetime="{local_iso(corrected)}">')
            listing = Client().get("/corrections/")
            self.assertContains(listing, "An earlier version gave the budget as £3m.")
            self.assertContains(listing, "Budget is £2m")
        article.refresh_from_db()
        self.assertEqual(article.updated_at, corrected)
        correction = Correction.objects.get(article=article)
        self.assertEqual((correction.kind, correction.created_by), ("correction", self.editor))
        self.assertTrue(AuditEntry.objects.filter(article=article, action=Action.CORRECT).exists())

    def test_corrections_cannot_be_added_to_stories_readers_cannot_see(self):
        draft = self.create_story(headline="Not out yet")
        taken_down = self.live_story(headline="Taken down")
        workflow.unpublish(taken_down, by=self.editor)
        self.client.force_login(self.editor)
        for article in (draft, taken_down):
            response = self.client.post(
                action_url(article, "correct"),
                {"kind": "correction", "text": "Something was wrong."},
                follow=True,
            )
            self.assertContains(response, "Corrections are for stories readers can see.")
        self.assertFalse(Correction.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(action=Action.CORRECT).exists())

    def test_an_empty_correction_is_refused_with_a_message(self):
        article = self.live_story()
        self.client.force_login(self.editor)
        response = self.client.post(
            action_url(article, "correct"), {"kind": "correction", "text": "   "}, follow=True
        )
        self.assertContains(response, "A correction needs a text.")
        self.assertFalse(Correction.objects.exists())
        updated = article.updated_at
        article.refresh_from_db()
        self.assertEqual(article.updated_at, updated)

    def test_a_writer_cannot_add_a_correction(self):
        article = self.live_story()
        self.client.force_login(self.writer)
        response = self.client.post(
            action_url(article, "correct"), {"kind": "correction", "text": "Wrong."}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Correction.objects.exists())


class AddressTests(EditorialTestCase):
    def test_an_unpublished_story_answers_410_gone_with_a_readable_page(self):
        article = self.live_story(headline="Withdrawn report")
        url = article.get_absolute_url()
        self.assertEqual(Client().get(url).status_code, 200)
        self.client.force_login(self.editor)
        response = self.client.post(action_url(article, "unpublish"), follow=True)
        self.assertContains(response, "its address now answers 410 Gone")
        page = Client().get(url)
        self.assertEqual(page.status_code, 410)
        self.assertContains(page, "This story has been removed", status_code=410)
        self.assertNotContains(page, "Withdrawn report", status_code=410)
        self.assertNotContains(Client().get("/"), "Withdrawn report")

    def test_a_new_slug_on_a_live_story_redirects_the_old_address_once_published(self):
        article = self.live_story(headline="Zoo welcomes a panda")
        old_url = article.get_absolute_url()
        self.client.force_login(self.editor)
        self.assertSaved(self.edit(self.client, article, slug="zoo-welcomes-two-pandas"))
        # Pending: readers keep the old address.
        self.assertEqual(Client().get(old_url).status_code, 200)
        self.client.post(action_url(article, "publish"))
        article.refresh_from_db()
        new_url = article.get_absolute_url()
        self.assertTrue(new_url.endswith("/zoo-welcomes-two-pandas/"))
        response = Client().get(old_url)
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], new_url)
        self.assertEqual(Client().get(new_url).status_code, 200)

    def test_a_wrong_date_in_the_address_redirects_to_the_real_one(self):
        article = self.live_story()
        wrong = f"/1999/01/01/{article.slug}/"
        response = Client().get(wrong)
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], article.get_absolute_url())


@override_settings(TIME_ZONE="Europe/London")
class SchedulingWindowTests(EditorialTestCase):
    def schedule(self, article):
        """Schedule through the admin: live 12:00 to 18:00 (London, GMT in January)."""
        self.client.force_login(self.editor)
        return self.client.post(
            action_url(article, "publish"),
            {"publish_at": "2031-01-10T12:00", "unpublish_at": "2031-01-10T18:00"},
            follow=True,
        )

    def counts(self, article):
        return (
            AuditEntry.objects.filter(article=article, action=Action.WENT_LIVE).count(),
            AuditEntry.objects.filter(article=article, action=Action.UNPUBLISH).count(),
        )

    def test_a_story_is_visible_only_between_its_two_times_and_each_is_recorded_once(self):
        with time_machine.travel(datetime(2031, 1, 10, 9, 0, tzinfo=UTC), tick=False) as clock:
            article = self.create_story(headline="Polls open at noon")
            response = self.schedule(article)
            self.assertContains(
                response,
                "scheduled for 10 Jan 2031, 12:00 GMT. It comes down at 10 Jan 2031, 18:00 GMT.",
            )
            article.refresh_from_db()
            url = article.get_absolute_url()
            readers = Client()
            self.assertEqual(readers.get(url).status_code, 404)
            self.assertNotContains(readers.get("/"), "Polls open at noon")
            self.assertEqual(workflow.publish_due(), [])

            clock.move_to(datetime(2031, 1, 10, 12, 0, 1, tzinfo=UTC))
            self.assertContains(readers.get(url), "Polls open at noon")
            self.assertContains(readers.get("/"), "Polls open at noon")
            self.assertEqual(workflow.publish_due(), [article.pk])
            self.assertEqual(workflow.publish_due(), [])
            article.refresh_from_db()
            self.assertEqual(article.status, Article.Status.PUBLISHED)
            self.assertEqual(self.counts(article), (1, 0))

            clock.move_to(datetime(2031, 1, 10, 18, 0, 1, tzinfo=UTC))
            self.assertEqual(readers.get(url).status_code, 410)  # By the clock, before the job.
            self.assertNotContains(readers.get("/"), "Polls open at noon")
            self.assertEqual(workflow.publish_due(), [article.pk])
            self.assertEqual(workflow.publish_due(), [])
            self.assertEqual(readers.get(url).status_code, 410)
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.UNPUBLISHED)
        self.assertEqual(self.counts(article), (1, 1))
        self.assertEqual(
            AuditEntry.objects.get(article=article, action=Action.UNPUBLISH).note,
            "Scheduled unpublish",
        )

    def test_a_late_run_records_going_live_and_coming_down_once_each(self):
        with time_machine.travel(datetime(2031, 1, 10, 9, 0, tzinfo=UTC), tick=False) as clock:
            article = self.create_story(headline="Polls open at noon")
            self.schedule(article)
            clock.move_to(datetime(2031, 1, 11, 9, 0, tzinfo=UTC))
            self.assertEqual(workflow.publish_due(), [article.pk, article.pk])
            self.assertEqual(workflow.publish_due(), [])
            self.assertEqual(Client().get(article.get_absolute_url()).status_code, 410)
        self.assertEqual(self.counts(article), (1, 1))

    def test_an_unpublish_time_before_the_publication_time_is_refused(self):
        with time_machine.travel(datetime(2031, 1, 10, 9, 0, tzinfo=UTC), tick=False):
            article = self.create_story()
            self.client.force_login(self.editor)
            response = self.client.post(
                action_url(article, "publish"),
                {"publish_at": "2031-01-10T12:00", "unpublish_at": "2031-01-10T11:00"},
                follow=True,
            )
        self.assertContains(response, "The unpublish time must come after the publication time.")
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)
        self.assertIsNone(article.published_at)


class PreviewTests(EditorialTestCase):
    def setUp(self):
        self.article = self.live_story(headline="Live headline")
        workflow.save(
            self.article,
            story_data(self.section, headline="Pending headline"),
            by=self.editor,
            base_revision=1,
        )

    def assertNotCached(self, response):
        cache_control = response["Cache-Control"]
        for word in ("no-cache", "no-store", "must-revalidate", "private"):
            self.assertIn(word, cache_control)

    def assertNoIndex(self, response):
        self.assertContains(response, '<meta name="robots" content="noindex, nofollow">')
        self.assertIn("noindex", response.get("X-Robots-Tag", ""))

    def test_staff_preview_of_the_newest_version(self):
        self.client.force_login(self.editor)
        response = self.client.get(f"{ADMIN}{self.article.pk}/preview/")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "articles/detail.html")
        self.assertContains(response, "Pending headline")
        self.assertNotContains(response, "Live headline")
        self.assertContains(response, 'class="preview-banner"')
        self.assertContains(response, "Preview of the newest version (revision 2)")
        self.assertNotCached(response)
        self.assertNoIndex(response)

    def test_staff_preview_of_an_older_revision(self):
        workflow.publish(self.article, by=self.editor)  # Revision 2 live; 1 is history.
        self.client.force_login(self.editor)
        response = self.client.get(f"{ADMIN}{self.article.pk}/revisions/1/preview/")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "articles/detail.html")
        self.assertContains(response, "Live headline")
        self.assertNotContains(response, "Pending headline")
        self.assertContains(response, "Preview of the revision 1")
        self.assertNotCached(response)
        self.assertNoIndex(response)
        missing = self.client.get(f"{ADMIN}{self.article.pk}/revisions/99/preview/")
        self.assertEqual(missing.status_code, 404)

    def test_a_writer_previews_a_story_they_are_on_but_not_another_writers(self):
        self.client.force_login(self.writer)
        url = f"{ADMIN}{self.article.pk}/preview/"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "Pending headline", status_code=403)
        self.ana.user = self.writer
        self.ana.save()
        response = self.client.get(url)
        self.assertContains(response, "Pending headline")

    def test_anonymous_visitors_are_sent_to_the_login_page(self):
        for url in (
            f"{ADMIN}{self.article.pk}/preview/",
            f"{ADMIN}{self.article.pk}/revisions/1/preview/",
        ):
            response = Client().get(url)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/admin/login/?next="))
            self.assertNotContains(response, "Pending headline", status_code=302)


class SharedPreviewTests(EditorialTestCase):
    def setUp(self):
        self.article = self.live_story(headline="Live headline")
        workflow.save(
            self.article,
            story_data(self.section, headline="Pending headline"),
            by=self.editor,
            base_revision=1,
        )
        self.client.force_login(self.editor)

    def share(self):
        response = self.client.post(action_url(self.article, "share"), follow=True)
        found = re.search(r"http://testserver(/preview/[^\s<\"]+/)", response.content.decode())
        self.assertIsNotNone(found, "the message shows the link")
        return found.group(1)

    def test_a_shared_link_opens_without_login_and_shows_the_pending_version(self):
        path = self.share()
        link = PreviewLink.objects.get(article=self.article)
        self.assertEqual(link.revision_number, 2)
        self.assertTrue(
            AuditEntry.objects.filter(article=self.article, action=Action.PREVIEW_LINK).exists()
        )
        response = Client().get(path)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Pending headline")
        self.assertNotContains(response, "Live headline")
        self.assertContains(response, "A confidential preview: not published.")
        self.assertContains(response, '<meta name="robots" content="noindex, nofollow">')
        self.assertIn("no-store", response["Cache-Control"])

    def test_a_revoked_link_answers_410(self):
        path = self.share()
        link = PreviewLink.objects.get(article=self.article)
        response = self.client.post(
            action_url(self.article, "revoke"), {"link": link.pk}, follow=True
        )
        self.assertContains(response, "The preview link was revoked")
        response = Client().get(path)
        self.assertEqual(response.status_code, 410)
        self.assertContains(response, "This preview link no longer works", status_code=410)
        self.assertNotContains(response, "Pending headline", status_code=410)

    def test_a_link_older_than_48_hours_answers_410(self):
        path = self.share()
        with time_machine.travel(timezone.now() + timedelta(hours=47, minutes=59)):
            self.assertEqual(Client().get(path).status_code, 200)
        with time_machine.travel(timezone.now() + timedelta(hours=48, minutes=1)):
            response = Client().get(path)
        self.assertEqual(response.status_code, 410)
        self.assertNotContains(response, "Pending headline", status_code=410)

    def test_a_tampered_link_answers_404(self):
        path = self.share()
        token = path.removeprefix("/preview/").removesuffix("/")
        raw, signature = token.rsplit(":", 1)
        flipped = "A" if raw[0] != "A" else "B"
        for bad in (f"{flipped}{raw[1:]}:{signature}", f"{raw}:{signature[:-2]}xx", raw):
            response = Client().get(f"/preview/{bad}/")
            self.assertEqual(response.status_code, 404, bad)


class SharedPreviewStopsWithItsStoryTests(EditorialTestCase):
    """A preview link answers as its story's address does once the story is gone: taken down
    (410 Gone) or deleted (404). A draft's or a scheduled story's link keeps working: showing
    work not yet published is what it is for."""

    def setUp(self):
        self.client.force_login(self.editor)

    def share(self, article):
        return workflow.share_preview(article, by=self.editor).get_absolute_url()

    def assert_gone(self, path):
        response = Client().get(path)
        self.assertContains(response, "This story has been removed", status_code=410)
        self.assertNotContains(response, "Confidential", status_code=410)
        self.assertNotContains(response, "Mayor resigns", status_code=410)
        self.assertIn("no-store", response["Cache-Control"])

    def test_a_link_stops_when_its_story_is_taken_down_and_stays_stopped(self):
        article = self.live_story(headline="Mayor resigns")
        workflow.save(
            article,
            story_data(self.section, headline="Mayor resigns after vote"),
            by=self.editor,
            base_revision=1,
        )
        article.refresh_from_db()
        path = self.share(article)
        self.assertContains(Client().get(path), "Mayor resigns after vote")
        self.client.post(action_url(article, "unpublish"))
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.UNPUBLISHED)
        self.assertEqual(Client().get(article.get_absolute_url()).status_code, 410)
        self.assert_gone(path)
        link = PreviewLink.objects.get(article=article)
        self.assertIsNotNone(link.revoked_at)
        entry = AuditEntry.objects.get(article=article, action=Action.UNPUBLISH)
        self.assertEqual(entry.note, "1 preview link revoked")
        # The change form neither lists the dead link nor offers a new one.
        form = self.client.get(change_url(article))
        self.assertNotContains(form, path)
        self.assertNotContains(form, "Share a preview link")
        response = self.client.post(action_url(article, "share"), follow=True)
        self.assertContains(response, "This story was taken down: a preview link")
        self.assertEqual(PreviewLink.objects.filter(article=article).count(), 1)
        # Published again, the story is back; the link a takedown withdrew is not.
        workflow.publish(article, by=self.editor)
        response = Client().get(path)
        self.assertContains(response, "This preview link no longer works", status_code=410)

    def test_a_link_stops_at_the_stories_unpublish_time_before_the_worker_records_it(self):
        with time_machine.travel(T0, tick=False) as clock:
            article = self.create_story(headline="Mayor resigns")
            workflow.publish(article, by=self.editor, unpublish_at=T0 + timedelta(hours=2))
            path = self.share(article)
            self.assertEqual(Client().get(path).status_code, 200)
            clock.shift(timedelta(hours=2, minutes=1))
            self.assert_gone(path)  # By the clock, as the story's own address.
            self.assertEqual(Client().get(article.get_absolute_url()).status_code, 410)
            self.assertEqual(workflow.publish_due(), [article.pk])
            self.assertIsNotNone(PreviewLink.objects.get(article=article).revoked_at)
            self.assertEqual(
                AuditEntry.objects.get(article=article, action=Action.UNPUBLISH).note,
                "Scheduled unpublish; 1 preview link revoked",
            )
            self.assert_gone(path)

    def test_a_link_to_a_deleted_story_answers_404(self):
        article = self.create_story(headline="Mayor resigns")
        path = self.share(article)
        self.assertEqual(Client().get(path).status_code, 200)
        response = self.client.post(f"{ADMIN}{article.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Article.objects.filter(pk=article.pk).exists())
        response = Client().get(path)
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "Mayor resigns", status_code=404)

    def test_a_drafts_link_keeps_working_and_a_cancelled_schedule_keeps_it_a_draft(self):
        with time_machine.travel(T0, tick=False):
            article = self.create_story(headline="Mayor resigns")
            path = self.share(article)
            self.assertContains(Client().get(path), "Mayor resigns")
            workflow.publish(article, by=self.editor, at=T0 + timedelta(days=1))
            self.assertContains(Client().get(path), "Mayor resigns")
            workflow.unpublish(article, by=self.editor)  # Cancel the schedule.
            article.refresh_from_db()
            self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)
            self.assertContains(Client().get(path), "Mayor resigns")
            self.assertIsNone(PreviewLink.objects.get(article=article).revoked_at)


class NotificationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("Politics", slug="politics")
        cls.desk = make_user("desk", role="Editor")  # Section editor: desk@example.org
        cls.section.editors.add(cls.desk)
        cls.editor = make_user("chief", role="Editor")  # Not a section editor.
        cls.wendy = make_user("wendy", role="Writer")
        # Wendy's login email wins over her public profile address.
        cls.wendy_author = make_author("Wendy Li", user=cls.wendy, email="wendy.public@example.net")
        cls.tom = make_author("Tom Reid", email="tom@freelance.test")  # No login.
        cls.nobody = make_author("Anonymous Source")  # No email at all.

    def setUp(self):
        self.article = workflow.create(
            story_data(
                self.section,
                headline="Minister quits",
                bylines=[
                    (self.wendy_author, "reporter"),
                    (self.tom, "additional"),
                    (self.nobody, "writer"),
                ],
            ),
            by=self.wendy,
        )

    def post(self, user, action, data=None):
        client = Client()
        client.force_login(user)
        return client.post(action_url(self.article, action), data or {}, follow=True)

    def test_submitting_tells_the_other_bylines_and_the_section_editors(self):
        response = self.post(self.wendy, "submit")
        self.assertContains(response, "Notified: desk@example.org, tom@freelance.test.")
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(sorted(message.to), ["desk@example.org", "tom@freelance.test"])
        self.assertIn("Minister quits", message.subject)
        self.article.refresh_from_db()
        self.assertEqual(self.article.stage, Article.Stage.IN_REVIEW)
        entry = AuditEntry.objects.get(article=self.article, action=Action.SUBMIT)
        self.assertEqual(entry.notified, "desk@example.org, tom@freelance.test")

    def test_a_section_without_editors_sends_review_requests_to_the_desk(self):
        culture = make_section("Culture", slug="culture")
        story = workflow.create(
            story_data(
                culture, headline="Gallery reopens", bylines=[(self.wendy_author, "writer")]
            ),
            by=self.wendy,
        )
        outcome = workflow.submit(story, by=self.wendy)
        # Everyone who may review: the Editor role (desk, chief); not the writer herself.
        self.assertEqual(outcome.notified, ["chief@example.org", "desk@example.org"])
        self.assertEqual(sorted(mail.outbox[0].to), ["chief@example.org", "desk@example.org"])

    def test_approving_tells_the_bylines_not_the_approving_editor(self):
        workflow.submit(self.article, by=self.wendy)
        mail.outbox.clear()
        response = self.post(self.desk, "approve")
        self.assertContains(response, "Notified: tom@freelance.test, wendy@example.org.")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(sorted(mail.outbox[0].to), ["tom@freelance.test", "wendy@example.org"])
        self.assertNotIn("wendy.public@example.net", mail.outbox[0].to)

    def test_the_writer_who_filed_a_story_under_another_byline_hears_it_was_approved(self):
        story = workflow.create(
            story_data(self.section, headline="Strike called off", bylines=[(self.tom, "writer")]),
            by=self.wendy,
        )
        workflow.submit(story, by=self.wendy)
        mail.outbox.clear()
        outcome = workflow.approve(story, by=self.desk)
        self.assertEqual(outcome.notified, ["tom@freelance.test", "wendy@example.org"])
        self.assertEqual(sorted(mail.outbox[0].to), ["tom@freelance.test", "wendy@example.org"])

    def test_sending_back_tells_everyone_else_with_the_note(self):
        workflow.submit(self.article, by=self.wendy)
        mail.outbox.clear()
        response = self.post(self.editor, "send-back", {"note": "Check the quote in paragraph 2."})
        self.assertContains(
            response, "Notified: desk@example.org, tom@freelance.test, wendy@example.org."
        )
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(
            sorted(message.to), ["desk@example.org", "tom@freelance.test", "wendy@example.org"]
        )
        self.assertIn("Check the quote in paragraph 2.", message.body)
        self.article.refresh_from_db()
        self.assertEqual(self.article.stage, Article.Stage.SENT_BACK)

    def test_sending_back_without_a_note_is_refused_and_changes_nothing(self):
        workflow.submit(self.article, by=self.wendy)
        mail.outbox.clear()
        response = self.post(self.editor, "send-back", {"note": "  "})
        self.assertContains(response, "a note is required to send a story back")
        self.assertEqual(mail.outbox, [])
        self.article.refresh_from_db()
        self.assertEqual(self.article.stage, Article.Stage.IN_REVIEW)
        self.assertFalse(AuditEntry.objects.filter(action=Action.SEND_BACK).exists())

    def test_publishing_tells_the_bylines_and_section_editors(self):
        response = self.post(self.editor, "publish")
        self.assertContains(response, "is now live")
        self.assertContains(
            response, "Notified: desk@example.org, tom@freelance.test, wendy@example.org."
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(
            sorted(mail.outbox[0].to),
            ["desk@example.org", "tom@freelance.test", "wendy@example.org"],
        )
        self.assertTrue(mail.outbox[0].subject.startswith("Published"))


class DeletionTests(EditorialTestCase):
    def delete(self, user, article):
        client = Client()
        client.force_login(user)
        return client.post(f"{ADMIN}{article.pk}/delete/", {"post": "yes"})

    def test_an_editor_may_delete_a_never_published_draft_leaving_an_audit_entry(self):
        draft = self.create_story(headline="Abandoned idea")
        pk = draft.pk
        response = self.delete(self.editor, draft)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Article.objects.filter(pk=pk).exists())
        entry = AuditEntry.objects.get(action=Action.DELETE)
        self.assertEqual(entry.article_headline, "Abandoned idea")
        self.assertIsNone(entry.article)
        self.assertEqual(entry.user, self.editor)
        self.assertIn(f"id {pk}", entry.note)

    def test_an_editor_may_not_delete_a_published_story(self):
        story = self.live_story(headline="On the record")
        client = Client()
        client.force_login(self.editor)
        self.assertEqual(client.get(f"{ADMIN}{story.pk}/delete/").status_code, 403)
        self.assertEqual(self.delete(self.editor, story).status_code, 403)
        self.assertTrue(Article.objects.filter(pk=story.pk).exists())
        self.assertFalse(AuditEntry.objects.filter(action=Action.DELETE).exists())
        # Nor one that was published and then taken down.
        workflow.unpublish(story, by=self.editor)
        self.assertEqual(self.delete(self.editor, story).status_code, 403)
        self.assertTrue(Article.objects.filter(pk=story.pk).exists())

    def test_a_superuser_may_delete_a_published_story(self):
        story = self.live_story(headline="Legal takedown")
        boss = make_user("boss", superuser=True)
        response = self.delete(boss, story)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Article.objects.filter(pk=story.pk).exists())
        entry = AuditEntry.objects.get(action=Action.DELETE)
        self.assertEqual((entry.article_headline, entry.user), ("Legal takedown", boss))


@override_settings(TIME_ZONE="Europe/London")
class ClockChangeSchedulingTests(EditorialTestCase):
    def publish_at(self, value):
        self.client.force_login(self.editor)
        return self.client.post(
            action_url(self.article, "publish"), {"publish_at": value}, follow=True
        )

    def setUp(self):
        self.article = self.create_story(headline="Clocks go back tonight")

    def test_an_ambiguous_time_means_its_first_occurrence(self):
        # 01:00-02:00 on 25 October 2026 happens twice in London: first in BST, then in GMT.
        with time_machine.travel(datetime(2026, 10, 1, 12, 0, tzinfo=UTC), tick=False):
            response = self.publish_at("2026-10-25T01:30")
        self.assertContains(response, "scheduled for 25 Oct 2026, 01:30 BST")
        self.article.refresh_from_db()
        self.assertEqual(self.article.status, Article.Status.SCHEDULED)
        self.assertEqual(self.article.published_at, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))

    def test_a_time_skipped_by_the_clock_change_is_refused(self):
        # 01:00-02:00 on 29 March 2026 does not happen in London (clocks go forward).
        with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
            response = self.publish_at("2026-03-29T01:30")
        self.assertContains(response, "does not exist in Europe/London")
        self.article.refresh_from_db()
        self.assertEqual(self.article.status, Article.Status.NOT_PUBLISHED)
        self.assertIsNone(self.article.published_at)
        self.assertFalse(AuditEntry.objects.filter(action=Action.SCHEDULE).exists())

    def test_a_time_in_the_past_is_refused(self):
        past = timezone.localtime(timezone.now() - timedelta(hours=1))
        response = self.publish_at(past.strftime("%Y-%m-%dT%H:%M"))
        self.assertContains(response, "That time has passed.")
        self.article.refresh_from_db()
        self.assertEqual(self.article.status, Article.Status.NOT_PUBLISHED)
        self.assertIsNone(self.article.published_at)
        self.assertFalse(
            AuditEntry.objects.filter(action__in=[Action.SCHEDULE, Action.PUBLISH]).exists()
        )
