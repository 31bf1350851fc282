"""Related stories: editor picks first, then automatic candidates; and the next story to read.

Automatic candidates are published stories within a recency window either side of the story's
own publication time. They score by the tags they share (a tag weighs more the fewer stories in
the window carry it), a bonus for the same section, and closeness in time.

The links are worked out once, not on every view: when an editor publishes the story (or
publishes changes to it), or the first time a story with none worked out is shown (imported
stories). They are kept as StoryLink rows, so a reader's page loads them in one indexed query.
Readers only ever see links to stories that are live at the moment of the request (the
visibility rule applies to the linked rows). When a story is published, the stories it links to
are worked out again on their next view, so they link back to it; when one is taken down, the
stories linking to it are too, so they fill the gap.
"""

import contextlib
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

import pagecache

from .models import Article, RelatedLink, StoryLink, TaggedArticle

log = logging.getLogger(__name__)

SAME_SECTION_BONUS = 0.75
SECTION_CANDIDATES = 30


@dataclass
class StoryLinks:
    related: list[Article] = field(default_factory=list)
    next_story: Article | None = None


def story_links(article: Article, *, limit: int | None = None) -> StoryLinks:
    """Related stories for ``article`` and the story to read next (the previous one in its
    section). Never the story itself, never anything readers may not see."""
    if article.pk is None or not article.is_live:
        # A preview of a draft or a scheduled story: worked out now, not kept.
        return _load(*_work_out(article, limit))
    if article.links_computed_at is None:
        try:
            return _load(*refresh(article, limit=limit))
        except DatabaseError:
            # Keeping them failed (a story it links to deleted at that moment, a lock
            # timeout): the reader still gets the links, worked out for this page only.
            log.warning("Could not keep the links of story %s", article.pk, exc_info=True)
            return _load(*_work_out(article, limit))
    cards = (
        Article.objects.published()
        .filter(linked_from__article=article)
        .annotate(link_kind=F("linked_from__kind"))
        .order_by("linked_from__kind", "linked_from__position")
        .cards()
    )
    links = StoryLinks()
    for card in cards:
        if card.link_kind == StoryLink.Kind.NEXT:
            links.next_story = card
        else:
            links.related.append(card)
    return links


def after_commit(task, article_id: int) -> None:
    """Run ``task(article_id)`` once the editor's transaction has committed, on its own.

    Working links out writes rows that point at other stories (and locks them for their key),
    and marks other stories' links out of date. Inside the publish transaction, which holds
    its own story's row, two editors publishing related stories at once would each wait for
    the other's row: a deadlock (the soak found it). Done afterwards, each step locks one
    story at a time. A failure here is logged and leaves the links to be worked out on the
    next view; it never undoes the publish.
    """

    def run():
        try:
            task(article_id)
        except DatabaseError:
            log.exception("Could not update related links of story %s", article_id)
            with contextlib.suppress(DatabaseError):
                Article.objects.filter(pk=article_id).update(links_computed_at=None)

    transaction.on_commit(run)


