"""Everything a reader's story page shows, in one query.

The story with its section and picture, its bylines with their authors, its tags, its
corrections and the stories linked under it (``StoryLink``) come back as one row: the lists as
JSON built by the database (an array of JSON objects on PostgreSQL, a JSON array on SQLite),
turned back into model instances here. One round trip instead of five, and the query is
compiled once per process and prepared once per connection (``common.prepared``).

The query is still the ORM's: the story and every linked story go through
``Article.objects.published()``, the one visibility rule.
"""

from dataclasses import dataclass
from functools import cache

from django.db.models import OuterRef
from django.db.models.functions import JSONObject
from django.utils import timezone
from taggit.models import Tag

from articles.editorial import Correction
from articles.models import Article, Byline, Image, Section, StoryLink, TaggedArticle
from articles.reading.cards import bylines_from, bylines_json, card_from_json, card_json
from articles.related import StoryLinks
from authors.models import Author
from common.jsonrows import JSONRows, attnames, decode, from_json, from_row, json_of
from common.prepared import CompiledQuery, text_marker, time_marker

ARTICLE_SKIPS = {"search_vector"}
AUTHOR_SKIPS = {"bio"}  # The author page's; the box under a story shows the short bio.


@cache
def _columns():
    article = attnames(Article, ARTICLE_SKIPS)
    section = attnames(Section)
    image = attnames(Image)
    return article, section, image


def _build(slug, now):
    article_cols, section_cols, image_cols = _columns()
    bylines = bylines_json(json_of(Author, "author__", AUTHOR_SKIPS))
    tags = (
        TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        .order_by("tag_id")
        .values(row=JSONObject(id="tag_id", name="tag__name", slug="tag__slug"))
    )
    corrections = (
        Correction.objects.filter(article=OuterRef("pk"))
        .order_by("created_at", "pk")
        .values(row=json_of(Correction))
    )
    links = (
        Article.objects.published(now)
        .filter(linked_from__article=OuterRef("pk"))
        .order_by("linked_from__kind", "linked_from__position")
        .values(row=JSONObject(link_kind="linked_from__kind", card=card_json(bylines=False)))
    )
    return (
        Article.objects.published(now)
        .filter(slug=slug)
        .order_by()
        .annotate(
            byline_rows=bylines,
            tag_rows=JSONRows(tags),
            correction_rows=JSONRows(corrections),
            link_rows=JSONRows(links),
            # The site navigation's sections: this page needs no other query for them.
            nav_rows=JSONRows(
                Section.objects.filter(in_navigation=True)
                .order_by("position", "name")
                .values(row=json_of(Section))
            ),
        )
        .values_list(
            *article_cols,
            *(f"section__{name}" for name in section_cols),
            *(f"hero_image__{name}" for name in image_cols),
            "byline_rows",
            "tag_rows",
            "correction_rows",
            "link_rows",
            "nav_rows",
        )[:1]
    )


QUERY = CompiledQuery(_build, text_marker("slug"), time_marker("now"))


@dataclass
class StoryPage:
    article: Article
    bylines: list[Byline]
    tags: list[Tag]
    corrections: list[Correction]
    links: StoryLinks | None  # None: not worked out yet (articles.related.story_links does it).
    navigation: list[Section]


def load(slug: str) -> StoryPage | None:
    """The live story at ``slug`` and everything its page shows, or None."""
    rows = QUERY.rows(slug=slug, now=timezone.now())
    if not rows:
        return None
    row = rows[0]
    article_cols, section_cols, image_cols = _columns()
    a, s = len(article_cols), len(article_cols) + len(section_cols)
    i = s + len(image_cols)
    article = from_row(Article, article_cols, row[:a])
    Article.section.field.set_cached_value(article, from_row(Section, section_cols, row[a:s]))
    image = from_row(Image, image_cols, row[s:i]) if article.hero_image_id else None
    Article.hero_image.field.set_cached_value(article, image)
    byline_rows, tag_rows, correction_rows, link_rows, nav_rows = (decode(v) for v in row[i:])

    bylines = bylines_from(byline_rows, article)
    tags = [from_json(Tag, data) for data in tag_rows]
    corrections = [from_json(Correction, data) for data in correction_rows]

    links = None
    if article.links_computed_at is not None:
        links = StoryLinks()
        for data in link_rows:
            story = card_from_json(data["card"])
            if data["link_kind"] == StoryLink.Kind.NEXT:
                links.next_story = story
            else:
                links.related.append(story)
    navigation = [from_json(Section, data) for data in nav_rows]
    return StoryPage(article, bylines, tags, corrections, links, navigation)
