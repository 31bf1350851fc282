"""manage.py import_wordpress: a WordPress export (WXR) becomes sections, authors, tags and
stories in the states WordPress had them, with featured images and old addresses."""

import io
import os
import re
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from taggit.models import Tag

from articles import workflow
from articles.importing.writer import BulkWriter
from articles.models import (
    Article,
    AuditEntry,
    Byline,
    Image,
    LegacyRedirect,
    Revision,
    Section,
)
from authors.models import Author
from tests.factories import image_bytes, make_section

SITE = "https://old.example.com"


def cdata(text: str) -> str:
    return f"<![CDATA[{text}]]>"


def item(
    post_id,
    title,
    *,
    post_type="post",
    status="publish",
    post_name="",
    link=None,
    content="",
    excerpt="",
    creator="jdoe",
    date_gmt="2019-05-03 08:15:00",
    categories=(),
    meta=(),
    attachment_url="",
    password="",
):
    link = link or f"{SITE}/?p={post_id}"
    cats = "".join(
        f'<category domain="{domain}" nicename="{nicename}">{cdata(text)}</category>'
        for domain, nicename, text in categories
    )
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>"
        for key, value in meta
    )
    attachment = f"<wp:attachment_url>{cdata(attachment_url)}</wp:attachment_url>"
    return f"""
    <item>
      <title>{cdata(title)}</title>
      <link>{link}</link>
      <pubDate>Fri, 03 May 2019 08:15:00 +0000</pubDate>
      <dc:creator>{cdata(creator)}</dc:creator>
      <guid isPermaLink="false">{SITE}/?p={post_id}</guid>
      <description></description>
      <content:encoded>{cdata(content)}</content:encoded>
      <excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>
      <wp:post_id>{post_id}</wp:post_id>
      <wp:post_date>{cdata(date_gmt)}</wp:post_date>
      <wp:post_date_gmt>{cdata(date_gmt)}</wp:post_date_gmt>
      <wp:comment_status>{cdata("open")}</wp:comment_status>
      <wp:post_name>{cdata(post_name)}</wp:post_name>
      <wp:status>{cdata(status)}</wp:status>
      <wp:post_parent>0</wp:post_parent>
      <wp:post_type>{cdata(post_type)}</wp:post_type>
      <wp:post_password>{cdata(password)}</wp:post_password>
      <wp:is_sticky>0</wp:is_sticky>
      {attachment if attachment_url else ""}
      {cats}
      {metas}
      <wp:comment><wp:comment_id>9</wp:comment_id><wp:comment_content>{cdata("Nice")}</wp:comment_content></wp:comment>
    </item>"""


def wxr(items, *, extra_channel=""):
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
    xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:wfw="http://wellformedweb.org/CommentAPI/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Old Gazette</title>
  <link>{SITE}</link>
  <language>en-GB</language>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>{SITE}</wp:base_site_url>
  <wp:base_blog_url>{SITE}</wp:base_blog_url>
  <wp:author><wp:author_id>2</wp:author_id><wp:author_login>{cdata("jdoe")}</wp:author_login><wp:author_email>{cdata("jane@old.example.com")}</wp:author_email><wp:author_display_name>{cdata("Jane Doe")}</wp:author_display_name><wp:author_first_name>{cdata("Jane")}</wp:author_first_name><wp:author_last_name>{cdata("Doe")}</wp:author_last_name></wp:author>
  <wp:author><wp:author_id>3</wp:author_id><wp:author_login>{cdata("msmith")}</wp:author_login><wp:author_email>{cdata("mark@old.example.com")}</wp:author_email><wp:author_display_name>{cdata("Mark Smith")}</wp:author_display_name></wp:author>
  <wp:category><wp:term_id>4</wp:term_id><wp:category_nicename>{cdata("local-news")}</wp:category_nicename><wp:category_parent>{cdata("")}</wp:category_parent><wp:cat_name>{cdata("Local News")}</wp:cat_name></wp:category>
  <wp:category><wp:term_id>5</wp:term_id><wp:category_nicename>{cdata("politics")}</wp:category_nicename><wp:category_parent>{cdata("")}</wp:category_parent><wp:cat_name>{cdata("Politics &amp; Power")}</wp:cat_name></wp:category>
  <wp:tag><wp:term_id>7</wp:term_id><wp:tag_slug>{cdata("roads")}</wp:tag_slug><wp:tag_name>{cdata("Roads")}</wp:tag_name></wp:tag>
  <wp:tag><wp:term_id>8</wp:term_id><wp:tag_slug>{cdata("bridges")}</wp:tag_slug><wp:tag_name>{cdata("Bridges")}</wp:tag_name></wp:tag>
  {extra_channel}
  {"".join(items)}
