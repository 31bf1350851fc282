"""Related stories: editor picks first, then automatic candidates.

Automatic candidates are published stories within a recency window either side of the story's
own publication time. They score by the tags they share (a tag weighs more the fewer stories in
the window carry it), a bonus for the same section, and closeness in time. Every query here is
bounded by the window and served by an index, so the cost stays the same however large the
archive grows, and the number of queries is fixed (four) whatever the story's tags or picks.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Article, RelatedLink, TaggedArticle

SAME_SECTION_BONUS = 0.75
SECTION_CANDIDATES = 30


@dataclass
class StoryLinks:
    related: list[Article] = field(default_factory=list)
    next_story: Article | None = None


def story_links(article: Article, *, limit: int | None = None) -> StoryLinks:
    """Related stories for ``article`` and the story to read next (the previous one in its
    section), loaded together. Never the story itself, never anything readers may not see.
    """
    limit = limit or settings.NEWSROOM_RELATED_COUNT
    visible = Article.objects.published().exclude(pk=article.pk)

    pick_ids = list(
        RelatedLink.objects.filter(from_article=article, to_article__in=visible)
        .order_by("position", "pk")
        .values_list("to_article_id", flat=True)[:limit]
    )
    scores, next_id = _automatic_scores(article, visible.exclude(pk__in=pick_ids))
    # The next story has its own link: it does not take a related slot too.
    auto_ids = [pk for pk, _score in scores if pk != next_id][: max(limit - len(pick_ids), 0)]

    wanted = pick_ids + auto_ids
    load = set(wanted) | ({next_id} if next_id else set())
    if not load:
        return StoryLinks()
    cards = visible.filter(pk__in=load).select_related("section", "hero_image").defer("body")
    by_id = {story.pk: story for story in cards}
    return StoryLinks(
        related=[by_id[pk] for pk in wanted if pk in by_id], next_story=by_id.get(next_id)
    )


def _automatic_scores(article: Article, candidates) -> tuple[list[tuple[int, float]], int | None]:
    """Scored automatic candidates, best first, and the id of the next story to read."""
    window = timedelta(days=settings.NEWSROOM_RELATED_WINDOW_DAYS)
    anchor = article.published_at or timezone.now()
    in_window = candidates.filter(
        published_at__gte=anchor - window, published_at__lte=anchor + window
    )

    # The story's tags: taken from the prefetch when the page already loaded them.
    tag_ids = [tag.pk for tag in article.tags.all()]
    seen: dict[int, tuple] = {}
    tag_hits: dict[int, list[int]] = defaultdict(list)
    tag_df: dict[int, int] = defaultdict(int)
    if tag_ids:
        rows = TaggedArticle.objects.filter(
            tag_id__in=tag_ids, content_object__in=in_window
        ).values_list(
            "content_object_id",
            "tag_id",
            "content_object__published_at",
            "content_object__section_id",
        )
        for pk, tag_id, published_at, section_id in rows:
            tag_hits[pk].append(tag_id)
            tag_df[tag_id] += 1
            seen[pk] = (published_at, section_id)

    # Section candidates are the stories just before this one in its section (newer ones still
    # come in through shared tags); the nearest of them is also the next story to read.
    same_section = in_window.filter(section_id=article.section_id, published_at__lt=anchor)
    section_rows = same_section.order_by("-published_at", "-pk").values_list("pk", "published_at")
    next_id = None
    for pk, published_at in section_rows[:SECTION_CANDIDATES]:
        seen.setdefault(pk, (published_at, article.section_id))
        next_id = next_id or pk

    window_seconds = window.total_seconds() or 1
    scored = []
    for pk, (published_at, section_id) in seen.items():
        # A tag carried by few stories says more about a story than one carried by many.
        score = sum(1.0 / math.log2(1 + tag_df[tag_id]) for tag_id in tag_hits.get(pk, ()))
        if section_id == article.section_id:
            score += SAME_SECTION_BONUS
        distance = abs((anchor - published_at).total_seconds()) / window_seconds
        score *= 1.0 - 0.5 * min(distance, 1.0)
        scored.append((pk, score, published_at))
    scored.sort(key=lambda row: (-row[1], -row[2].timestamp(), -row[0]))
    return [(pk, score) for pk, score, _published in scored], next_id
