"""The story card, defined once: what a card loads (``Article.CARD_FIELDS``), every way a page
gets cards (a queryset, a row, a JSON object built by the database), and its markup, the
template ``includes/story_card.html``.

Four loaders, one instance shape: a story with its section and picture cached as
``select_related`` would, and its bylines in ``prefetched_bylines`` (``byline_list``):

- ``Article.objects....for_listing()`` (archives, search, feeds) and ``.cards()`` (without
  bylines), both reading ``Article.CARD_FIELDS`` (articles/models.py);
- ``cards_from_rows`` for ``values_list(*card_values())`` rows (the front page's top);
- ``card_from_json`` for ``card_json()`` objects nested under another row (a section's newest
  stories on the front page, the links under a story).

A page has dozens of cards (about sixty on the front page), so the markup is a Jinja2 template
(Django's own backend) made into a format string once per shape (``common.jinja2.Fragment``):
measured on the front page's 63 cards, 19 µs a card, against 29 µs rendering the Jinja2
template each time and 60 µs for the Django template language (README, "What is where"). Every
value is escaped as Django escapes it; the picture is markup built by ``pictures.picture``.
"""

from functools import cache

from django.db.models import OuterRef
from django.db.models.functions import JSONObject
from django.template import engines
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles.links import section_url, story_url, url_context
from articles.models import Article, Byline, Image, Section
from articles.reading.pictures import picture
from authors.models import Author
from common.jinja2 import Fragment
from common.jsonrows import JSONRows, attnames, decode, from_json, from_row, json_of

# The picture's ``sizes`` in each kind of card.
PICTURE_SIZES = {
    "lead": "(min-width: 64rem) 48rem, 100vw",
    "row": "(min-width: 40rem) 15rem, 100vw",
    # A grid card on wider screens, a thumbnail beside its headline on a phone (site.css).
    "thumb": "(min-width: 64rem) 18rem, (min-width: 40rem) 50vw, 6.5rem",
}
DEFAULT_SIZES = "(min-width: 64rem) 18rem, (min-width: 40rem) 50vw, 100vw"
TEMPLATE = "includes/story_card.html"


# --- Loading -----------------------------------------------------------------------------------


@cache
def card_columns() -> tuple[list[str], list[str], list[str]]:
    """The columns of a card row: the story's, its section's, its picture's (each in the
    model's field order, as ``Model.from_db`` takes them)."""
    story = [name for name in attnames(Article) if name in Article.CARD_FIELDS]
    image = [name for name in attnames(Image) if name in Image.CARD_FIELDS]
    return story, attnames(Section), image


def card_values() -> list:
    """``values_list()`` arguments for card rows, with the ``byline_rows`` annotation
    (``byline_names``); ``cards_from_rows`` reads them back."""
    story, section, image = card_columns()
    return [
        *story,
        *(f"section__{name}" for name in section),
        *(f"hero_image__{name}" for name in image),
        "byline_rows",
    ]


def bylines_json(author: JSONObject) -> JSONRows:
    """A story's bylines in order (``OuterRef("pk")`` is the story), each with ``author``: the
    author's columns it names (``bylines_from`` reads them back)."""
    return JSONRows(
        Byline.objects.filter(article=OuterRef("pk"))
        .order_by("position", "pk")
        .values(row=JSONObject(**{name: name for name in attnames(Byline)}, author=author))
    )


def byline_names() -> JSONRows:
    """The bylines a card names: each with its author's name and address."""
    return bylines_json(JSONObject(id="author_id", name="author__name", slug="author__slug"))


def card_json(*, bylines: bool, section: bool = True) -> JSONObject:
    """A story card as one JSON object (``card_from_json`` reads it back): for lists of cards
    nested under another row (a story's links, a section's newest stories). Only what a card
    shows: the database builds these objects key by key. ``section=False`` when the row above
    is the section."""
    return JSONObject(
        **{name: name for name in Article.CARD_FIELDS},
        **({"section": json_of(Section, "section__")} if section else {}),
        hero_image=JSONObject(**{name: f"hero_image__{name}" for name in Image.CARD_FIELDS}),
        **({"bylines": byline_names()} if bylines else {}),
    )


def bylines_from(rows: list[dict], article) -> list[Byline]:
    bylines = []
    for data in rows:
        byline = from_json(Byline, data)
        Byline.author.field.set_cached_value(byline, from_json(Author, data["author"]))
        Byline.article.field.set_cached_value(byline, article)
        bylines.append(byline)
    return bylines