</channel>
</rss>
"""


FUTURE = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
BRIDGE_PUBLISHED = datetime(2019, 5, 3, 8, 15, tzinfo=UTC)


def standard_items():
    return [
        item(
            101,
            "Bridge reopens after &#8220;repairs&#8221;",
            post_name="bridge-reopens",
            link=f"{SITE}/local-news/bridge-reopens/",
            content=(
                "The Zanzibarian bridge reopened with <strong>fanfare</strong>.\n\n"
                "Traffic was light\nin the morning.\n\n"
                '[caption id="attachment_201" align="alignnone" width="64"]'
                '<img src="https://old.example.com/wp-content/uploads/2019/05/bridge.png" '
                'alt="x" /> The bridge at dawn[/caption]\n\n'
                '[gallery ids="1,2"]'
            ),
            excerpt="<p>Traffic flows again.</p>",
            creator="jdoe",
            categories=[
                ("category", "local-news", "Local News"),
                ("category", "politics", "Politics &amp; Power"),
                ("post_tag", "roads", "Roads"),
                ("post_tag", "bridges", "Bridges"),
                ("author", "cap-jdoe", "Jane Doe"),
                ("author", "cap-sam-lee", "Sam Lee"),
            ],
            meta=[("_thumbnail_id", "201"), ("_edit_last", "2")],
        ),
        item(
            102,
            "Budget day preview",
            status="future",
            post_name="budget-day-preview",
            link=f"{SITE}/politics/budget-day-preview/",
            content=(
                "<!-- wp:paragraph -->\n<p>What to expect on the day.</p>\n"
                "<!-- /wp:paragraph -->\n\n<!-- wp:list -->\n<ul><li>Taxes</li></ul>\n"
                "<!-- /wp:list -->"
            ),
            creator="msmith",
            date_gmt=FUTURE.strftime("%Y-%m-%d %H:%M:%S"),
        ),
        item(
            103,
            "Draft about trams",
            status="draft",
            content="Trams may return.",
            creator="msmith",
            date_gmt="0000-00-00 00:00:00",
            categories=[("category", "local-news", "Local News")],
        ),
        item(
            104,
            "Council story waiting for review",
            status="pending",
            post_name="council-story",
            content="The council met.",
            date_gmt="0000-00-00 00:00:00",
            categories=[("post_tag", "council", "Council")],
        ),
        item(
            201,
            "bridge",
            post_type="attachment",
            status="inherit",
            post_name="bridge",
            excerpt="The bridge at dawn.",
            attachment_url="https://old.example.com/wp-content/uploads/2019/05/bridge.png",
            meta=[
                ("_wp_attached_file", "2019/05/bridge.png"),
                ("_wp_attachment_image_alt", "The reopened bridge at dawn"),
            ],
        ),
        item(300, "About us", post_type="page", post_name="about", content="We are a paper."),
        item(301, "Deleted post", status="trash", post_name="deleted", content="Gone."),
    ]


class WordPressTestCase(TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="wxr-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.media = self.tmp / "uploads"
        (self.media / "2019" / "05").mkdir(parents=True)
        (self.media / "2019" / "05" / "bridge.png").write_bytes(image_bytes(size=(64, 36)))

    def export(self, items=None, **kwargs) -> str:
        path = self.tmp / "export.xml"
        path.write_text(wxr(standard_items() if items is None else items, **kwargs), "utf-8")
        return str(path)

    def run_import(self, path=None, *args, media=True):
        out, err = io.StringIO(), io.StringIO()
        options = ["--media-dir", str(self.media)] if media else []
        call_command(
            "import_wordpress", path or self.export(), *options, *args, stdout=out, stderr=err
        )
        return out.getvalue(), err.getvalue()


class ImportWordPressTests(WordPressTestCase):
    def setUp(self):
        super().setUp()
        self.out, self.err = self.run_import()

    def story(self, slug) -> Article:
        return Article.objects.get(slug=slug)

    def test_categories_become_sections_and_posts_without_one_go_to_news(self):
        self.assertEqual(
            dict(Section.objects.values_list("slug", "name")),
            {"local-news": "Local News", "politics": "Politics & Power", "news": "News"},
        )
        self.assertEqual(self.story("bridge-reopens").section.slug, "local-news")
        self.assertEqual(self.story("budget-day-preview").section.slug, "news")

    def test_authors_come_from_the_export_and_co_authors(self):
        self.assertEqual(
            dict(Author.objects.values_list("slug", "name")),
            {"jdoe": "Jane Doe", "msmith": "Mark Smith", "sam-lee": "Sam Lee"},
        )
        # Account e-mails are private in WordPress; author pages would show them.
        self.assertFalse(Author.objects.exclude(email="").exists())

    def test_bylines_are_the_author_then_the_co_authors_in_order(self):
        bylines = Byline.objects.filter(article=self.story("bridge-reopens"))
        self.assertEqual(
            list(bylines.values_list("author__slug", "position")), [("jdoe", 0), ("sam-lee", 1)]
        )
        self.assertEqual(
            list(self.story("budget-day-preview").authors.values_list("slug", flat=True)),
            ["msmith"],
        )

    def test_tags_are_linked(self):
        self.assertEqual(sorted(self.story("bridge-reopens").tags.names()), ["Bridges", "Roads"])
        self.assertEqual(list(self.story("council-story").tags.names()), ["Council"])
        self.assertEqual(Tag.objects.get(name="Council").slug, "council")

    def test_wordpress_states_become_publication_states_and_stages(self):
        bridge = self.story("bridge-reopens")
        self.assertEqual(
            (bridge.status, bridge.stage, bridge.published_at),
            (Article.Status.PUBLISHED, Article.Stage.APPROVED, BRIDGE_PUBLISHED),
        )
        self.assertEqual((bridge.revision_number, bridge.live_revision_number), (1, 1))
        budget = self.story("budget-day-preview")
        self.assertEqual((budget.status, budget.published_at), (Article.Status.SCHEDULED, FUTURE))
        draft = self.story("draft-about-trams")  # no post_name: made from the title
        self.assertEqual(
            (draft.status, draft.stage, draft.published_at, draft.live_revision_number),
            (Article.Status.NOT_PUBLISHED, Article.Stage.DRAFT, None, None),
        )
        pending = self.story("council-story")
        self.assertEqual(
            (pending.status, pending.stage),
            (Article.Status.NOT_PUBLISHED, Article.Stage.IN_REVIEW),
        )
        self.assertFalse(Article.objects.filter(slug__in=["about", "deleted"]).exists())
        self.assertEqual(Article.objects.count(), 4)

    def test_classic_paragraphs_are_wrapped_and_bodies_sanitised(self):
        bridge = self.story("bridge-reopens")
        self.assertEqual(bridge.headline, "Bridge reopens after “repairs”")
        self.assertEqual(bridge.standfirst, "Traffic flows again.")
        self.assertIn(
            "<p>The Zanzibarian bridge reopened with <strong>fanfare</strong>.</p>", bridge.body
        )
        self.assertIn("<p>Traffic was light<br>", bridge.body)
        self.assertIn("<figcaption>The bridge at dawn</figcaption></figure>", bridge.body)
        self.assertNotIn("[gallery", bridge.body)
        self.assertIn("shortcodes dropped: gallery", self.err)
        budget = self.story("budget-day-preview")
        self.assertIn("<p>What to expect on the day.</p>", budget.body)
        self.assertIn("<li>Taxes</li>", budget.body)
        self.assertNotIn("wp:paragraph", budget.body)

    def test_featured_image_becomes_the_hero_image(self):
        bridge = self.story("bridge-reopens")
        image = bridge.hero_image
        self.assertIsNotNone(image)
        self.assertEqual(image.alt_text, "The reopened bridge at dawn")
        self.assertEqual(image.caption, "The bridge at dawn.")
        self.assertEqual(image.credit, "Imported from WordPress")
        self.assertEqual((image.width, image.height), (64, 36))
        self.assertTrue(Path(settings.MEDIA_ROOT, image.file.name).is_file())
        self.assertEqual(Image.objects.count(), 1)
        self.assertContains(
            self.client.get(bridge.get_absolute_url()), "The reopened bridge at dawn"
        )

    def test_each_story_has_revision_one_and_the_audit_trail_of_the_workflow(self):
        for story in Article.objects.all():
            with self.subTest(story=story.slug):
                revision = Revision.objects.get(article=story)
                self.assertEqual(revision.number, 1)
                self.assertEqual(revision.data, workflow.snapshot(story))
        trail = {
            slug: list(
                AuditEntry.objects.filter(article__slug=slug)
                .order_by("pk")
                .values_list("action", flat=True)
            )
            for slug in Article.objects.values_list("slug", flat=True)
        }
        self.assertEqual(
            trail,
            {
                "bridge-reopens": ["create", "publish"],
                "budget-day-preview": ["create", "schedule"],
                "draft-about-trams": ["create"],
                "council-story": ["create", "submit"],
            },
        )
        note = AuditEntry.objects.filter(action="create").values_list("note", flat=True).first()
        self.assertEqual(note, "Imported from WordPress export export.xml")

    def test_published_posts_render_and_are_found_by_search(self):
        bridge = self.story("bridge-reopens")
        response = self.client.get(bridge.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Sam Lee")
        self.assertContains(self.client.get("/section/local-news/"), "Bridge reopens")
        self.assertContains(self.client.get("/search/", {"q": "Zanzibarian"}), "Bridge reopens")
        for slug in ["budget-day-preview", "draft-about-trams", "council-story"]:
            with self.subTest(slug=slug):
                url = self.story(slug).get_absolute_url()
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_old_permalinks_and_short_links_answer_301_to_the_story(self):
        bridge = self.story("bridge-reopens")
        for old in ["/local-news/bridge-reopens/", "/?p=101"]:
            with self.subTest(old=old):
                response = self.client.get(old)
                self.assertEqual(response.status_code, 301)
                self.assertEqual(response["Location"], bridge.get_absolute_url())
        self.assertEqual(
            sorted(LegacyRedirect.objects.values_list("old_path", "article__slug")),
            [
                ("/?p=101", "bridge-reopens"),
                ("/?p=102", "budget-day-preview"),
                ("/?p=103", "draft-about-trams"),
                ("/?p=104", "council-story"),
                ("/local-news/bridge-reopens/", "bridge-reopens"),
                ("/politics/budget-day-preview/", "budget-day-preview"),
            ],
        )
        # Not live yet: no redirect to a page readers cannot see.
        self.assertEqual(self.client.get("/politics/budget-day-preview/").status_code, 404)

    def test_summary_counts_what_was_imported(self):
        self.assertRegex(self.out, r"sections\s+3 created")
        self.assertRegex(self.out, r"authors\s+3 created")
        self.assertRegex(self.out, r"tags\s+3 created")
        self.assertRegex(self.out, r"articles\s+4 created,\s+0 skipped")
        self.assertRegex(self.out, r"images\s+1 created")
        self.assertRegex(self.out, r"old addresses\s+6 redirected")
        self.assertRegex(self.out, r"ignored\s+3 items")

    def test_a_second_run_adds_nothing(self):
        before = [
            m.objects.count()
            for m in (Section, Author, Tag, Article, Byline, Revision, AuditEntry, Image)
        ]
        before.append(LegacyRedirect.objects.count())
        out, _err = self.run_import()
        after = [
            m.objects.count()
            for m in (Section, Author, Tag, Article, Byline, Revision, AuditEntry, Image)
        ]
        after.append(LegacyRedirect.objects.count())
        self.assertEqual(after, before)
        self.assertRegex(out, r"articles\s+0 created,\s+4 skipped")
        self.assertRegex(out, r"authors\s+0 created,\s+3 skipped")


class WordPressEdgeCaseTests(WordPressTestCase):
    def test_author_emails_only_when_asked(self):
        self.run_import(None, "--author-emails")
        self.assertEqual(Author.objects.get(slug="jdoe").email, "jane@old.example.com")

    def test_co_authors_match_existing_authors_by_slug_or_name(self):
        existing = Author.objects.create(name="Sam Lee", slug="samuel-lee")
        self.run_import()
        bridge = Article.objects.get(slug="bridge-reopens")
        self.assertEqual(
            list(bridge.authors.order_by("bylines__position")),
            [Author.objects.get(slug="jdoe"), existing],
        )
        self.assertFalse(Author.objects.filter(slug="sam-lee").exists())

    def test_without_a_media_folder_stories_come_without_images(self):
        out, err = self.run_import(media=False)
        self.assertFalse(Image.objects.exists())
        self.assertIsNone(Article.objects.get(slug="bridge-reopens").hero_image)
        self.assertIn("1 featured image(s) not imported: give --media-dir", err)
        self.assertRegex(out, r"articles\s+4 created")

    def test_an_invalid_image_file_is_skipped_with_a_warning(self):
        (self.media / "2019" / "05" / "bridge.png").write_bytes(b"not really a picture")
        _out, err = self.run_import()
        self.assertFalse(Image.objects.exists())
        self.assertIsNone(Article.objects.get(slug="bridge-reopens").hero_image)
        self.assertIn("featured image bridge.png skipped", err)

    def test_attachment_paths_cannot_leave_the_media_folder(self):
        secret = self.tmp / "secret.png"
        secret.write_bytes(image_bytes())
        items = standard_items()
        items[4] = item(
            201,
            "bridge",
            post_type="attachment",
            status="inherit",
            attachment_url="https://old.example.com/wp-content/uploads/../../secret.png",
            meta=[("_wp_attached_file", "../secret.png")],
        )
        _out, err = self.run_import(self.export(items))
        self.assertFalse(Image.objects.exists())
        self.assertIn("not in the media folder", err)

    def test_password_protected_and_empty_posts_are_not_published(self):
        items = [
            item(1, "Members only", post_name="members", content="Secret.", password="pw"),
            item(2, "Empty", post_name="empty", content="   "),
        ]
        _out, err = self.run_import(self.export(items))
        for slug in ("members", "empty"):
            self.assertEqual(
                Article.objects.get(slug=slug).status, Article.Status.NOT_PUBLISHED, slug
            )
        self.assertIn("password-protected", err)
        self.assertIn("no title or no body", err)

    def test_existing_sections_and_stories_are_left_alone(self):
        local = make_section("Local", slug="local-news")
        self.run_import()
        local.refresh_from_db()
        self.assertEqual(local.name, "Local")
        self.assertEqual(Article.objects.get(slug="bridge-reopens").section, local)

    def test_malformed_xml_is_refused_and_nothing_is_imported(self):
        path = self.tmp / "broken.xml"
        path.write_text(wxr(standard_items())[:-200], "utf-8")
        with self.assertRaises(CommandError) as caught:
            self.run_import(str(path))
        self.assertIn("is not well-formed XML (line", str(caught.exception))
        self.assertFalse(Article.objects.exists())
        self.assertFalse(Section.objects.exists())

    def test_entity_declarations_are_refused(self):
        path = self.tmp / "bomb.xml"
        path.write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
            "<rss><channel><title>&b;</title></channel></rss>\n",
            "utf-8",
        )
        with self.assertRaises(CommandError) as caught:
            self.run_import(str(path))
        self.assertIn("was refused", str(caught.exception))
        self.assertFalse(Article.objects.exists())

    def test_a_file_that_is_not_an_export_is_refused(self):
        path = self.tmp / "other.xml"
        path.write_text("<html><body>hello</body></html>", "utf-8")
        with self.assertRaises(CommandError) as caught:
            self.run_import(str(path))
        self.assertIn("is not a WordPress export", str(caught.exception))
        feed = self.tmp / "feed.xml"
        feed.write_text(
            "<rss><channel><item><title>A plain feed</title></item></channel></rss>", "utf-8"
        )
        with self.assertRaises(CommandError) as caught:
            self.run_import(str(feed))
        self.assertIn("is not a WordPress export (no wp: elements", str(caught.exception))
        self.assertFalse(Article.objects.exists())

    def test_a_failure_while_writing_leaves_no_rows_and_no_image_files(self):
        def stored_files():
            return {
                os.path.join(root, name)
                for root, _dirs, names in os.walk(settings.MEDIA_ROOT)
                for name in names
            }

        before = stored_files()
        with (
            mock.patch.object(BulkWriter, "_purge", side_effect=RuntimeError("disk full")),
            self.assertRaises(RuntimeError),
        ):
            self.run_import()
        self.assertFalse(Article.objects.exists())
        self.assertFalse(Image.objects.exists())
        self.assertEqual(stored_files(), before)


# --- Every kind of export WordPress and WordPress.com write ----------------------------------


def with_namespaces(text: str, version: str, scheme: str) -> str:
    """An export as WXR ``version`` writes it, its namespace URIs over ``scheme``."""
    base = f"{scheme}://wordpress.org/export/{version}/"
    return (
        text.replace(
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"',
            f'xmlns:excerpt="{base}excerpt/"',
        )
        .replace('xmlns:wp="http://wordpress.org/export/1.2/"', f'xmlns:wp="{base}"')
        .replace('xmlns:content="http://', f'xmlns:content="{scheme}://')
        .replace('xmlns:dc="http://', f'xmlns:dc="{scheme}://')
        .replace(
            "<wp:wxr_version>1.2</wp:wxr_version>", f"<wp:wxr_version>{version}</wp:wxr_version>"
        )
    )


def wxr_1_0(items, scheme="http") -> str:
    """As WordPress 2.x to 3.0 wrote it: no list of authors (bylines come from dc:creator, the
    login), and each term of a post twice, without and with a domain, tags in domain "tag"."""
    text = with_namespaces(wxr(items), "1.0", scheme)
    text = re.sub(r"<wp:author>.*?</wp:author>\s*", "", text)

    def old_terms(match):
        domain, nicename, name = match.groups()
        domain = "tag" if domain == "post_tag" else domain
        plain = f"<category>{name}</category>" if domain == "category" else ""
        return f'{plain}<category domain="{domain}">{name}</category><category domain="{domain}" nicename="{nicename}">{name}</category>'

    return re.sub(
        r'<category domain="(category|post_tag)" nicename="([^"]*)">(.*?)</category>',
        old_terms,
        text,
    )


WPCOM_PREAMBLE = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->
<!-- generator="WordPress.com" created="2026-01-31 10:00" -->
"""


