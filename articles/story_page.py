"""Everything a reader's story page shows, in one query.

The story with its section and picture, its bylines with their authors, its tags, its
corrections and the stories linked under it (``StoryLink``) come back as one row: the lists as
JSON built by the database (an array of JSON objects on PostgreSQL, a JSON array on SQLite),
turned back into model instances here. One round trip instead of five, and the query is
compiled once per process and prepared once per connection (``newsroom.prepared``).

The query is still the ORM's: the story and every linked story go through
``Article.objects.published()``, the one visibility rule.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from taggit.models import Tag

from authors.models import Author
from newsroom.prepared import CompiledQuery, text_marker, time_marker

from .editorial import Correction
from .models import Article, Byline, Image, Section, StoryLink, TaggedArticle
from .related import StoryLinks


class JSONRows(Subquery):
    """The rows of a one-column ``values()`` queryset of JSON objects, as one value."""

    output_field = models.Field()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Not flattened by SQLite (an aggregate over an ordered subquery): rows keep their order.
        template = "(SELECT json_group_array(json(_rows.row)) FROM (%(subquery)s) _rows)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _decode(value) -> list[dict]:
    if not value:
        return []
    if isinstance(value, str):  # SQLite: one JSON array.
        return json.loads(value)
    return [json.loads(item) if isinstance(item, str) else item for item in value]


# --- Columns ------------------------------------------------------------------------------------

ARTICLE_SKIPS = {"search_vector"}
AUTHOR_SKIPS = {"bio"}  # The author page's; the box under a story shows the short bio.
CARD_FIELDS = ["id", "headline", "slug", "standfirst", "section_id", "hero_image_id",
               "published_at", "created_at", "status", "unpublish_at"]  # fmt: skip


def _attnames(model, skip=()) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip]


def _json(model, prefix="", skip=()) -> JSONObject:
    return JSONObject(**{name: f"{prefix}{name}" for name in _attnames(model, skip)})


@cache
def _columns():
    article = _attnames(Article, ARTICLE_SKIPS)
    section = _attnames(Section)
    image = _attnames(Image)
    return article, section, image


def _build(slug, now):
    article_cols, section_cols, image_cols = _columns()
    bylines = (
        Byline.objects.filter(article=OuterRef("pk"))
        .order_by("position", "pk")
        .values(
            row=JSONObject(
                **{name: name for name in _attnames(Byline)},
                author=_json(Author, "author__", AUTHOR_SKIPS),
            )
        )
    )
    tags = (
        TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        .order_by("tag_id")
        .values(row=JSONObject(id="tag_id", name="tag__name", slug="tag__slug"))
    )
    corrections = (
        Correction.objects.filter(article=OuterRef("pk"))
        .order_by("created_at", "pk")
        .values(row=_json(Correction))
    )
    links = (
        Article.objects.published(now)
        .filter(linked_from__article=OuterRef("pk"))
        .order_by("linked_from__kind", "linked_from__position")
        .values(
            row=JSONObject(
                link_kind="linked_from__kind",
                **{name: name for name in CARD_FIELDS},
                section=_json(Section, "section__"),
                hero_image=_json(Image, "hero_image__"),
            )
        )
    )
    return (
        Article.objects.published(now)
        .filter(slug=slug)
        .order_by()
        .annotate(
            byline_rows=JSONRows(bylines),
            tag_rows=JSONRows(tags),
            correction_rows=JSONRows(corrections),
            link_rows=JSONRows(links),
        )
        .values_list(
            *article_cols,
            *(f"section__{name}" for name in section_cols),
            *(f"hero_image__{name}" for name in image_cols),
            "byline_rows",
            "tag_rows",
            "correction_rows",
            "link_rows",
        )[:1]
    )


QUERY = CompiledQuery(_build, text_marker("slug"), time_marker("now"))


# --- Rows back into instances -------------------------------------------------------------------


@cache
def _kinds(model) -> dict[str, str]:
    return {f.attname: f.get_internal_type() for f in model._meta.concrete_fields}


def _value(kind, value):
    if value is None:
        return None
    if kind == "DateTimeField":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind == "BooleanField":
        return bool(value)
    return value


def _from_json(model, data: dict):
    """An instance as the ORM loads one (``from_db``); fields not in ``data`` are deferred."""
    names = [name for name in _kinds(model) if name in data]
    kinds = _kinds(model)
    return model.from_db("default", names, [_value(kinds[n], data[n]) for n in names])


def _from_row(model, names, values):
    return model.from_db("default", names, values)


def _card(data: dict) -> Article:
    story = _from_json(Article, data)
    Article.section.field.set_cached_value(story, _from_json(Section, data["section"]))
    image = data["hero_image"]
    Article.hero_image.field.set_cached_value(
        story, _from_json(Image, image) if image.get("id") is not None else None
    )
    story.link_kind = data["link_kind"]
    return story


@dataclass
class StoryPage:
    article: Article
    bylines: list[Byline]
    tags: list[Tag]
    corrections: list[Correction]
    links: StoryLinks | None  # None: not worked out yet (articles.related.story_links does it).


def load(slug: str) -> StoryPage | None:
    """The live story at ``slug`` and everything its page shows, or None."""
    rows = QUERY.rows(slug=slug, now=timezone.now())
    if not rows:
        return None
    row = rows[0]
    article_cols, section_cols, image_cols = _columns()
    a, s = len(article_cols), len(article_cols) + len(section_cols)
    i = s + len(image_cols)
    article = _from_row(Article, article_cols, row[:a])
    Article.section.field.set_cached_value(article, _from_row(Section, section_cols, row[a:s]))
    image = _from_row(Image, image_cols, row[s:i]) if article.hero_image_id else None
    Article.hero_image.field.set_cached_value(article, image)
    byline_rows, tag_rows, correction_rows, link_rows = (_decode(v) for v in row[i:])

    bylines = []
    for data in byline_rows:
        byline = _from_json(Byline, data)
        Byline.author.field.set_cached_value(byline, _from_json(Author, data["author"]))
        Byline.article.field.set_cached_value(byline, article)
        bylines.append(byline)
    tags = [_from_json(Tag, data) for data in tag_rows]
    corrections = [_from_json(Correction, data) for data in correction_rows]

    links = None
    if article.links_computed_at is not None:
        links = StoryLinks()
        for data in link_rows:
            story = _card(data)
            if story.link_kind == StoryLink.Kind.NEXT:
                links.next_story = story
            else:
                links.related.append(story)
    return StoryPage(article, bylines, tags, corrections, links)