def cards_from_rows(rows) -> list[Article]:
    """Stories from card rows (``card_values``), each with its section, picture and
    ``byline_list``, as ``ArticleQuerySet.for_listing()`` gives them."""
    story_cols, section_cols, image_cols = card_columns()
    a = len(story_cols)
    s = a + len(section_cols)
    i = s + len(image_cols)
    sections: dict[int, Section] = {}
    stories = []
    for row in rows:
        story = from_row(Article, story_cols, row[:a])
        section = sections.get(story.section_id)
        if section is None:
            section = sections[story.section_id] = from_row(Section, section_cols, row[a:s])
        Article.section.field.set_cached_value(story, section)
        image = from_row(Image, image_cols, row[s:i]) if story.hero_image_id else None
        Article.hero_image.field.set_cached_value(story, image)
        story.prefetched_bylines = bylines_from(decode(row[i]), story)
        stories.append(story)
    return stories


def card_from_json(data: dict, sections: dict | None = None) -> Article:
    """A story card from ``card_json``: the story with its section, picture and bylines
    (``sections``: the sections already made for this page, by id, shared between cards)."""
    story = from_json(Article, data)
    section = sections.get(story.section_id) if sections is not None else None
    if section is None:  # (Given unless card_json had ``section=False``.)
        section = from_json(Section, data["section"])
        if sections is not None:
            sections[story.section_id] = section
    Article.section.field.set_cached_value(story, section)
    image = data["hero_image"]
    Article.hero_image.field.set_cached_value(
        story, from_json(Image, image) if image.get("id") is not None else None
    )
    if "bylines" in data:
        story.prefetched_bylines = bylines_from(decode(data["bylines"]), story)
    return story


# --- Markup ------------------------------------------------------------------------------------

_month_names: dict = {}


def _short_date(local, language) -> str:
    """``date:"j M Y"``, with the month's short name in the active language."""
    key = (language, local.month)
    month = _month_names.get(key)
    if month is None:
        month = _month_names[key] = str(MONTHS_3[local.month]).title()
    return f"{local.day} {month} {local.year}"


def card_context() -> tuple:
    """What every card of a page shares: the time zone, the address context, the language
    (each costs a few µs to read, and a page has dozens of cards)."""
    return timezone.get_current_timezone(), url_context(), get_language()


@cache
def _template() -> Fragment:
    # Every column a card loads is given to the template under its own name, so a field added
    # to Article.CARD_FIELDS reaches the card's template with no change here.
    return Fragment(
        engines["jinja2"].get_template(TEMPLATE).template,
        shape=("variant", "heading", "with_image"),
        text=("picture", "url", "section_name", "section_url", "names", "moment", "date",
              "snippet", *Article.CARD_FIELDS),
    )  # fmt: skip


def story_card(
    story,
    *,
    variant: str = "",
    heading: str = "h3",
    with_image: bool = False,
    eager: bool = False,
    hide_section: bool = False,
    hide_bylines: bool = False,
    snippet: str = "",
    marked_headline: str = "",
    context: tuple | None = None,
):
    """One card, from any loader above. ``variant`` is "", "lead", "row", "compact",
    "thumb" (a grid card that is compact on a phone: its picture a thumbnail beside the
    headline), "related" or "result" (a search result, with its highlighted ``snippet`` and
    ``marked_headline``: safe HTML, the headline escaped with the words searched for in
    <mark>); ``context``: ``card_context()``, read once for all the cards of a page."""
    tz, urls, language = context or card_context()
    # The story's address (as Article.get_absolute_url makes it) and time, in the newsroom's
    # time zone, worked out once for both.
    local = (story.published_at or story.created_at or timezone.now()).astimezone(tz)
    markup = None
    if with_image and story.hero_image_id:
        lead = variant == "lead"
        sizes = PICTURE_SIZES["lead"] if lead else PICTURE_SIZES.get(variant, DEFAULT_SIZES)
        markup = picture(
            story.hero_image, "16x9", sizes, "", lazy=not lead, priority=lead and eager
        )
    section = story.section
    fields = {name: getattr(story, name) for name in Article.CARD_FIELDS}
    if marked_headline:
        fields["headline"] = marked_headline
    # Safe: the card template's markup with every value escaped (common/jinja2.py).
    return mark_safe(  # noqa: S308
        _template().render(
            **fields,
            variant=variant,
            heading="h2" if heading == "h2" else "h3",
            with_image=with_image,
            picture=markup,
            url=story_url(story.slug, local, urls),
            section_name=section.name,
            section_url=None if hide_section else section_url(section.slug, urls),
            names="" if hide_bylines else ", ".join(b.author.name for b in story.byline_list),
            moment=local.replace(microsecond=0).isoformat() if story.published_at else "",
            date=_short_date(local, language) if story.published_at else "",
            snippet=snippet,
        )
    )
