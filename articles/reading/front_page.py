"""The front page: the lead, the latest stories and a block per section, in two queries."""

from dataclasses import dataclass

from django.db.models import OuterRef
from django.utils import timezone

from articles.models import Article, Section
from articles.reading.cards import (
    byline_names,
    card_from_json,
    card_json,
    card_values,
    cards_from_rows,
)
from common.jsonrows import JSONRows, attnames, decode, from_row
from common.prepared import CompiledQuery, list_marker, time_marker

FRONT_LATEST = 10
FRONT_PER_SECTION = 4


def _front_top(now):
    # The newest stories and the newest lead pick, in one query: the lead is either among the
    # newest (then it is the first pick there) or older than all of them.
    published = Article.objects.published(now)
    return (
        published.filter(published.newest_and_lead(FRONT_LATEST + 1))
        .annotate(byline_rows=byline_names())
        .order_by("-published_at", "-pk")
        .values_list(*card_values())
    )


def _front_sections(now, shown):
    # Each section in the navigation with its newest few stories, not counting the ones above
    # them: per section a LIMITed scan of its published-date index, whatever the archive's size.
    newest = (
        Article.objects.published(now)
        .filter(section_id=OuterRef("pk"))
        .exclude(pk__in_array=shown)
        .order_by("-published_at", "-pk")
        .values(row=card_json(bylines=True, section=False))[:FRONT_PER_SECTION]
    )
    return (
        Section.objects.filter(in_navigation=True)
        .annotate(cards=JSONRows(newest))
        .values_list(*attnames(Section), "cards")
    )


# Compiled once per process, prepared once per connection (common/prepared.py).
FRONT_TOP = CompiledQuery(_front_top, time_marker("now"))
FRONT_SECTIONS = CompiledQuery(_front_sections, time_marker("now"), list_marker("shown"))


@dataclass
class FrontPage:
    lead: Article | None
    latest: list[Article]
    section_blocks: list[tuple[Section, list[Article]]]
    sections: list[Section]  # the navigation's, in its order


def load() -> FrontPage:
    now = timezone.now()
    stories = cards_from_rows(FRONT_TOP.rows(now=now))
    lead = next((story for story in stories if story.is_lead), None)
    if lead is None and stories:
        lead = stories[0]
    latest = [story for story in stories if story.pk != lead.pk][:FRONT_LATEST]

    shown = [story.pk for story in [lead, *latest] if story]
    columns = attnames(Section)
    sections, section_blocks = [], []
    for *values, cards in FRONT_SECTIONS.rows(now=now, shown=shown):
        section = from_row(Section, columns, values)
        sections.append(section)
        if cards := decode(cards):
            made = {section.pk: section}
            section_blocks.append((section, [card_from_json(c, made) for c in cards]))
    return FrontPage(lead, latest, section_blocks, sections)
