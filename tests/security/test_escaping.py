"""An XSS payload in every field a person types, and every page that shows it, public or admin.

Each field gets its own payload (the field's key inside it), so a failure names the field and
the page. A page passes when no script runs the payload, no element carries a handler or a
``javascript:`` link from it, and (on reader pages) the payload is there as visible text.
"""

import json
import re

import feedparser
import html5lib
from django.test import TestCase
from taggit.models import Tag

from articles import workflow
from articles.models import Article, Image
from authors.models import Author
from tests.factories import make_section, make_user, upload

from .checks import url_scheme


def payload(key: str) -> str:
    return f"\"'><script>alert('{key}')</script><img src=x onerror=alert('{key}')>"


HTML_NS = "{http://www.w3.org/1999/xhtml}"
SAFE_SCHEMES = {None, "http", "https", "mailto", "tel"}


def injected(markup: str) -> list[str]:
    """What the payloads managed to turn into markup on a page (html5lib, as a browser)."""
    found = []
    for element in html5lib.parse(markup, treebuilder="etree").iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.removeprefix(HTML_NS)
        if tag == "script" and element.get("type") in {"application/ld+json", "application/json"}:
            json.loads(element.text)  # Data, and all of it: no text ended the element early.
        elif tag == "script" and "alert(" in (element.text or ""):
            found.append(f"script: {element.text[:60]}")
        for name, value in element.attrib.items():
            if str(name).startswith("on") and "alert" in value:
                found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action"} and url_scheme(value) not in SAFE_SCHEMES:
                found.append(f"<{tag} {name}={value!r}>")
    for raw in ["<script>alert(", "<img src=x onerror"]:
        if raw in markup:
            found.append(raw)
    return found


