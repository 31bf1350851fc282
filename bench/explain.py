#!/usr/bin/env python3
"""EXPLAIN the hot queries on PostgreSQL and flag any sequential scan over articles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python bench/explain.py

Run it against a large archive (bench/run.py --articles 100000 leaves one in newsroom_bench).
Covers the reader pages, reader search (a word, a phrase, a word most stories hold) and every
query of the admin story list's page views (list, each filter, search box, each sortable
column, page 500) and of the sitemap index, taken from the page as it runs them. Exit code 1
if any of them reads the articles table sequentially.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from collections import Counter  # noqa: E402
from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag  # noqa: E402

from articles import search  # noqa: E402
from articles.models import Article, Section, TaggedArticle  # noqa: E402
from articles.reading import front_page, story_page  # noqa: E402
from authors.models import Author  # noqa: E402


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def check(name, queryset):
    """EXPLAIN ANALYZE a queryset (or a SELECT's text); print its time and any Seq Scan."""
    if isinstance(queryset, str):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {queryset}")
            raw = cursor.fetchone()[0]
        raw = raw if isinstance(raw, str) else json.dumps(raw)
    else:
        raw = queryset.explain(format="json", analyze=True)
    if not raw.strip():
        print(f"{'-':<9}{'':>8}     {name} (nothing to run)")
        return True
    plan = json.loads(raw)[0]
    seq = [
        n["Relation Name"]
        for n in nodes(plan["Plan"])
        if n["Node Type"] == "Seq Scan"
        and n.get("Relation Name") == "articles_article"
        # A branch the plan never ran reads nothing (the admin paginator's COUNT(*) fallback
        # for a small table, when PostgreSQL's estimate is used).
        and n.get("Actual Loops", 1) > 0
    ]
    ms = plan.get("Execution Time", 0)
    print(f"{'SEQ SCAN' if seq else 'ok':<9}{ms:>8.2f} ms  {name}")
    return not seq


def count_sql(queryset):
    """The SQL of ``queryset.count()`` (what the paginator runs), as PostgreSQL gets it."""
    with CaptureQueriesContext(connection) as ctx:
        queryset.count()
    return ctx.captured_queries[-1]["sql"]


def admin_page_queries(params):
    """The SELECTs over articles that one view of the admin story list runs."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="explain-bench"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/articles/article/", params)
    assert response.status_code == 200, (params, response.status_code)
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and '"articles_article"' in q["sql"]
    ]


def admin_checks(story, section, author):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    year = story.published_at.year
    views = {
        "list": {},
        "page 500": {"p": "500"},
        "search box, a rare word": {"q": story.headline.split()[0][:6] + "zq"},
        "search box, a common word": {"q": story.headline.split()[1]},
        "filter publication: live": {"state": "live"},
        "filter publication: scheduled": {"state": "scheduled"},
        "filter publication: overdue": {"state": "overdue"},
        "filter publication: not published": {"state": "not_published"},
        "filter publication: unpublished": {"state": "unpublished"},
        "filter publication: pending changes": {"state": "pending"},
        "filter stage: draft": {"stage__exact": "draft"},
        "filter stage: in review": {"stage__exact": "in_review"},
        "filter section": {"section__id__exact": section.pk},
        "filter author": {"authors__id__exact": author.pk},
        "filter published: past 7 days": {
            "published_at__gte": (story.published_at - timedelta(days=7)).date().isoformat()
        },
        "date hierarchy: a year": {"published_at__year": year},
        **{f"sorted by column {i}": {"o": str(i)} for i in ("0", "-0", 1, -1, 2, 3, 4, 5, 6, 7)},
    }
    ok = True
    with transaction.atomic():
        get_user_model().objects.create_superuser("explain-bench", "", None)
        for view, params in views.items():
            for n, sql in enumerate(admin_page_queries(params), 1):
                ok &= check(f"admin {view} ({n}: {sql[7:60]}...)", sql)
        transaction.set_rollback(True)
    return ok


def sitemap_checks():
    """Every query of the sitemap index (what crawlers ask for most, rendered again after
    each publish): each sitemap's newest change and its number of entries."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.NEWSROOM_PAGE_CACHE = False  # Rendered, not served from the page cache.
    with CaptureQueriesContext(connection) as ctx:
        response = Client().get("/sitemap.xml")
    assert response.status_code == 200, response.status_code
    ok = True
    for n, query in enumerate(ctx.captured_queries, 1):
        ok &= check(f"sitemap index ({n}: {query['sql'][7:60]}...)", query["sql"])
    return ok


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
    now = timezone.now()
    shown = list(published.order_by("-published_at", "-pk").values_list("pk", flat=True)[:11])
    hot = {
        # The queries the story page and the front page run (compiled once, prepared).
        "article page (one query: story, bylines, tags, links, navigation)": story_page._build(
            story.slug, now
        ),
        "front: the lead and the latest, with bylines": front_page._front_top(now),
        "front: each section's newest, with bylines": front_page._front_sections(now, shown),
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
    words = story.headline.split()
    common = Counter(w.lower() for s in published[:200].values_list("headline", flat=True)
                     for w in s.split()).most_common(1)[0][0]  # fmt: skip
    for label, q in [
        ("a phrase (the headline)", f'"{story.headline}"'),
        ("a two-word phrase", f'"{words[0]} {words[1]}"'),
        ("a rare word (an author's name)", author.name.split()[-1]),
        ("a word most stories hold", common),
        ("two common words", f"{words[0]} {words[1]}"),
        ("a phrase, or a word", f'"{words[0]} {words[1]}" or {words[2]}'),
    ]:
        found = search.search(q)
        hot[f"search, {label}: page 1"] = found[:20]
        hot[f"search, {label}: count"] = count_sql(found)
    results = [check(name, qs) for name, qs in hot.items()]  # every plan printed
    print()
    results.append(sitemap_checks())
    print()
    results.append(admin_checks(story, section, author))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
