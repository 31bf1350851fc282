#!/usr/bin/env python3
"""EXPLAIN the hot reader queries on PostgreSQL and flag any sequential scan over articles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python bench/explain.py

Run it against a large archive (bench/run.py --articles 100000 leaves one in newsroom_bench).
Exit code 1 if a hot query reads the articles table sequentially.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from taggit.models import Tag  # noqa: E402

from articles import search  # noqa: E402
from articles.models import Article, Section, TaggedArticle  # noqa: E402
from authors.models import Author  # noqa: E402


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def check(name, queryset):
    raw = queryset.explain(format="json", analyze=True)
    if not raw.strip():
        print(f"{'-':<9}{'':>8}     {name} (nothing to run)")
        return True
    plan = json.loads(raw)[0]
    seq = [
        n["Relation Name"]
        for n in nodes(plan["Plan"])
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "articles_article"
    ]
    ms = plan.get("Execution Time", 0)
    print(f"{'SEQ SCAN' if seq else 'ok':<9}{ms:>8.2f} ms  {name}")
    return not seq


def main():
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL.")
    published = Article.objects.published()
    total = published.count()
    story = published.order_by("-published_at")[total // 2]
    section = Section.objects.get(pk=story.section_id)
    tag = Tag.objects.filter(articles_taggedarticle_items__content_object=story).first()
    author = Author.objects.filter(bylines__article=story).first()
    window = timedelta(days=45)
    deep = published.filter(section=section).order_by("-published_at", "-pk")[2000:2001].first()
    print(f"{total:,} published stories\n")
    hot = {
        "article page (by slug)": published.for_article_page().filter(slug=story.slug),
        "front: latest": published.for_listing()[:11],
        "front: lead story": published.filter(is_lead=True).for_listing()[:1],
        "section archive, first page": published.filter(section=section).for_listing()[:21],
        "section archive, 2,000 stories deep (cursor)": published.filter(section=section)
        .filter(
            Q(published_at__lt=deep.published_at)
            | Q(published_at=deep.published_at, pk__lt=deep.pk)
        )
        .for_listing()[:21]
        if deep
        else published.none(),
        "tag archive": published.filter(tags=tag).for_listing()[:21],
        "author archive": published.filter(bylines__author=author).for_listing()[:21],
        "related: tag candidates": TaggedArticle.objects.filter(
            tag_id__in=list(story.tags.values_list("pk", flat=True)),
            content_object__in=published.filter(
                published_at__gte=story.published_at - window,
                published_at__lte=story.published_at + window,
            ),
        ),
        "related: section candidates": published.filter(
            section_id=story.section_id,
            published_at__lt=story.published_at,
            published_at__gte=story.published_at - window,
        ).order_by("-published_at")[:30],
    }
    results = [check(name, qs) for name, qs in hot.items()]  # every plan printed
    ok = all(results)
    # Search is shown, not judged: ranking reads every match, and on a small table the planner
    # may rightly prefer a sequential scan to the GIN index.
    check("search, a phrase (informational)", search.search(f'"{story.headline}"')[:20])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
