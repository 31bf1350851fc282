"""The body editor's pictures in headless Chromium: Enter after a picture starts a paragraph,
nothing makes a figure without a picture, and a story opened and saved keeps its HTML."""

from articles.models import Article
from articles.sanitize import clean_body
from tests.e2e import test_browser
from tests.e2e.body_samples import SAMPLES
from tests.e2e.test_browser import BrowserTestCase
from tests.factories import make_article, make_image, make_user

pytestmark = test_browser.pytestmark

EDITOR = ".field-body [contenteditable=true]"
# The editor instance, for reading what it would write (django-prose-editor announces it).
KEEP_EDITOR = (
    "document.addEventListener('prose-editor:ready', e => { window.bodyEditor = e.detail.editor })"
)


class BodyEditorPictureTests(BrowserTestCase):
    def setUp(self):
        self.user = make_user("chief", superuser=True)
        image = make_image(alt_text="Boats in a harbour")
        self.picture = f'<img src="{image.file.url}" alt="Boats in a harbour">'
        self.figure = (
            f"<figure>{self.picture}<figcaption>The harbour at dawn.</figcaption></figure>"
        )
        self.story = make_article(
            published=False,
            headline="Harbour plan approved",
            body=f"<p>The council debated the argument.</p>{self.figure}"
            "<p>What the plan means for residents.</p>",
        )

    def edit(self, article=None):
        page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        self.addCleanup(page.close)
        page.add_init_script(KEEP_EDITOR)
        path = f"/admin/articles/article/{(article or self.story).pk}/change/"
        page.goto(f"{self.live_server_url}/admin/login/?next={path}")
        page.fill("#id_username", self.user.username)
        page.fill("#id_password", "pw-123456789")
        page.click("input[type=submit]")
        self.ready(page)
        return page

    @staticmethod
    def ready(page):
        page.locator(EDITOR).wait_for()
        page.wait_for_function("() => window.bodyEditor")
        # Pictures loaded, so nothing moves under a click.
        page.wait_for_function(
            "() => [...document.querySelectorAll('.ProseMirror img')].every(i => i.complete)"
        )

    @staticmethod
    def click_into(page, selector):
        """Click ``selector`` in the editor and wait until the caret (or the selected node) is
        there: on a loaded machine a click can land before the editor takes it, and the keys
        that follow would then go to the start of the story."""
        inside = (
            "s => { const n = getSelection().anchorNode; const e = n && (n.nodeType === 1 ? n :"
            " n.parentElement); return !!(e && (e.closest(s) || e.querySelector(s))) }"
        )
        from playwright.sync_api import TimeoutError as NotYet

        for _ in range(5):
            page.locator(f"{EDITOR} {selector}").click()
            try:
                page.wait_for_function(inside, arg=selector, timeout=1000)
                return
            except NotYet:
                continue
        raise AssertionError(f"The caret never reached {selector}")

    @staticmethod
    def select_picture(page, selector):
        """Click a picture and wait until the editor has selected it (ProseMirror marks the
        selected node), retrying a click that landed before the editor took it."""
        from playwright.sync_api import TimeoutError as NotYet

        for _ in range(5):
            page.locator(f"{EDITOR} {selector}").click()
            try:
                page.locator(f"{EDITOR} .ProseMirror-selectednode").wait_for(timeout=1000)
                return
            except NotYet:
                continue
        raise AssertionError(f"The editor never selected {selector}")

    def save(self, page):
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist")
        self.ready(page)
        return Article.objects.get(pk=self.story.pk).body

    def test_enter_on_a_selected_picture_then_typing_writes_a_paragraph_after_the_figure(self):
        page = self.edit()
        self.select_picture(page, "figure img")
        page.keyboard.press("Enter")
        page.keyboard.type("A typed sentence.")
        expected = (
            f"<p>The council debated the argument.</p>{self.figure}"
            "<p>A typed sentence.</p><p>What the plan means for residents.</p>"
        )
        self.assertEqual(self.save(page), expected)
        # Reopened, the caption is still in its figure, under the picture.
        self.assertEqual(page.locator(f"{EDITOR} figure").count(), 1)
        self.assertEqual(
            page.locator(f"{EDITOR} figure figcaption").inner_text(), "The harbour at dawn."
        )
        self.assertEqual(page.locator(f"{EDITOR} figcaption").count(), 1)
        self.assertEqual(page.locator(f"{EDITOR} img:not([src])").count(), 0)

    def test_enter_in_a_caption_and_typing_on_a_selected_picture_start_paragraphs(self):
        page = self.edit()
        self.click_into(page, "figcaption")
        page.keyboard.press("End")
        page.keyboard.press("Enter")
        page.keyboard.type("After the caption.")
        self.select_picture(page, "figure img")
        page.keyboard.type("Typed on the picture. ")
        body = self.save(page)
        self.assertIn(f"{self.figure}<p>Typed on the picture.</p><p>After the caption.</p>", body)
        self.assertEqual(body.count("<img"), 1)

    def test_deleting_a_selected_picture_removes_its_figure(self):
        page = self.edit()
        self.select_picture(page, "figure img")
        page.keyboard.press("Delete")
        self.assertEqual(
            self.save(page),
            "<p>The council debated the argument.</p><p>What the plan means for residents.</p>",
        )

    def test_a_caption_added_to_a_bare_picture_and_an_empty_one_taken_away(self):
        self.story.body = f"<p>Intro.</p>{self.picture}<p>End.</p>"
        self.story.save()
        page = self.edit()
        self.select_picture(page, "img")
        page.get_by_role("button", name="Add caption").click()
        page.keyboard.type("A new caption.")
        self.assertEqual(
            self.save(page),
            f"<p>Intro.</p><figure>{self.picture}<figcaption>A new caption.</figcaption>"
            "</figure><p>End.</p>",
        )
        self.click_into(page, "figcaption")
        page.keyboard.press("End")
        for _ in range(len("A new caption.") + 1):
            page.keyboard.press("Backspace")
        self.assertEqual(page.locator(f"{EDITOR} figcaption").count(), 0)
        self.assertEqual(
            self.save(page), f"<p>Intro.</p><figure>{self.picture}</figure><p>End.</p>"
        )

    def test_a_story_opened_and_saved_keeps_its_html(self):
        stored = self.story.body
        page = self.edit()
        self.assertEqual(self.save(page), stored)  # untouched
        # Touched: a letter typed and taken back makes the editor write the whole body anew.
        page.locator(f"{EDITOR} p").first.click()
        page.keyboard.press("End")
        page.keyboard.type("x")
        page.keyboard.press("Backspace")
        written = page.eval_on_selector("#id_body", "textarea => textarea.value")
        self.assertNotEqual(written, stored)  # the editor's own markup (classes and all)...
        self.assertEqual(self.save(page), stored)  # ...is stored as it was

    def test_every_sample_body_is_sanitised_the_same_before_and_after_the_editor(self):
        page = self.edit()
        write = "html => { window.bodyEditor.commands.setContent(html); return window.bodyEditor.getHTML() }"
        for sample in [*SAMPLES, self.story.body]:
            with self.subTest(sample=sample):
                written = page.evaluate(write, sample)
                self.assertEqual(clean_body(written), clean_body(sample))
                # And the stored form goes through the editor unchanged.
                stored = clean_body(sample)
                self.assertEqual(clean_body(page.evaluate(write, str(stored))), stored)
