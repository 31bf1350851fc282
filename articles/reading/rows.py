"""Reader pages' rows, built by the database in one query and turned back into model instances.

The hot reader pages (a story, the front page) load what they show in one or two queries: the
lists under a row (bylines, tags, linked stories) come back as JSON built by the database (an
array of JSON objects on PostgreSQL, one JSON array on SQLite), instead of one query per list
and Django's prefetch machinery (which built a queryset per story: ~50 µs each, sixty times
on the front page). The instances made here are the ORM's own (``Model.from_db``), with the
related objects cached as ``select_related`` would, so templates and helpers use them as usual;
columns not loaded are deferred (reading one would cost a query, which the query-budget tests
would see).
"""

from functools import cache

from django.db.models import OuterRef
from django.db.models.functions import JSONObject

from articles.models import Article, Byline, Image, Section
from authors.models import Author
from common.jsonrows import JSONRows, attnames, decode, from_json, from_row, json_of

# What a story card shows (articles/cards.py) and what its address and cache keys need.
CARD_FIELDS = ["id", "headline", "slug", "standfirst", "section_id", "hero_image_id",
               "published_at", "created_at", "status", "unpublish_at", "is_lead"]  # fmt: skip


@cache
def card_columns() -> tuple[list[str], list[str], list[str]]:
    """The columns of a card row: the story's, its section's, its picture's (each in the
    model's field order, as ``Model.from_db`` takes them)."""
    story = [name for name in attnames(Article) if name in CARD_FIELDS]
    return story, attnames(Section), attnames(Image)


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


# What a card's picture needs (articles/renditions.py): the file, its size and focal point.
CARD_IMAGE_FIELDS = ["id", "file", "width", "height", "alt_text", "focal_x", "focal_y"]


def card_json(*, bylines: bool, section: bool = True) -> JSONObject:
    """A story card as one JSON object (``card_from_json`` reads it back): for lists of cards
    nested under another row (a story's links, a section's newest stories). Only what a card
    shows: the database builds these objects key by key. ``section=False`` when the row above
    is the section."""
    return JSONObject(
        **{name: name for name in CARD_FIELDS},
        **({"section": json_of(Section, "section__")} if section else {}),
        hero_image=JSONObject(**{name: f"hero_image__{name}" for name in CARD_IMAGE_FIELDS}),
        **({"bylines": byline_names()} if bylines else {}),
    )


# --- Back into instances ------------------------------------------------------------------------


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