def relink(article_id: int) -> None:
    """A story was published (or its changes were): work its links out, and let the stories
    it links to work theirs out again on their next view, so they can link back."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return
    linked, next_id = refresh(article)
    forget([*linked, *([next_id] if next_id else [])])
    # A reader may have rendered the story between the publish and this: with the old links.
    pagecache.purge(f"article:{article_id}")


def relink_neighbours(article_id: int) -> None:
    """A scheduled story went live: its links and its neighbours' (the stories linking to it
    and the ones it links to) are worked out again."""
    links_from = StoryLink.objects.filter(article_id=article_id).values_list("story_id", flat=True)
    forget([article_id, *linked_to(article_id), *links_from])


def forget_one(article_id: int) -> None:
    forget([article_id])


def forget_links_to(article_id: int) -> None:
    """A story was taken down: the stories linking to it work theirs out again."""
    forget(linked_to(article_id))


def refresh(article: Article, *, limit: int | None = None) -> tuple[list[int], int | None]:
    """Work out the links of a live ``article`` again and keep them."""
    with transaction.atomic():
        # One writer at a time per story: two readers racing to fill the same story's links
        # (or a reader and a publish) must not collide on its positions. The links are worked
        # out under the lock: a forget() of this story (a neighbour just published) waits for
        # it and then marks these links out of date, instead of being overwritten by links
        # worked out before that neighbour was live. FOR NO KEY UPDATE: other stories' new
        # links to this one (a key share) still go ahead.
        Article.objects.select_for_update(no_key=True).filter(pk=article.pk).values_list(
            "pk"
        ).first()
        related_ids, next_id = _work_out(article, limit)
        rows = [
            StoryLink(article_id=article.pk, story_id=pk, kind=StoryLink.Kind.RELATED, position=i)
            for i, pk in enumerate(related_ids)
        ]
        if next_id:
            rows.append(
                StoryLink(
                    article_id=article.pk, story_id=next_id, kind=StoryLink.Kind.NEXT, position=0
                )
            )
        StoryLink.objects.filter(article_id=article.pk).delete()
        StoryLink.objects.bulk_create(rows)
        now = timezone.now()
        Article.objects.filter(pk=article.pk).update(links_computed_at=now)
    article.links_computed_at = now
    return related_ids, next_id


def forget(article_ids) -> None:
    """The links of these stories are out of date: work them out on their next view (and let
    the page cache drop the pages showing them)."""
    ids = sorted(set(article_ids))
    for pk in ids:
        # One row per statement: no statement ever holds one story while waiting for another.
        Article.objects.filter(pk=pk).update(links_computed_at=None)
    pagecache.purge(*(f"article:{pk}" for pk in ids))


def linked_to(article_id: int) -> list[int]:
    """The stories whose links include this one (indexed)."""
    return list(StoryLink.objects.filter(story_id=article_id).values_list("article_id", flat=True))


def _work_out(article: Article, limit: int | None) -> tuple[list[int], int | None]:
    """Ids of the related stories in order, and of the next story, from the database now."""
    limit = limit or settings.NEWSROOM_RELATED_COUNT
    visible = Article.objects.published()
    if article.pk:
        visible = visible.exclude(pk=article.pk)
    pick_ids = []
    if article.pk:
        pick_ids = list(
            RelatedLink.objects.filter(from_article=article, to_article__in=visible)
            .order_by("position", "pk")
            .values_list("to_article_id", flat=True)[:limit]
        )
    scores, next_id = _automatic_scores(article, visible.exclude(pk__in=pick_ids))
    # The next story has its own link: it does not take a related slot too.
    auto_ids = [pk for pk, _score in scores if pk != next_id][: max(limit - len(pick_ids), 0)]
    return pick_ids + auto_ids, next_id


def _load(related_ids: list[int], next_id: int | None) -> StoryLinks:
    load = set(related_ids) | ({next_id} if next_id else set())
    if not load:
        return StoryLinks()
    cards = Article.objects.published().filter(pk__in=load).cards()
    by_id = {story.pk: story for story in cards}
    return StoryLinks(
        related=[by_id[pk] for pk in related_ids if pk in by_id], next_story=by_id.get(next_id)
    )


def _automatic_scores(article: Article, candidates) -> tuple[list[tuple[int, float]], int | None]:
    """Scored automatic candidates, best first, and the id of the next story to read."""
    window = timedelta(days=settings.NEWSROOM_RELATED_WINDOW_DAYS)
    anchor = article.published_at or timezone.now()
    in_window = candidates.filter(
        published_at__gte=anchor - window, published_at__lte=anchor + window
    )

    # The story's tags: taken from the prefetch when the page already loaded them.
    tag_ids = [tag.pk for tag in article.tags.all()] if article.pk else []
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
