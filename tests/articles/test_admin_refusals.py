"""A refusal in the admin is the admin's own page: what is not allowed, why, and ways back.

Outside the admin, Django's plain 403 stands.
"""

from django.test import RequestFactory, TestCase

from articles import workflow
from articles.admin.workflow_views import NOT_EDITABLE, NOT_VIEWABLE, NOT_WRITER
from articles.models import Article
from newsroom import urls
from newsroom.errors import GENERIC_REASON, permission_denied
from tests.articles.test_permissions import story_data
from tests.factories import make_article, make_section, make_user

ARTICLES = "/admin/articles/article/"


class AdminRefusalPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("News", slug="news")
        cls.editor = make_user("editor", role="Editor")
        cls.writer = make_user("writer", role="Writer")
        cls.contributor = make_user("contributor", role="Contributor")
        cls.profiles = make_user("profiles", role="Profile manager")
        cls.secret = make_article(
            headline="Embargoed merger talks",
            published=False,
            section=cls.section,
            created_by=cls.editor,
        )
        cls.live = make_article(
            headline="Council meets", section=cls.section, created_by=cls.editor
        )

    def assert_refusal_page(self, response, reason):
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.templates[0].name, "admin/403.html")
        self.assertContains(response, "<h1>You are not allowed to do this</h1>", status_code=403)
        self.assertContains(response, reason, status_code=403)
        # The admin's chrome, and the ways back.
        self.assertContains(response, "The Daily Ledger newsroom", status_code=403)
        self.assertContains(response, '<a href="/admin/">The desk</a>', status_code=403)
        self.assertContains(response, "Nothing was changed.", status_code=403)
        self.assertIn("no-store", response["Cache-Control"])

    def test_opening_a_story_the_user_may_not_see(self):
        self.client.force_login(self.contributor)
        for path in ["change/", "history/", "preview/"]:
            with self.subTest(path=path):
                response = self.client.get(f"{ARTICLES}{self.secret.pk}/{path}")
                self.assert_refusal_page(response, NOT_VIEWABLE)
                self.assertContains(
                    response, f'<a href="{ARTICLES}">The story list</a>', status_code=403
                )
                self.assertContains(response, "(Contributor)", status_code=403)
                self.assertNotContains(response, "Embargoed merger talks", status_code=403)

    def test_a_workflow_refusal_shows_the_workflows_reason_and_the_way_back(self):
        mine = workflow.create(story_data(self.section, headline="Mine"), by=self.writer)
        change = f"http://testserver{ARTICLES}{mine.pk}/change/"
        self.client.force_login(self.writer)
        response = self.client.post(
            f"{ARTICLES}{mine.pk}/workflow/restore/", {"number": "1"}, HTTP_REFERER=change
        )
        self.assert_refusal_page(response, "Only editors may restore revisions.")
        self.assertContains(
            response, f'<a href="{change}">Go back to the page you came from</a>', status_code=403
        )
        response = self.client.post(
            f"{ARTICLES}{mine.pk}/workflow/publish/", HTTP_REFERER="https://evil.example/"
        )
        self.assert_refusal_page(response, "Only editors may publish or schedule stories.")
        self.assertNotContains(response, "evil.example", status_code=403)
        response = self.client.post(f"{ARTICLES}{mine.pk}/workflow/launch-missiles/")
        self.assert_refusal_page(response, "There is no workflow action “launch-missiles”.")

    def test_editing_a_story_the_user_may_only_read(self):
        own_live = make_article(
            headline="Contributor's published piece",
            section=self.section,
            created_by=self.contributor,
        )
        self.client.force_login(self.contributor)
        self.assertEqual(self.client.get(f"{ARTICLES}{own_live.pk}/change/").status_code, 200)
        response = self.client.post(f"{ARTICLES}{own_live.pk}/change/", {"headline": "Changed"})
        self.assert_refusal_page(response, NOT_EDITABLE)
        own_live.refresh_from_db()
        self.assertEqual(own_live.headline, "Contributor's published piece")

    def test_deleting_refused_says_why(self):
        self.client.force_login(self.editor)
        response = self.client.get(f"{ARTICLES}{self.live.pk}/delete/")
        self.assert_refusal_page(response, "A story readers have seen cannot be deleted")
        self.client.force_login(self.writer)
        mine = make_article(headline="Draft", published=False, created_by=self.writer)
        response = self.client.post(f"{ARTICLES}{mine.pk}/delete/", {"post": "yes"})
        self.assert_refusal_page(response, "Only editors may delete drafts.")
        self.assertTrue(Article.objects.filter(pk=mine.pk).exists())

    def test_a_page_outside_the_role(self):
        self.client.force_login(self.profiles)
        self.assert_refusal_page(self.client.get(f"{ARTICLES}add/"), NOT_WRITER)
        response = self.client.get(f"{ARTICLES}")
        self.assert_refusal_page(response, GENERIC_REASON)
        self.assertNotContains(
            response, f'<a href="{ARTICLES}">The story list</a>', status_code=403
        )

    def test_outside_the_admin_the_plain_403_stands(self):
        self.assertEqual(urls.handler403, "newsroom.errors.permission_denied")
        request = RequestFactory().get("/search/")
        request.user = self.editor
        response = permission_denied(request, Exception("Not for readers"))
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "<h1>403 Forbidden</h1>", status_code=403)
        self.assertNotContains(response, "Not for readers", status_code=403)
        self.assertNotContains(response, "not allowed to do this", status_code=403)

    def test_a_visitor_who_is_not_staff_is_sent_to_the_login_not_told_why(self):
        response = self.client.get(f"{ARTICLES}{self.secret.pk}/change/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"))
