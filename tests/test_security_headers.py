"""Security headers on every response: the Content-Security-Policy (django-csp), nosniff, the
referrer policy and frame protection, on rendered pages, cached pages and the admin.

tests/e2e/test_content_security_policy.py checks in Chromium that the pages meet the policy.
"""

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import django_prose_editor
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings

import pagecache
from articles.admin.stories import EDITOR_STYLE_HASH
from pagecache.middleware import PageCacheMiddleware, PublicCacheHeadersMiddleware
from tests.factories import make_article, make_author, make_image, make_section, make_user

EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "media-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "frame-src": "'none'",
    "worker-src": "'none'",
    "manifest-src": "'self'",
}
NONCE = re.compile(r"'nonce-([^']+)'")


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code}"
    directives = [part.strip().split(None, 1) for part in header.split(";") if part.strip()]
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


class SecurityHeadersTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Ines Duarte", job_title="Reporter")
        cls.story = make_article(
            headline="Floods recede",
            section=cls.section,
            authors=[cls.author],
            tags=["Floods"],
            hero_image=make_image(alt_text="A flooded street"),
        )
        cls.editor = make_user("editor", role="Editor")

    def public_pages(self):
        return [
            "/",
            self.story.get_absolute_url(),
            "/section/world/",
            "/tag/floods/",
            self.author.get_absolute_url(),
            "/search/?q=floods",
            "/corrections/",
        ]

    def assert_secure(self, response, where):
        self.assertEqual(policy(response), EXPECTED, where)
        self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", where)
        self.assertEqual(
            response.headers.get("Referrer-Policy"), "strict-origin-when-cross-origin", where
        )
        self.assertEqual(response.headers.get("X-Frame-Options"), "DENY", where)

    def test_public_pages_get_the_strict_policy_and_need_no_nonce(self):
        for path in self.public_pages():
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 200)
                self.assert_secure(response, path)
                self.assertNotIn(b"nonce", response.content)
        response = self.client.get("/no/such/page/")
        self.assertEqual(response.status_code, 404)
        self.assert_secure(response, "404")

    def test_structured_data_is_a_data_block_not_a_script(self):
        # script-src does not apply to <script type="application/ld+json">: no nonce needed.
        body = self.client.get(self.story.get_absolute_url()).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", body)
        self.assertTrue(scripts)
        # The rest is the site's own file ('self'), never inline code.
        self.assertEqual(
            set(scripts),
            {'<script type="application/ld+json">', '<script src="/static/js/site.js" defer>'},
        )

    @override_settings(NEWSROOM_PAGE_CACHE=True)
    def test_cached_pages_carry_the_headers_on_every_hit(self):
        for path in self.public_pages():
            with self.subTest(path=path):
                self.client.get(path)
                self.client.get(path)
                hit = self.client.get(path)
                self.assertEqual(hit.get("X-Cache"), "hit")
                self.assert_secure(hit, path)
                not_modified = self.client.get(path, HTTP_IF_NONE_MATCH=hit["ETag"])
                self.assertEqual(not_modified.status_code, 304)
                self.assertEqual(policy(not_modified), EXPECTED)

    def test_the_story_editor_gets_a_fresh_nonce_for_its_import_map_and_the_style_hash(self):
        self.client.force_login(self.editor)
        nonces = []
        for url in [
            "/admin/articles/article/add/",
            f"/admin/articles/article/{self.story.pk}/change/",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                directives = policy(response)
                nonce = NONCE.search(directives["script-src"]).group(1)
                nonces.append(nonce)
                self.assertEqual(directives["script-src"], f"'self' 'nonce-{nonce}'")
                self.assertEqual(directives["style-src"], f"'self' {EDITOR_STYLE_HASH}")
                body = response.content.decode()
                self.assertTrue(
                    f'<script type="importmap" nonce="{nonce}">' in body, "import map, nonce"
                )
                self.assertEqual(response.headers["X-Frame-Options"], "DENY")
        self.assertNotEqual(nonces[0], nonces[1])

    def test_admin_pages_without_the_editor_get_the_plain_policy(self):
        self.client.force_login(self.editor)
        image = self.story.hero_image
        for url in [
            "/admin/",
            "/admin/articles/article/",
            f"/admin/articles/article/{self.story.pk}/history/",
            "/admin/articles/image/",
            f"/admin/articles/image/{image.pk}/change/",
            "/admin/authors/author/",
            f"/admin/authors/author/{self.author.pk}/change/",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(policy(response), EXPECTED)
                self.assertNotIn(b"nonce", response.content)
                self.assertNotIn(b"style=", response.content)
        self.client.logout()
        self.assertEqual(policy(self.client.get("/admin/login/")), EXPECTED)

    def test_editor_style_hash_matches_the_installed_editor(self):
        # Tiptap's base CSS is a template literal in editor.js; a new django-prose-editor that
        # changes it needs a new EDITOR_STYLE_HASH (the browser test would show the violation).
        editor_js = (
            Path(django_prose_editor.__file__).parent / "static/django_prose_editor/editor.js"
        ).read_text()
        hashes = {
            f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
            for css in re.findall(r"`(\.ProseMirror \{[^`]*)`", editor_js)
        }
        self.assertIn(EDITOR_STYLE_HASH, hashes)


@override_settings(NEWSROOM_PAGE_CACHE=True)
class NoncePagesAreNeverSharedTests(TestCase):
    """A public view that reads request.csp_nonce (none does today) makes its page one reader's
    only: not stored in the page cache, and not public for a CDN."""

    def serve(self, view, path="/nonce-page/"):
        handler = CSPMiddleware(PageCacheMiddleware(PublicCacheHeadersMiddleware(view)))
        return handler(RequestFactory().get(path))

    def test_a_page_using_the_nonce_is_not_cached(self):
        def uses_nonce(request):
            pagecache.depends_on(request, "front")
            return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

        responses = [self.serve(uses_nonce) for _ in range(3)]
        nonces = [NONCE.search(policy(r)["script-src"]).group(1) for r in responses]
        for response, nonce in zip(responses, nonces, strict=True):
            self.assertIsNone(response.get("X-Cache"))
            self.assertIn(f'nonce="{nonce}"'.encode(), response.content)
            self.assertIn("private", response["Cache-Control"])
        self.assertEqual(len(set(nonces)), 3)

    def test_a_page_without_the_nonce_is_cached_and_its_hit_gets_the_header(self):
        def plain(request):
            pagecache.depends_on(request, "front")
            return HttpResponse("<p>news</p>")

        responses = [self.serve(plain) for _ in range(3)]
        self.assertEqual(responses[-1]["X-Cache"], "hit")
        self.assertIn("public", responses[0]["Cache-Control"])
        for response in responses:
            self.assertEqual(policy(response)["script-src"], "'self'")


class PolicyFromTheEnvironmentTests(SimpleTestCase):
    def test_extra_origins_and_a_report_address_are_added_from_the_environment(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "CSP_IMG_SRC": "https://cdn.example.net, https://old.example.org",
            "CSP_SCRIPT_SRC": "https://plausible.io",
            "CSP_REPORT_URI": "https://reports.example.net/csp",
        }
        code = "import django; django.setup(); from csp.utils import build_policy; print(build_policy())"
        run = subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        directives = dict(
            part.strip().split(None, 1) for part in run.stdout.strip().split(";") if part.strip()
        )
        self.assertEqual(
            directives["img-src"], "'self' https://cdn.example.net https://old.example.org"
        )
        self.assertEqual(directives["script-src"], "'self' https://plausible.io")
        self.assertEqual(directives["style-src"], "'self'")
        self.assertEqual(directives["report-uri"], "https://reports.example.net/csp")


class ExcludedPathsTests(TestCase):
    """The policy header is remembered between responses only while it cannot depend on the
    path: with django-csp's EXCLUDE_URL_PREFIXES, each response gets its own answer."""

    def test_excluded_prefixes_are_honoured_in_either_order(self):
        make_article(headline="Dam holds")
        config = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/feed"]}
        with override_settings(CONTENT_SECURITY_POLICY=config):
            self.assertNotIn("Content-Security-Policy", self.client.get("/feed/"))
            self.assertIn("Content-Security-Policy", self.client.get("/"))
            self.assertNotIn("Content-Security-Policy", self.client.get("/feed/"))
