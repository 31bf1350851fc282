"""The story history page compares bodies block by block and names the pictures, figures and
links that came or went; every word of it is escaped."""

from django.test import TestCase

from articles.admin.diffs import body_changes
from articles.editorial import Revision
from articles.workflow.revisions import snapshot
from tests.factories import make_article, make_user

PICTURE = '<img src="/media/images/harbour.jpg" alt="Boats in a harbour">'
OLD = (
    "<p>The council debated the argument.</p><p>What the plan means for residents.</p>"
    f"<figure>{PICTURE}<figcaption>The harbour at dawn.</figcaption></figure>"
    '<p>Read <a href="https://example.org/report">the report</a>.</p>'
    "<ul><li>Cycle lanes</li><li>Bus gates</li></ul>"
)
NEW = (
    "<p>The council debated the long argument.</p><h2>What changes</h2>"
    "<p>What the plan means for residents.</p>"
    '<img src="/media/images/bridge.jpg" alt="A bridge">'
    '<p>Read <a href="https://example.org/minutes">the minutes</a>.</p>'
    "<ul><li>Cycle lanes</li><li>Bus gates on Mill Road</li></ul>"
)


class HistoryPageTests(TestCase):
    def setUp(self):
        self.editor = make_user("chief", superuser=True)
        self.client.force_login(self.editor)
        self.article = make_article(body=OLD)
        data = snapshot(self.article)
        Revision.objects.create(article=self.article, number=1, data=data, created_by=self.editor)

    def history_after(self, body, headline=None):
        data = snapshot(self.article) | {"body": body}
        if headline:
            data["headline"] = headline
        Revision.objects.create(article=self.article, number=2, data=data, created_by=self.editor)
        response = self.client.get(f"/admin/articles/article/{self.article.pk}/history/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_paragraphs_are_compared_one_by_one_not_run_together(self):
        page = self.history_after(NEW)
        self.assertNotIn("argument.What", page)
        self.assertNotIn("argument. What", page)
        self.assertIn(
            "Paragraph changed:</span> The council debated the <ins>long</ins> argument.", page
        )
        self.assertIn("Heading added:</span> <ins>What changes</ins>", page)
        self.assertIn("List item changed:</span> Bus gates <ins>on Mill Road</ins>", page)
        # The unchanged paragraph and list item are not repeated.
        self.assertNotIn("What the plan means for residents.</", page)
        self.assertIn("2 blocks unchanged.", page)
        self.assertIn(
            "Paragraph changed:</span> Read the <del>report.</del> <ins>minutes.</ins>", page
        )

    def test_pictures_figures_and_links_that_came_or_went_are_listed(self):
        page = self.history_after(NEW)
        self.assertIn(
            "Figure removed:</span> <del>Boats in a harbour (/media/images/harbour.jpg)", page
        )
        self.assertIn("Picture added:</span> <ins>A bridge (/media/images/bridge.jpg)</ins>", page)
        self.assertIn("Pictures added:</p>", page)
        self.assertIn("<li>A bridge (/media/images/bridge.jpg)</li>", page)
        self.assertIn("Pictures removed:</p>", page)
        self.assertIn(
            "<li>Boats in a harbour (/media/images/harbour.jpg), caption “The harbour at dawn.”</li>",
            page,
        )
        self.assertIn("<li>“the minutes” → https://example.org/minutes</li>", page)
        self.assertIn("<li>“the report” → https://example.org/report</li>", page)
        self.assertIn("Links added:</p>", page)
        self.assertIn("Links removed:</p>", page)

    def test_a_link_whose_address_changed_is_listed_though_no_word_did(self):
        page = self.history_after(OLD.replace("example.org/report", "example.org/report-2026"))
        self.assertIn("<li>“the report” → https://example.org/report-2026</li>", page)
        self.assertNotIn("Paragraph changed", page)

    def test_formatting_only(self):
        page = self.history_after(OLD.replace("the argument", "the <strong>argument</strong>"))
        self.assertIn("<strong>Body:</strong> formatting only", page)

    def test_a_caption_edit_and_a_picture_swap_in_a_figure(self):
        new = OLD.replace("The harbour at dawn.", "The harbour at dusk.").replace(
            "harbour.jpg", "harbour-2.jpg"
        )
        page = self.history_after(new)
        self.assertIn(
            "Figure changed:</span> The harbour at <del>dawn.</del> <ins>dusk.</ins>", page
        )
        self.assertIn(
            "Picture: <del>Boats in a harbour (/media/images/harbour.jpg)</del> "
            "<ins>Boats in a harbour (/media/images/harbour-2.jpg)</ins>",
            page,
        )

    def test_everything_from_the_body_is_escaped(self):
        hostile = (
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; words</p>"
            '<figure><img src="/x.jpg?a=1&amp;b=&quot;2&quot;" alt="&lt;b&gt;bold&lt;/b&gt;">'
            "<figcaption>&lt;i&gt;cap&lt;/i&gt;</figcaption></figure>"
            '<p><a href="https://example.org/?q=&lt;x&gt;">&lt;img src=x onerror=alert(2)&gt;</a></p>'
        )
        page = self.history_after(hostile, headline="<script>alert(3)</script>")
        for raw in ["<script>alert", "<b>bold", "<i>cap", "<img src=x", "onerror=alert(2)>"]:
            self.assertNotIn(raw, page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertIn("&lt;b&gt;bold&lt;/b&gt;", page)
        self.assertIn("/x.jpg?a=1&amp;b=&quot;2&quot;", page)

    def test_the_history_page_query_count_does_not_grow_with_the_body(self):
        body = "".join(f"<p>Paragraph {i}.</p>{PICTURE}" for i in range(60))
        data = snapshot(self.article) | {"body": body}
        Revision.objects.create(article=self.article, number=2, data=data, created_by=self.editor)
        url = f"/admin/articles/article/{self.article.pk}/history/"
        self.client.get(url)
        with self.assertNumQueries(self._queries(url)):
            self.client.get(url)

    def _queries(self, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        small = make_article(body="<p>Small</p>")
        Revision.objects.create(
            article=small, number=1, data=snapshot(small), created_by=self.editor
        )
        Revision.objects.create(
            article=small,
            number=2,
            data=snapshot(small) | {"body": "<p>Tiny</p>"},
            created_by=self.editor,
        )
        small_url = f"/admin/articles/article/{small.pk}/history/"
        self.client.get(small_url)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(small_url)
        return len(queries)


class BodyChangesTests(TestCase):
    def test_a_moved_paragraph_is_removed_and_added_not_lost(self):
        old = "<p>One.</p><p>Two.</p><p>Three.</p>"
        new = "<p>Two.</p><p>Three.</p><p>One.</p>"
        rows = body_changes(old, new)["blocks"]
        self.assertEqual(
            [(r["status"], r["label"]) for r in rows],
            [("removed", "Paragraph removed"), ("added", "Paragraph added")],
        )

    def test_a_paragraph_made_a_heading(self):
        rows = body_changes("<p>Plan details</p>", "<h2>Plan details</h2>")["blocks"]
        self.assertEqual(rows[0]["label"], "Paragraph → Heading changed")

    def test_quotes_and_nested_lists(self):
        rows = body_changes(
            "<blockquote><p>We had no choice.</p></blockquote>",
            "<blockquote><p>We had no other choice.</p></blockquote><ul><li>A<ul><li>B</li></ul></li></ul>",
        )["blocks"]
        self.assertEqual(
            [r["label"] for r in rows],
            ["Paragraph in a quotation changed", "List item added", "List item added"],
        )