def wordpress_com(items, scheme="http") -> str:
    """As WordPress.com writes it: its generator, wordpress.com as the base site, more
    namespaces (Atom, GeoRSS, Media RSS) and elements this importer has no use for."""
    text = with_namespaces(wxr(items), "1.2", scheme)
    text = text.replace('<?xml version="1.0" encoding="UTF-8" ?>\n', WPCOM_PREAMBLE)
    text = text.replace(
        'xmlns:wp="',
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:georss="http://www.georss.org/georss" '
        'xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:wp="',
    )
    text = text.replace(
        f"<wp:base_site_url>{SITE}</wp:base_site_url>",
        "<generator>http://wordpress.com/</generator>"
        '<atom:link rel="search" type="application/opensearchdescription+xml" '
        'href="https://oldgazette.wordpress.com/osd.xml" title="Old Gazette" />'
        "<cloud domain='oldgazette.wordpress.com' port='80' path='/?rsscloud=notify' "
        "registerProcedure='' protocol='http-post' />"
        "<image><url>https://s0.wp.com/i/buttonw-com.png</url><title>Old Gazette</title>"
        f"<link>{SITE}</link></image>"
        "<wp:base_site_url>http://wordpress.com/</wp:base_site_url>",
    )
    return text.replace(
        "<wp:is_sticky>0</wp:is_sticky>",
        '<wp:is_sticky>0</wp:is_sticky><media:content url="https://s0.wp.com/x.png" medium="image">'
        '<media:title type="html">x</media:title></media:content>',
    )