class EverythingEscapedTests(TestCase):
    maxDiff = None

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("xss-editor", superuser=True)
        cls.section = make_section(
            payload("sec-name")[:80], slug="hostile", description=payload("sec-desc")
        )
        cls.author = Author.objects.create(
            name=payload("au-name"),
            slug="hostile-author",
            job_title=payload("au-job"),
            short_bio=payload("au-short"),
            bio=payload("au-bio"),
            email="reporter@example.org",
            # The admin form refuses these (see below); rows written another way (a shell, an
            # import) must still never become links.
            website="javascript:alert('au-web')",
            x_url="https://x.com/reporter",
            mastodon_url="  JaVaScRiPt:alert('au-masto')",
        )
        cls.image = Image.objects.create(
            file=upload("hostile.png", size=(320, 180)),
            alt_text=payload("img-alt"),
            caption=payload("img-cap"),
            credit=payload("img-credit"),
        )
        data = {
            "headline": payload("headline"),
            "slug": "hostile-story",
            "standfirst": "searchword " + payload("standfirst"),
            "body": "<p>searchword</p>" + payload("body") + "<p>&lt;b&gt; &amp; more</p>",
            "section": cls.section.pk,
            "hero_image": cls.image.pk,
            "hero_caption": payload("hero-cap"),
            "seo_title": payload("seo-title"),
            "seo_description": payload("seo-desc"),
            "is_lead": True,
            "bylines": [{"author": cls.author.pk, "role": "analysis"}],
            "tags": [payload("tag")],
            "related": [],
        }
        cls.story = workflow.create(data, by=cls.editor)
        workflow.publish(cls.story, by=cls.editor)
        workflow.correct(cls.story, by=cls.editor, kind="correction", text=payload("correction"))
        cls.story.refresh_from_db()
        # A second story, sent back with a hostile note and shared by preview link.
        draft = workflow.create(data | {"slug": "hostile-draft", "tags": []}, by=cls.editor)
        workflow.submit(draft, by=cls.editor)
        workflow.send_back(draft, by=cls.editor, note=payload("send-back"))
        workflow.save(
            draft,
            data | {"headline": payload("headline-2"), "slug": "hostile-draft", "tags": []},
            by=cls.editor,
            base_revision=Article.objects.get(pk=draft.pk).revision_number,
            note=payload("rev-note"),
        )
        cls.draft = Article.objects.get(pk=draft.pk)
        cls.preview = workflow.share_preview(cls.draft, by=cls.editor)
        cls.tag = Tag.objects.get()

    def assert_inert(self, url, response=None, *, shows=()):
        response = response or self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        text = response.content.decode()
        self.assertEqual(injected(text), [], url)
        for key in shows:
            self.assertIn(
                f"&lt;script&gt;alert(&#x27;{key}&#x27;)&lt;/script&gt;", text, (url, key)
            )
        return text

    # --- Reader pages ------------------------------------------------------------------------

    def test_article_page(self):
        text = self.assert_inert(
            self.story.get_absolute_url(),
            shows=[
                "headline",
                "standfirst",
                "hero-cap",
                "img-credit",
                "correction",
                "au-name",
                "au-job",
                "au-short",
                "tag",
            ],
        )
        self.assertIn('content="&quot;&#x27;&gt;&lt;script&gt;alert(&#x27;seo-desc', text)
        self.assertIn('alt="&quot;&#x27;&gt;&lt;script&gt;alert(&#x27;img-alt', text)

    def test_json_ld_cannot_be_ended_by_a_headline(self):
        text = self.client.get(self.story.get_absolute_url()).content.decode()
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
        self.assertEqual(len(blocks), 1)
        data = json.loads(blocks[0])
        self.assertEqual(data["headline"], payload("headline")[:110])
        self.assertEqual(data["correction"][0]["text"], payload("correction"))
        self.assertNotIn("</script", blocks[0].lower())

    def test_listing_pages(self):
        for url, shows in [
            ("/", ["headline", "standfirst"]),
            (self.section.get_absolute_url(), ["sec-desc", "headline"]),
            (f"/tag/{self.tag.slug}/", ["tag", "headline"]),
            ("/corrections/", ["correction", "headline"]),
        ]:
            with self.subTest(url=url):
                self.assert_inert(url, shows=shows)

    def test_author_page_never_links_a_script_url(self):
        text = self.assert_inert(
            self.author.get_absolute_url(), shows=["au-name", "au-job", "au-bio"]
        )
        self.assertIn('href="https://x.com/reporter"', text)
        self.assertNotIn("au-web", text)
        self.assertNotIn("au-masto", text)
        # Nor is it given to search engines as the same person.
        ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
        self.assertEqual(
            json.loads(ld.group(1))["mainEntity"]["sameAs"], ["https://x.com/reporter"]
        )

    def test_search_echo_and_snippets(self):
        self.assert_inert("/search/", self.client.get("/search/", {"q": payload("q")}))
        self.assertContains(
            self.client.get("/search/", {"q": payload("q")}),
            "&quot;&#x27;&gt;&lt;script&gt;alert(&#x27;q&#x27;)",
        )
        text = self.assert_inert("/search/?q=searchword", shows=["headline", "standfirst"])
        # Text is escaped exactly once: a reader sees "<b> &", not "&lt;b&gt; &amp;".
        self.assertNotIn("&amp;lt;", text)
        self.assertNotIn("&amp;amp;", text)

    def test_shared_preview(self):
        self.assert_inert(self.preview.get_absolute_url(), shows=["headline-2", "standfirst"])

    def test_feeds_hold_text_not_markup(self):
        for url in [
            "/feed/",
            "/feed/atom/",
            f"{self.section.get_absolute_url()}feed/",
            f"{self.section.get_absolute_url()}feed/atom/",
            f"/tag/{self.tag.slug}/feed/",
            f"/tag/{self.tag.slug}/feed/atom/",
            f"{self.author.get_absolute_url()}feed/",
            f"{self.author.get_absolute_url()}feed/atom/",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                raw = response.content.decode()
                self.assertNotIn("<script", raw.lower())
                self.assertNotIn("<img src=x", raw)
                feed = feedparser.parse(raw)
                entry = feed.entries[0]
                self.assertIn("alert('headline')", entry.title)
                for html in [
                    entry.get("summary", ""),
                    entry.get("content", [{}])[0].get("value", ""),
                ]:
                    self.assertEqual(injected(html), [])

    def test_sitemaps_hold_text_not_markup(self):
        index = self.client.get("/sitemap.xml").content.decode()
        urls = ["/news-sitemap.xml"] + [
            re.sub(r"^https?://[^/]+", "", loc) for loc in re.findall(r"<loc>(.*?)</loc>", index)
        ]
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url.replace("&amp;", "&"))
                self.assertEqual(response.status_code, 200)
                raw = response.content.decode()
                self.assertNotIn("<script", raw.lower())
                self.assertNotIn("<img", raw)
        self.assertIn(
            "&lt;script&gt;alert(&#x27;headline&#x27;)",
            self.client.get("/news-sitemap.xml").content.decode(),
        )

    # --- What editors see --------------------------------------------------------------------

    def test_admin_pages(self):
        self.client.force_login(self.editor)
        story, draft = self.story.pk, self.draft.pk
        for url in [
            "/admin/",
            "/admin/articles/article/",
            f"/admin/articles/article/?q={payload('admin-q')}",
            f"/admin/articles/article/{story}/change/",
            f"/admin/articles/article/{draft}/change/",
            f"/admin/articles/article/{story}/history/",
            f"/admin/articles/article/{draft}/history/",
            f"/admin/articles/article/{story}/preview/",
            f"/admin/articles/article/{draft}/preview/",
            "/admin/articles/section/",
            f"/admin/articles/section/{self.section.pk}/change/",
            "/admin/articles/image/",
            f"/admin/articles/image/{self.image.pk}/change/",
            "/admin/authors/author/",
            f"/admin/authors/author/{self.author.pk}/change/",
            "/admin/taggit/tag/",
            f"/admin/taggit/tag/{self.tag.pk}/change/",
        ]:
            with self.subTest(url=url):
                self.assert_inert(url)
        history = self.client.get(f"/admin/articles/article/{draft}/history/").content.decode()
        for key in ["send-back", "rev-note", "headline-2"]:
            self.assertIn(f"alert(&#x27;{key}&#x27;)", history)

    def test_admin_refuses_script_urls_for_author_links(self):
        self.client.force_login(self.editor)
        response = self.client.post(
            "/admin/authors/author/add/",
            {
                "name": "Nia Obi",
                "slug": "nia-obi",
                "is_active": "on",
                "website": "javascript:alert(1)",
                "x_url": "data:text/html,<script>alert(1)</script>",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["adminform"].form.errors), 2)
        self.assertContains(response, "Enter a valid URL.", count=2)
        self.assertFalse(Author.objects.filter(slug="nia-obi").exists())


class RevisionPreviewTests(TestCase):
    def test_a_revision_saved_under_an_older_allowlist_is_cleaned_again_when_previewed(self):
        editor = make_user("xss-previewer", superuser=True)
        section = make_section("Preview desk", slug="preview-desk")
        article = workflow.create(
            {"headline": "Draft", "body": "<p>Draft</p>", "section": section.pk}, by=editor
        )
        # As an older version of the allowlist (or a hand-made import) might have stored it.
        hostile = '<p>Old</p><script>alert("rev")</script><a href="\x7fjavascript:alert(2)">x</a>'
        revision = article.revisions.get()
        revision.data = revision.data | {"body": hostile}
        revision.save()
        link = workflow.share_preview(article, by=editor)
        self.client.force_login(editor)
        for url in [
            link.get_absolute_url(),
            f"/admin/articles/article/{article.pk}/revisions/{revision.number}/preview/",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, "<p>Old</p>")
                self.assertEqual(injected(response.content.decode()), [])
                self.assertNotContains(response, "javascript:")
