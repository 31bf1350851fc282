"""The body allowlist against a corpus of real-world XSS vectors (tests/data/xss_payloads.txt).

Every payload is sanitised as a save would sanitise it, and the result, and the article page
that shows it, must hold nothing that runs script or sends a reader elsewhere.
"""

from collections import Counter

from django.test import TestCase

from articles.models import Article
from articles.sanitize import clean_body
from tests.factories import make_article

from .checks import executable_constructs, load_payloads

PAYLOADS = load_payloads()

EDITOR_MARKUP = (
    "<h2>What happened</h2>"
    "<p>The council met on <strong>Tuesday</strong> and <em>voted</em> 7–2; "
    '<a href="https://example.org/minutes?year=2026&amp;page=2" title="Minutes">read the minutes</a>, '
    '<a href="mailto:desk@example.org">email the desk</a> or see <a href="/2026/01/02/budget/">'
    "the budget story</a>.<br>A second line.</p>"
    "<h3>Who voted</h3><h4>Against</h4>"
    "<ul><li>One</li><li>Two <u>underlined</u> <s>struck</s></li></ul>"
    '<ol start="3"><li>Three</li><li>H<sub>2</sub>O and x<sup>2</sup> and a &lt; b</li></ol>'
    "<blockquote><p>“We had no choice,” said the leader &amp; her deputy.</p></blockquote>"
    '<figure><img src="https://example.org/media/chart.png" alt="A chart of the vote" '
    'title="Chart" width="640" height="360"><figcaption>Source: the council</figcaption></figure>'
    "<hr><p>1 &lt; 2 &gt; 0</p>"
)


class BodyCorpusTests(TestCase):
    def test_the_corpus_is_large_and_the_check_sees_the_attacks_in_it(self):
        # The check is only worth something if it flags the payloads as they were typed.
        self.assertGreaterEqual(len(PAYLOADS), 500)
        flagged = [p for p in PAYLOADS if executable_constructs(p)]
        self.assertGreater(len(flagged), 0.8 * len(PAYLOADS))

    def test_every_payload_is_inert_once_sanitised(self):
        failures = {}
        for payload in PAYLOADS:
            problems = executable_constructs(clean_body(payload))
            if problems:
                failures[payload] = problems
        self.assertEqual(failures, {})

    def test_sanitising_twice_is_sanitising_once(self):
        unstable = {}
        for payload in PAYLOADS + [EDITOR_MARKUP]:
            once = clean_body(payload)
            if clean_body(once) != once:
                unstable[payload] = (once, clean_body(once))
        self.assertEqual(unstable, {})

    def test_urls_with_hidden_schemes_are_dropped(self):
        # nh3 checks the scheme as written; these hide "javascript:" behind characters some
        # browsers skip, and lose their href or src: the link is then its words, and a picture
        # without a source is no picture.
        for url in ["\x7fjavascript:alert(1)", "java\u00adscript:alert(1)", "\u2028javascript:x"]:
            with self.subTest(url=url):
                self.assertEqual(clean_body(f'<p><a href="{url}">x</a></p>'), "<p>x</p>")
                self.assertEqual(clean_body(f'<img src="{url}" alt="a">'), "")

    def test_editor_markup_survives_unchanged(self):
        expected = EDITOR_MARKUP.replace(
            '" title="Minutes">', '" title="Minutes" rel="noopener noreferrer">'
        ).replace('">email', '" rel="noopener noreferrer">email')
        expected = expected.replace('/">the budget', '/" rel="noopener noreferrer">the budget')
        self.assertEqual(clean_body(EDITOR_MARKUP), expected)
        self.assertEqual(executable_constructs(expected), [])

    def test_the_article_page_shows_every_payload_inert(self):
        article = make_article(body=EDITOR_MARKUP)
        url = article.get_absolute_url()
        baseline = Counter(executable_constructs(self.client.get(url).text, document=True))
        # The page's own head and chrome: its JSON-LD, meta tags, stylesheet links and the
        # search form. A payload may add nothing to these.
        self.assertEqual(baseline["<script> element"], 1)
        failures = {}
        for payload in PAYLOADS:
            article.body = payload
            article.save()
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            extra = Counter(executable_constructs(response.text, document=True)) - baseline
            if extra:
                failures[payload] = sorted(extra)
        self.assertEqual(failures, {})
        self.assertEqual(Article.objects.get(pk=article.pk).body, clean_body(PAYLOADS[-1]))
