"""Who may do what in the newsroom admin: every role against every action, over HTTP.

The matrix below is the product's permission spec. Each cell logs in as the role, makes fresh
rows, and sends the request the admin's own buttons and forms send. An allowed cell must answer
normally and change the database as the action says; a refused cell must answer 403 (or, for a
visitor who is not staff, send them to the admin login) and leave the database exactly as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from django.http import HttpResponse
from django.test import TestCase

from articles import workflow
from articles.models import Article, AuditEntry, Byline, Correction, EditLock, Revision
from authors.models import Author
from tests.factories import make_author, make_section, make_user

ROLES = [
    "anonymous",
    "non-staff",
    "Contributor",
    "Writer",
    "Editor",
    "Profile manager",
    "superuser",
]

Y, N = True, False

# fmt: off
MATRIX = {
    #                                   anon  non-staff  Contrib  Writer  Editor  Profiles  super
    "open the add form":               (N,    N,         Y,       Y,      Y,      N,        Y),
    "create a story":                  (N,    N,         Y,       Y,      Y,      N,        Y),
    "edit own draft":                  (N,    N,         Y,       Y,      Y,      N,        Y),
    "edit own published story":        (N,    N,         N,       Y,      Y,      N,        Y),
    "open another's story":            (N,    N,         N,       N,      Y,      N,        Y),
    "edit another's story":            (N,    N,         N,       N,      Y,      N,        Y),
    "edit a story bylined to them":    (N,    N,         N,       Y,      Y,      N,        Y),
    "submit own draft":                (N,    N,         Y,       Y,      Y,      N,        Y),
    "approve":                         (N,    N,         N,       N,      Y,      N,        Y),
    "send back":                       (N,    N,         N,       N,      Y,      N,        Y),
    "publish":                         (N,    N,         N,       N,      Y,      N,        Y),
    "schedule":                        (N,    N,         N,       N,      Y,      N,        Y),
    "unpublish":                       (N,    N,         N,       N,      Y,      N,        Y),
    "correct":                         (N,    N,         N,       N,      Y,      N,        Y),
    "restore a revision":              (N,    N,         N,       N,      Y,      N,        Y),
    "delete a draft":                  (N,    N,         N,       N,      Y,      N,        Y),
    "delete a published story":        (N,    N,         N,       N,      N,      N,        Y),
    "add an author":                   (N,    N,         N,       N,      N,      Y,        Y),
    "change an author":                (N,    N,         N,       N,      N,      Y,        Y),
}
# fmt: on

ARTICLES = "/admin/articles/article/"
SCHEDULE_AT = "2099-06-15T09:00"  # London summer time: 08:00 UTC.


def story_url(article, action=None):
    if action is None:
        return f"{ARTICLES}{article.pk}/change/"
    return f"{ARTICLES}{article.pk}/workflow/{action}/"


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def story_data(section, **fields):
    """What the workflow stores for a story: every field, bylines, tags and picks."""
    data = dict.fromkeys(workflow.FIELDS, "")
    data |= {"standfirst": "What happened.", "body": "<p>The facts.</p>", "is_lead": False}
    data |= {"section": section.pk, "hero_image": None, "bylines": [], "tags": [], "related": []}
    return data | fields


def add_form(section, headline):
    return {
        "headline": headline,
        "standfirst": "A new story.",
        "body": "<p>It happened today.</p>",
        "section": section.pk,
        "tags": "",
        "slug": "",
        "seo_title": "",
        "seo_description": "",
        "hero_caption": "",
        **inline_management("bylines"),
        **inline_management("picks"),
    }


def change_form(article, **fields):
    """The change form as the admin renders it for ``article`` (bylines as existing rows)."""
    bylines = list(Byline.objects.filter(article=article).order_by("position", "pk"))
    data = {
        "headline": article.headline,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section_id,
        "tags": "",
        "slug": article.slug,
        "seo_title": "",
        "seo_description": "",
        "hero_caption": "",
        "base_revision": article.revision_number,
        "change_note": "",
        **inline_management("bylines", len(bylines), len(bylines)),
        **inline_management("picks"),
    }
    for i, byline in enumerate(bylines):
        data |= {
            f"bylines-{i}-id": byline.pk,
            f"bylines-{i}-article": article.pk,
            f"bylines-{i}-author": byline.author_id,
            f"bylines-{i}-role": byline.role,
            f"bylines-{i}-position": byline.position,
        }
    return data | fields


def author_form(name, **fields):
    data = {"name": name, "slug": "", "job_title": "", "is_active": "on", "user": ""}
    data |= {"short_bio": "", "bio": "", "email": "", "website": "", "x_url": ""}
    data |= {"bluesky_url": "", "mastodon_url": "", "linkedin_url": "", "instagram_url": ""}
    return data | fields


@dataclass
class Attempt:
    """One cell: the row a refusal must leave alone, the request, and what success means."""

    target: Article | Author | None
    send: Callable[[], HttpResponse]
    succeeded: Callable[[HttpResponse], None]


class PermissionMatrixTests(TestCase):
    maxDiff = None

    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("News", slug="news")
        cls.desk = make_user("desk", superuser=True)  # Sets up rows; not under test.
        cls.colleague = make_user("colleague", role="Writer")
        cls.users = {
            "anonymous": None,
            "non-staff": make_user("reader", staff=False),
            "Contributor": make_user("contributor", role="Contributor"),
            "Writer": make_user("writer", role="Writer"),
            "Editor": make_user("editor", role="Editor"),
            "Profile manager": make_user("profiles", role="Profile manager"),
            "superuser": make_user("chief", superuser=True),
        }
        # Every login has an Author profile (Author.user), so a story can carry their byline.
        for role, user in cls.users.items():
            if user is not None:
                make_author(f"{role.title()} Byline", user=user)

    # --- Rows --------------------------------------------------------------------------------

    def story(self, owner, *, stage=None, published=False, bylines=(), revisions=1):
        """A fresh story written through the workflow, then handed to ``owner``."""
        data = story_data(
            self.section,
            headline="Original headline",
            bylines=[{"author": author.pk, "role": "writer"} for author in bylines],
        )
        article = workflow.create(data, by=self.desk)
        for n in range(2, revisions + 1):
            data["headline"] = f"Headline of revision {n}"
            workflow.save(article, data, by=self.desk, base_revision=n - 1)
        if stage == Article.Stage.IN_REVIEW:
            workflow.submit(article, by=self.desk)
        if published:
            workflow.publish(article, by=self.desk)
        Article.objects.filter(pk=article.pk).update(created_by=owner)
        article.refresh_from_db()
        return article

    def database_state(self, target):
        counts = {
            model.__name__: model.objects.count()
            for model in (Article, Revision, AuditEntry, Correction, EditLock, Byline, Author)
        }
        row = None
        if isinstance(target, Article):
            row = (
                Article.objects.filter(pk=target.pk)
                .values(
                    "status",
                    "stage",
                    "revision_number",
                    "live_revision_number",
                    "headline",
                    "published_at",
                    "created_by",
                )
                .first()
            )
        elif isinstance(target, Author):
            row = Author.objects.filter(pk=target.pk).values("name", "job_title", "slug").first()
        return counts, row

    # --- Checks shared by the cells ----------------------------------------------------------

    def assert_audited(self, article, action, user):
        self.assertTrue(
            AuditEntry.objects.filter(article=article, action=action, user=user).exists(),
            f"no {action!r} audit entry by {user}",
        )

    def assert_back_on_story(self, response, article):
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], story_url(article))

    def assert_edited(self, response, article, user, headline):
        before = article.revision_number
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.assertEqual(response["Location"], ARTICLES)
        article.refresh_from_db()
        self.assertEqual(article.revision_number, before + 1)
        newest = Revision.objects.get(article=article, number=before + 1)
        self.assertEqual(newest.data["headline"], headline)
        self.assertEqual(newest.created_by, user)
        if article.is_live:  # A live story keeps its live version; the edit is pending.
            self.assertEqual(article.headline, "Original headline")
            self.assertEqual(article.live_revision_number, before)
        else:
            self.assertEqual(article.headline, headline)
        self.assert_audited(article, AuditEntry.Action.EDIT, user)

    def assert_refused(self, response, role):
        if role in {"anonymous", "non-staff"}:
            self.assertEqual(response.status_code, 302)
            self.assertTrue(
                response["Location"].startswith("/admin/login/?next="), response["Location"]
            )
        else:
            self.assertEqual(response.status_code, 403)

    # --- The cells ---------------------------------------------------------------------------

    def attempt_open_the_add_form(self, user):
        def succeeded(response):
            self.assertContains(response, 'name="headline"')

        return Attempt(None, partial(self.client.get, f"{ARTICLES}add/"), succeeded)

    def attempt_create_a_story(self, user):
        headline = f"New story by {user}"

        def succeeded(response):
            self.assertEqual(response.status_code, 302, getattr(response, "context", None))
            article = Article.objects.get(headline=headline)
            self.assertEqual(article.created_by, user)
            self.assertEqual(article.status, Article.Status.NOT_PUBLISHED)
            self.assertEqual(article.stage, Article.Stage.DRAFT)
            self.assertEqual(article.revision_number, 1)
            self.assert_audited(article, AuditEntry.Action.CREATE, user)

        send = partial(self.client.post, f"{ARTICLES}add/", add_form(self.section, headline))
        return Attempt(None, send, succeeded)

    def edit(self, article, user):
        headline = f"Edited by {user}"
        send = partial(
            self.client.post, story_url(article), change_form(article, headline=headline)
        )
        return Attempt(
            article, send, lambda response: self.assert_edited(response, article, user, headline)
        )

    def attempt_edit_own_draft(self, user):
        return self.edit(self.story(user), user)

    def attempt_edit_own_published_story(self, user):
        return self.edit(self.story(user, published=True), user)

    def attempt_open_anothers_story(self, user):
        article = self.story(self.colleague)

        def succeeded(response):
            self.assertContains(response, 'name="headline"')  # The editable form, not a view.
            self.assertContains(response, 'name="base_revision"')

        return Attempt(article, partial(self.client.get, story_url(article)), succeeded)

    def attempt_edit_anothers_story(self, user):
        return self.edit(self.story(self.colleague), user)

    def attempt_edit_a_story_bylined_to_them(self, user):
        bylines = Author.objects.filter(user=user) if user else []
        article = self.story(self.colleague, bylines=bylines)
        return self.edit(article, user)

    def attempt_submit_own_draft(self, user):
        article = self.story(user)

        def succeeded(response):
            self.assert_back_on_story(response, article)
            article.refresh_from_db()
            self.assertEqual(article.stage, Article.Stage.IN_REVIEW)
            self.assert_audited(article, AuditEntry.Action.SUBMIT, user)

        return Attempt(article, partial(self.client.post, story_url(article, "submit")), succeeded)

    def attempt_approve(self, user):
        article = self.story(user, stage=Article.Stage.IN_REVIEW)

        def succeeded(response):
            self.assert_back_on_story(response, article)
            article.refresh_from_db()
            self.assertEqual(article.stage, Article.Stage.APPROVED)
            self.assert_audited(article, AuditEntry.Action.APPROVE, user)

        return Attempt(article, partial(self.client.post, story_url(article, "approve")), succeeded)

    def attempt_send_back(self, user):
        article = self.story(user, stage=Article.Stage.IN_REVIEW)
        note = "Needs a second source."

        def succeeded(response):
            self.assert_back_on_story(response, article)
            article.refresh_from_db()
            self.assertEqual(article.stage, Article.Stage.SENT_BACK)
            entry = AuditEntry.objects.get(article=article, action=AuditEntry.Action.SEND_BACK)
            self.assertEqual((entry.user, entry.note), (user, note))

        send = partial(self.client.post, story_url(article, "send-back"), {"note": note})
        return Attempt(article, send, succeeded)

    def attempt_publish(self, user):
        article = self.story(user)

        def succeeded(response):
            self.assert_back_on_story(response, article)
            article.refresh_from_db()
            self.assertEqual(article.status, Article.Status.PUBLISHED)
            self.assertTrue(article.is_live)
            self.assert_audited(article, AuditEntry.Action.PUBLISH, user)

        return Attempt(article, partial(self.client.post, story_url(article, "publish")), succeeded)

    def attempt_schedule(self, user):
        article = self.story(user)

        def succeeded(response):
            self.assert_back_on_story(response, article)
            article.refresh_from_db()
            self.assertEqual(article.status, Article.Status.SCHEDULED)
            self.assertEqual(article.published_at, datetime(2099, 6, 15, 8, 0, tzinfo=UTC))
            self.assertFalse(article.is_live)
            self.assert_audited(article, AuditEntry.Action.SCHEDULE, user)

        send = partial(self.client.post, story_url(article, "publish"), {"publish_at": SCHEDULE_AT})
        return Attempt(article, send, succeeded)

    def attempt_unpublish(self, user):
        article = self.story(user, published=True)

        def succeeded(response):
            self.assert_back_on_story(response, article)
            article.refresh_from_db()
            self.assertEqual(article.status, Article.Status.UNPUBLISHED)
            self.assert_audited(article, AuditEntry.Action.UNPUBLISH, user)

        send = partial(self.client.post, story_url(article, "unpublish"))
        return Attempt(article, send, succeeded)

    def attempt_correct(self, user):
        article = self.story(user, published=True)
        text = "An earlier version gave the wrong date."

        def succeeded(response):
            self.assert_back_on_story(response, article)
            correction = Correction.objects.get(article=article)
            self.assertEqual((correction.kind, correction.text), ("correction", text))
            self.assert_audited(article, AuditEntry.Action.CORRECT, user)

        send = partial(
            self.client.post,
            story_url(article, "correct"),
            {"kind": "correction", "text": text},
        )
        return Attempt(article, send, succeeded)

    def attempt_restore_a_revision(self, user):
        article = self.story(user, revisions=2)
        history = f"{ARTICLES}{article.pk}/history/"

        def succeeded(response):
            self.assertEqual(response.status_code, 302)
            self.assertEqual(response["Location"], history)
            article.refresh_from_db()
            self.assertEqual(article.revision_number, 3)
            self.assertEqual(article.headline, "Original headline")
            self.assert_audited(article, AuditEntry.Action.RESTORE, user)

        send = partial(
            self.client.post,
            story_url(article, "restore"),
            {"number": 1, "next": history},
        )
        return Attempt(article, send, succeeded)

    def delete(self, article, user):
        pk, headline = article.pk, article.headline

        def succeeded(response):
            self.assertEqual(response.status_code, 302)
            self.assertEqual(response["Location"], ARTICLES)
            self.assertFalse(Article.objects.filter(pk=pk).exists())
            self.assertFalse(Revision.objects.filter(article_id=pk).exists())
            entry = AuditEntry.objects.get(
                action=AuditEntry.Action.DELETE, note__contains=f"id {pk},"
            )
            self.assertEqual((entry.user, entry.article_headline), (user, headline))

        send = partial(self.client.post, f"{ARTICLES}{pk}/delete/", {"post": "yes"})
        return Attempt(article, send, succeeded)

    def attempt_delete_a_draft(self, user):
        return self.delete(self.story(user), user)

    def attempt_delete_a_published_story(self, user):
        return self.delete(self.story(user, published=True), user)

    def attempt_add_an_author(self, user):
        name = f"Profile added by {user}"

        def succeeded(response):
            self.assertEqual(response.status_code, 302, getattr(response, "context", None))
            self.assertTrue(Author.objects.filter(name=name).exists())

        send = partial(self.client.post, "/admin/authors/author/add/", author_form(name))
        return Attempt(None, send, succeeded)

    def attempt_change_an_author(self, user):
        author = make_author("Sam Field")

        def succeeded(response):
            self.assertEqual(response.status_code, 302, getattr(response, "context", None))
            author.refresh_from_db()
            self.assertEqual((author.name, author.job_title), ("Sam Fielding", "Night editor"))

        send = partial(
            self.client.post,
            f"/admin/authors/author/{author.pk}/change/",
            author_form("Sam Fielding", slug=author.slug, job_title="Night editor"),
        )
        return Attempt(author, send, succeeded)

    # --- Running a row of the matrix ---------------------------------------------------------

    def check_row(self, action):
        make_attempt = getattr(self, "attempt_" + action.replace("'", "").replace(" ", "_"))
        for role, allowed in zip(ROLES, MATRIX[action], strict=True):
            with self.subTest(action=action, role=role, allowed=allowed):
                user = self.users[role]
                self.client.logout()
                if user is not None:
                    self.client.force_login(user)
                attempt = make_attempt(user)
                before = self.database_state(attempt.target)
                response = attempt.send()
                if allowed:
                    attempt.succeeded(response)
                else:
                    self.assert_refused(response, role)
                    self.assertEqual(self.database_state(attempt.target), before)

    def test_open_the_add_form(self):
        self.check_row("open the add form")

    def test_create_a_story(self):
        self.check_row("create a story")

    def test_edit_own_draft(self):
        self.check_row("edit own draft")

    def test_edit_own_published_story(self):
        self.check_row("edit own published story")

    def test_open_anothers_story(self):
        self.check_row("open another's story")

    def test_edit_anothers_story(self):
        self.check_row("edit another's story")

    def test_edit_a_story_bylined_to_them(self):
        self.check_row("edit a story bylined to them")

    def test_submit_own_draft(self):
        self.check_row("submit own draft")

    def test_approve(self):
        self.check_row("approve")

    def test_send_back(self):
        self.check_row("send back")

    def test_publish(self):
        self.check_row("publish")

    def test_schedule(self):
        self.check_row("schedule")

    def test_unpublish(self):
        self.check_row("unpublish")

    def test_correct(self):
        self.check_row("correct")

    def test_restore_a_revision(self):
        self.check_row("restore a revision")

    def test_delete_a_draft(self):
        self.check_row("delete a draft")

    def test_delete_a_published_story(self):
        self.check_row("delete a published story")

    def test_add_an_author(self):
        self.check_row("add an author")

    def test_change_an_author(self):
        self.check_row("change an author")

    def test_every_cell_of_the_matrix_is_tested(self):
        tested = {name[5:] for name in dir(self) if name.startswith("test_")}
        for action in MATRIX:
            self.assertIn(action.replace("'", "").replace(" ", "_"), tested)


class SendBackNeedsANoteTests(TestCase):
    def test_editor_sending_back_without_a_note_is_told_so_and_nothing_changes(self):
        section = make_section("News", slug="news")
        editor = make_user("editor", role="Editor")
        article = workflow.create(story_data(section, headline="Draft"), by=editor)
        workflow.submit(article, by=editor)
        audits = AuditEntry.objects.count()
        self.client.force_login(editor)
        response = self.client.post(story_url(article, "send-back"), {"note": "  "}, follow=True)
        self.assertContains(response, "a note is required to send a story back")
        article.refresh_from_db()
        self.assertEqual(article.stage, Article.Stage.IN_REVIEW)
        self.assertEqual(AuditEntry.objects.count(), audits)