class ExportKindsTests(WordPressTestCase):
    """Each kind of export gives the very stories a WXR 1.2 export made by WordPress gives."""

    def imported(self, path):
        """What an import of ``path`` leaves, in a transaction rolled back afterwards."""
        with transaction.atomic():
            self.run_import(str(path))
            stories = [
                (
                    story.slug,
                    story.headline,
                    story.standfirst,
                    story.body,
                    story.status,
                    story.stage,
                    story.published_at,
                    story.section.slug,
                    sorted(story.tags.slugs()),
                    list(story.bylines.order_by("position").values_list("author__slug", flat=True)),
                    story.hero_image is not None,
                )
                for story in Article.objects.order_by("slug")
            ]
            paths = sorted(LegacyRedirect.objects.values_list("old_path", flat=True))
            transaction.set_rollback(True)
        return stories, paths

    def write(self, name, text) -> Path:
        path = self.tmp / name
        path.write_text(text, "utf-8")
        return path

    def zipped(self, name, members: dict[str, str]) -> Path:
        path = self.tmp / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, text in members.items():
                archive.writestr(member, text)
        return path

    def setUp(self):
        super().setUp()
        self.expected = self.imported(self.write("wordpress-1.2.xml", wxr(standard_items())))
        stories, paths = self.expected
        self.assertEqual(len(stories), 4)
        self.assertTrue(any(story[-1] for story in stories), "no hero image")
        self.assertIn("/local-news/bridge-reopens/", paths)

    def assertImportsAsExpected(self, path):
        self.assertEqual(self.imported(path), self.expected)

    def test_wxr_1_0_1_1_and_1_2_over_http_and_https(self):
        kinds = {("1.0", scheme): wxr_1_0(standard_items(), scheme) for scheme in ("http", "https")}
        for version in ("1.1", "1.2"):
            for scheme in ("http", "https"):
                kinds[version, scheme] = with_namespaces(wxr(standard_items()), version, scheme)
        for (version, scheme), text in kinds.items():
            with self.subTest(version=version, scheme=scheme):
                self.assertIn(f'xmlns:wp="{scheme}://wordpress.org/export/{version}/"', text)
                self.assertImportsAsExpected(self.write(f"wxr-{version}-{scheme}.xml", text))

    def test_wxr_1_0_tags_and_creators_without_an_author_list(self):
        text = wxr_1_0(standard_items())
        self.assertNotIn("<wp:author>", text)
        self.assertIn('<category domain="tag" nicename="roads">', text)
        self.run_import(str(self.write("wxr-1.0.xml", text)))
        bridge = Article.objects.get(slug="bridge-reopens")
        self.assertEqual(sorted(bridge.tags.names()), ["Bridges", "Roads"])
        self.assertEqual(bridge.section.slug, "local-news")
        self.assertEqual(Author.objects.get(slug="jdoe").name, "jdoe")  # the login: all 1.0 has

    def test_wordpress_com_exports_as_xml_and_as_its_zip_split_into_files(self):
        items = standard_items()
        for scheme in ("http", "https"):
            whole = wordpress_com(items, scheme)
            with self.subTest("one .xml", scheme=scheme):
                self.assertImportsAsExpected(
                    self.write(f"oldgazette.wordpress.{scheme}.xml", whole)
                )
            with self.subTest("a .zip of two .xml files", scheme=scheme):
                # Each part a whole export (the channel, its authors and terms), items split.
                parts = {
                    "oldgazette.wordpress.2026-01-31.001.xml": wordpress_com(items[3:], scheme),
                    "oldgazette.wordpress.2026-01-31.000.xml": wordpress_com(items[:3], scheme),
                    "__MACOSX/._oldgazette.wordpress.2026-01-31.000.xml": "\x00\x05\x16\x07",
                }
                self.assertImportsAsExpected(self.zipped(f"oldgazette-{scheme}.zip", parts))

    def test_blank_lines_or_a_byte_order_mark_before_the_declaration(self):
        for prefix in ["\n\n", "\ufeff", "\ufeff\r\n  \n"]:
            with self.subTest(prefix=prefix):
                path = self.write("noisy-plugin.xml", prefix + wxr(standard_items()))
                self.assertImportsAsExpected(path)

    def test_a_zip_without_an_export_or_a_damaged_one_is_refused(self):
        empty = self.zipped("photos.zip", {"photo.jpg": "not xml", "notes.txt": "hello"})
        with self.assertRaises(CommandError) as caught:
            self.run_import(str(empty))
        self.assertIn("is a .zip with no WordPress export (.xml) in it", str(caught.exception))
        good = self.zipped("export.zip", {"a.xml": wxr(standard_items())}).read_bytes()
        damaged = self.tmp / "damaged.zip"
        damaged.write_bytes(good[: len(good) // 2] + b"\x00" * 200 + good[-22:])
        with self.assertRaises(CommandError) as caught:
            self.run_import(str(damaged))
        self.assertIn("is a damaged .zip", str(caught.exception))
        self.assertFalse(Article.objects.exists())

    def test_other_namespaces_near_wordpress_are_not_taken_for_it(self):
        text = wxr(standard_items()).replace(
            'xmlns:wp="http://wordpress.org/export/1.2/"',
            'xmlns:wp="http://wordpress.org.evil.example/export/1.2/"',
        )
        with self.assertRaises(CommandError) as caught:
            self.run_import(str(self.write("lookalike.xml", text)))
        self.assertIn("is not a WordPress export (no wp: elements", str(caught.exception))
