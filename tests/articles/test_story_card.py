"""The story card is defined once: whichever way a page loads its stories (a queryset, a row,
a JSON object built by the database), the card's markup is the same, and rendering it costs
no query of its own."""

from django.test import TestCase
from django.utils.html import format_html

from articles.models import Article, Section
from articles.reading import cards
from articles.reading.cards import (
    byline_names,
    card_from_json,
    card_json,
    card_values,
    cards_from_rows,
    story_card,
)
from common.jsonrows import JSONRows, decode
from tests.factories import make_article, make_author, make_image, make_section

VARIANTS = [
    {},
    {"variant": "lead", "heading": "h2", "with_image": True, "eager": True},
    {"with_image": True},
    {"variant": "compact"},
    {"variant": "row", "heading": "h2", "with_image": True, "hide_section": True},
    {"variant": "thumb", "with_image": True, "hide_section": True},
]

# A search result: its snippet and headline come marked (safe HTML) from articles/search.py.
RESULT = {
    "variant": "result",
    "snippet": format_html("The <mark>{}</mark> rose.", "river"),
    "marked_headline": format_html("<mark>{}</mark> &lt;rise&gt;", "Floods"),
}


class StoryCardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        section = make_section("World & Europe", slug="world")
        cls.story = make_article(
            headline="Floods <rise> in “Kraków” & O'Hare",
            standfirst='Rivers burst their banks; "worst in decades".',
            section=section,
            authors=[make_author("Ana Lima"), make_author("Bo O'Neil")],
            hero_image=make_image(alt_text="A flooded street", credit="Staff"),
        )
        cls.plain = make_article(section=section, authors=[make_author("Cy Doe")])

    def loaded(self, story) -> dict[str, Article]:
        """The story through every card loader."""
        published = Article.objects.published()
        rows = published.filter(pk=story.pk).annotate(byline_rows=byline_names())
        (nested,) = (
            Section.objects.filter(pk=story.section_id)
            .annotate(
                cards=JSONRows(published.filter(pk=story.pk).values(row=card_json(bylines=True)))
            )
            .values_list("cards", flat=True)
        )
        return {
            "for_listing()": published.filter(pk=story.pk).for_listing().get(),
            "cards_from_rows": cards_from_rows(rows.values_list(*card_values()))[0],
            "card_from_json": card_from_json(decode(nested)[0]),
        }

    def test_every_loader_renders_the_same_card(self):
        for story in (self.story, self.plain):
            cards = self.loaded(story)
            for options in VARIANTS:
                with self.assertNumQueries(0):
                    html = {name: str(story_card(card, **options)) for name, card in cards.items()}
                with self.subTest(story=story.headline, options=options):
                    self.assertEqual(len(set(html.values())), 1, html)

    def test_card_is_what_its_template_renders(self):
        # The card is filled into a pattern made from its template once per shape
        # (common/jinja2.Fragment); rendering the template itself gives the same bytes.
        fragment = cards._template()
        rendered = []
        original = fragment.render
        fragment.render = lambda **values: rendered.append(values) or original(**values)
        try:
            for story in (self.story, self.plain):
                for card in self.loaded(story).values():
                    for options in [*VARIANTS, {"hide_bylines": True, "with_image": True}, RESULT]:
                        html = str(story_card(card, **options))
                        with self.subTest(story=story.headline, options=options):
                            self.assertEqual(html, fragment.template.render(rendered[-1]))
        finally:
            fragment.render = original

    def test_a_card_without_bylines_loads_with_cards(self):
        # Related stories use .cards() (no bylines): the same card with hide_bylines.
        card = Article.objects.published().filter(pk=self.story.pk).cards().get()
        full = self.loaded(self.story)["for_listing()"]
        with self.assertNumQueries(0):
            self.assertEqual(
                str(story_card(card, hide_bylines=True, with_image=True)),
                str(story_card(full, hide_bylines=True, with_image=True)),
            )

    def test_card_shows_the_story_escaped(self):
        html = str(story_card(self.loaded(self.story)["for_listing()"], with_image=True))
        self.assertIn("Floods &lt;rise&gt; in “Kraków” &amp; O&#x27;Hare", html)
        self.assertIn("&quot;worst in decades&quot;", html)
        self.assertIn("<span>Ana Lima, Bo O&#x27;Neil</span>", html)
        self.assertIn(
            '<p class="kicker"><a href="/section/world/">World &amp; Europe</a></p>', html
        )
        self.assertIn('alt=""', html)  # The headline names the picture's link already.
        self.assertIn(f'href="{self.story.get_absolute_url()}"', html)

    def test_a_result_shows_its_marked_headline_and_escapes_a_plain_one(self):
        card = self.loaded(self.story)["for_listing()"]
        html = str(story_card(card, **RESULT))
        self.assertIn(
            f'<a href="{self.story.get_absolute_url()}"><mark>Floods</mark> &lt;rise&gt;</a>', html
        )
        plain = str(story_card(card, variant="result", marked_headline="<mark>x</mark>"))
        self.assertIn("&lt;mark&gt;x&lt;/mark&gt;</a>", plain)
