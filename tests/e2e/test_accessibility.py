"""Every public page type: zero axe-core violations (WCAG 2.2 AA and best practice) in headless
Chromium, and no errors from the Nu Html Checker, on pages with real demo content."""

import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from articles import workflow
from articles.models import Article, Correction
from authors.models import Author
from tests.e2e.test_browser import BrowserTestCase
from tests.factories import make_user

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

pytestmark = pytest.mark.skipif(
    not AXE_JS.exists() or not VNU_JAR.exists() or not shutil.which("java"),
    reason="needs `npm ci` (axe-core, vnu-jar) and Java; `make test` installs them",
)


class PublicPagesAreAccessibleAndValid(BrowserTestCase):
    def setUp(self):
        call_command("seed_demo", articles=40, stdout=io.StringIO())
        story = (
            Article.objects.published()
            .filter(hero_image__isnull=False, bylines__position=1, tags__isnull=False)
            .distinct()
            .first()
        )
        editor = make_user("a11y-editor", role="Editor")
        workflow.correct(
            story, by=editor, kind=Correction.Kind.CORRECTION, text="A name was misspelt."
        )
        author = story.bylines.first().author
        tag = story.tags.first()
        self.pages = {
            "front": "/",
            "article": story.get_absolute_url(),
            "section": story.section.get_absolute_url(),
            "tag": f"/tag/{tag.slug}/",
            "author": author.get_absolute_url(),
            "search": "/search/?q=" + story.headline.split()[0],
            "corrections": "/corrections/",
            "not found": "/no/such/page/",
        }
        self.assertTrue(Author.objects.active().exists())

    def test_axe_finds_no_violations(self):
        axe = AXE_JS.read_text()
        for name, path in self.pages.items():
            with self.subTest(page=name):
                # axe is injected as an inline script, which the site's policy refuses.
                page = self.browser.new_page(
                    viewport={"width": 1280, "height": 900}, bypass_csp=True
                )
                self.addCleanup(page.close)
                page.goto(self.live_server_url + path)
                page.add_script_tag(content=axe)
                result = page.evaluate(
                    "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
                )
                problems = [
                    f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
                    for v in result["violations"]
                ]
                self.assertEqual(problems, [], f"{name} {path}")

    def test_nu_html_checker_finds_no_errors(self):
        client = Client()
        with tempfile.TemporaryDirectory() as folder:
            files = {}
            for name, path in self.pages.items():
                response = client.get(path)
                self.assertIn(response.status_code, {200, 404}, path)
                file = Path(folder) / f"{name.replace(' ', '-')}.html"
                file.write_bytes(response.content)
                files[str(file)] = name
            run = subprocess.run(
                ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
                capture_output=True,
                text=True,
                timeout=120,
            )
            output = run.stderr.strip() or run.stdout.strip()
            self.assertTrue(output.startswith("{"), f"vnu did not run: {output[:500]}")
            messages = json.loads(output)["messages"]
            errors = [
                f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: {m['message']}"
                f" (line {m.get('lastLine')})"
                for m in messages
                if m["type"] == "error"
            ]
            self.assertEqual(errors, [])
