#!/usr/bin/env python3
"""A million stories: import the corpus in chunks, fill up in SQL if time runs out, then report.

    .venv/bin/python bench/million.py import CORPUS.jsonl [--chunk 50000] [--until 14:45]
    .venv/bin/python bench/million.py fill 1000000
    .venv/bin/python bench/million.py report [--samples 5]

Run with DATABASE_URL pointing at the (migrated) database, e.g. newsroom_million; REDIS_URL at a
Redis database of its own (or PAGE_CACHE=0).

``import``: ``import_articles`` holds a whole file in memory (it checks every line before it
writes), about 300 MB per 10,000 stories, so a million are imported as files of ``--chunk``
stories, each the corpus's sections, authors and tags (skipped after the first: their slugs
exist) followed by the next stories of the corpus; each chunk is one ``import_articles`` run
(``call_command`` with the chunk on its standard input), so each is one transaction, checked,
written through ``workflow.bulk.create_many`` and ANALYZEd as any import is. Stories already in
the database are skipped by the command, so a stopped import picks up where it was. It stops
before starting a chunk after ``--until`` (UTC), and prints each chunk's time and rate.

``fill N``: if fewer than N stories are in, the rest are made in SQL by duplicating imported
stories (every row an imported story has: the article with a new id, a slug "<slug>-d<k>" and a
publication time shifted back by whole corpus spans, so the copies extend the archive into
the past; its bylines, tags, revision 1 and audit entries), then ANALYZE. What was duplicated is
printed, so the figures say how many went through the importer.

``report``: database size, biggest tables and indexes, the admin story list timed (editor and
a writer, filters, search, page 500) against a trivial view in the same process, the reader
pages' query counts, and ``bench/explain.py``'s plans.
"""

import argparse
import io
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


def setup():
    import django

    django.setup()


def lines_of(path: str, follow: int):
    """The file's lines; with ``follow``, waits for a file still being written until it holds
    ``follow`` stories (the corpus can be imported while it is generated)."""
    stories = 0
    with open(path, "rb") as handle:
        partial = b""
        while True:
            line = handle.readline()
            if line.endswith(b"\n"):
                line, partial = partial + line, b""
                stories += b'"kind": "article"' in line[:40]
                yield line
                continue
            partial += line
            if not follow or stories >= follow:
                if partial.strip():
                    yield partial
                return
            time.sleep(1)


def chunks(path: str, size: int, follow: int = 0):
    """(header lines, [article lines]) per chunk of ``size`` stories."""
    header: list[bytes] = []
    batch: list[bytes] = []
    if True:
        for line in lines_of(path, follow):
            if b'"kind": "article"' in line[:40]:
                batch.append(line)
                if len(batch) == size:
                    yield header, batch
                    batch = []
            elif line.strip():
                header.append(line)
    if batch:
        yield header, batch


def do_import(args):
    setup()
    from django.core.management import call_command

    from articles.models import Article

    until = None
    if args.until:
        hour, minute = map(int, args.until.split(":"))
        until = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    total_created, total_seconds = 0, 0.0
    started = time.perf_counter()
    for number, (header, batch) in enumerate(chunks(args.corpus, args.chunk, args.follow), 1):
        if until and datetime.now(UTC) >= until:
            print(f"stopped at {args.until} UTC before chunk {number}", flush=True)
            break
        before = Article.objects.count() if args.count else None
        out = io.StringIO()
        t0 = time.perf_counter()
        call_command(
            "import_articles",
            "-",
            stdin=io.BytesIO(b"".join(header + batch)),
            stdout=out,
            stderr=io.StringIO(),
        )
        seconds = time.perf_counter() - t0
        created = 0
        summary = " ".join(out.getvalue().split())
        total_seconds += seconds
        after = Article.objects.count() if args.count else None
        if args.count:
            created = after - before
        total_created += created
        print(
            f"chunk {number}: {len(batch)} lines in {seconds:.1f} s "
            f"({len(batch) / seconds:.0f}/s); {summary}"
            + (f"; {after} stories in the database" if args.count else ""),
            flush=True,
        )
    wall = time.perf_counter() - started
    print(f"import wall clock {wall:.0f} s, of which import_articles {total_seconds:.0f} s")


# --- report -----------------------------------------------------------------------------------

NEWSROOM_PORT, TRIVIAL_PORT = 8196, 8197


def sizes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size: {cursor.fetchone()[0]}")
        cursor.execute(
            "SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)), "
            "pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8"
        )
        print("biggest tables (with indexes and TOAST; heap alone):")
        for name, total, heap in cursor.fetchall():
            print(f"  {name:<32} {total:>10}  {heap:>10}")
        cursor.execute(
            "SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'i' "
            "ORDER BY pg_relation_size(c.oid) DESC LIMIT 10"
        )
        print("biggest indexes:")
        for name, size in cursor.fetchall():
            print(f"  {name:<48} {size:>10}")


def reader_queries():
    """SQL queries per reader page, sitemap and feed (page cache off), as the tests pin them
    on small archives: the first requests fill the navigation and the related links."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article, Section
    from authors.models import Author

    published = Article.objects.published()
    story = published.order_by("-published_at")[published.count() // 2]
    section = Section.objects.get(pk=story.section_id)
    tag = story.tags.first()
    author = Author.objects.filter(bylines__article=story).first()
    word = story.headline.split()[1]
    last = max(1, -(-published.count() // settings.NEWSROOM_SITEMAP_PAGE_SIZE))
    pinned = [
        ("front page", "/", 2),
        ("story page", story.get_absolute_url(), 1),
        ("section", section.get_absolute_url(), 3),
        ("tag", f"/tag/{tag.slug}/", 3),
        ("author", author.get_absolute_url(), 3),
        ("search, a common word", f"/search/?q={word}", None),
        ("search, a phrase", f"/search/?q=%22{'+'.join(story.headline.split()[:3])}%22", None),
        ("sitemap index", "/sitemap.xml", 8),
        (f"sitemap page {last}", f"/sitemap-articles.xml?p={last}", 2),
        ("feed", "/feed/", 3),
        ("section feed", f"/section/{section.slug}/feed/", 4),
        ("tag feed", f"/tag/{tag.slug}/feed/", 4),
        ("author feed", f"/author/{author.slug}/feed/", 4),
    ]
    client = Client(HTTP_HOST="127.0.0.1")
    print("reader pages at this size: queries (the tests' count on small archives)")
    for label, url, expected in pinned:
        client.get("/")
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            ms = (time.perf_counter() - t0) * 1000
        n = len(ctx.captured_queries)
        slowest = max(float(q["time"]) for q in ctx.captured_queries) * 1000 if n else 0
        flag = "" if expected in (None, n) else f"  <-- expected {expected}"
        print(
            f"  {label:<24} {response.status_code} {n:>2} queries"
            f"{f' ({expected})' if expected is not None else '':<5} {ms:7.1f} ms, "
            f"slowest query {slowest:.1f} ms  {url}{flag}"
        )
        if response.headers.get("Location"):
            print(f"    redirected to {response.headers['Location']}")


def timed_get(url, cookie=None):
    import urllib.request

    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        status = response.status
    return time.perf_counter() - t0, status, body


def admin_times(samples):
    """The admin story list as an editor and as a writer (the visibility rule filters a
    writer's list to their own and bylined stories), each filter, the search box and page 500,
    through gunicorn (production settings, one worker), requests one at a time; against the
    trivial Django view (bench/trivial_app.py, also gunicorn) measured in between."""
    import statistics
    import tempfile

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from harness import serve, stop

    from articles.models import Article, Section
    from authors.models import Author
    from tests.factories import make_user

    User = get_user_model()
    editor = User.objects.filter(username="million-editor").first() or make_user(
        "million-editor", superuser=True
    )
    writer = User.objects.filter(username="million-writer").first()
    if writer is None:
        writer = make_user("million-writer", role="Writer")
    author = Author.objects.filter(user=writer).first()
    if author is None:
        author = Author.objects.filter(user__isnull=True).order_by("pk").first()
        author.user = writer
        author.save(update_fields=["user"])
    story = Article.objects.published().order_by("-published_at")[1000]
    section = Section.objects.get(pk=story.section_id)
    views = {
        "list": {},
        "page 500": {"p": "500"},
        "search: a common word": {"q": story.headline.split()[1]},
        "search: a rare word": {"q": "zqxv"},
        "filter live": {"state": "live"},
        "filter scheduled": {"state": "scheduled"},
        "filter pending changes": {"state": "pending"},
        "filter stage draft": {"stage__exact": "draft"},
        "filter section": {"section__id__exact": section.pk},
        "filter author": {"authors__id__exact": author.pk},
        "filter published past 7 days": {
            "published_at__gte": (story.published_at.date()).isoformat()
        },
        "date hierarchy: a year": {"published_at__year": story.published_at.year},
        "sorted by headline": {"o": "0"},
        "sorted by publication": {"o": "1"},
    }
    cookies = {}
    for user in (editor, writer):
        client = Client()
        client.force_login(user)
        cookies[user] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    work = Path(tempfile.mkdtemp(prefix="newsroom-million-"))
    env = {
        **os.environ,
        "PAGE_CACHE": "0",
        "STATIC_ROOT": str(work / "static"),
    }
    from urllib.parse import urlencode

    news = serve("newsroom.wsgi:application", NEWSROOM_PORT, env, workers=1)
    try:
        trivial = serve("bench.trivial_app:application", TRIVIAL_PORT, env, workers=1)
        try:
            trivial_url = f"http://127.0.0.1:{TRIVIAL_PORT}/"
            base = f"http://127.0.0.1:{NEWSROOM_PORT}/admin/articles/article/"
            trivial_times = []
            print(
                f"admin story list, median of {samples} requests after one unmeasured "
                "(ms, and as a multiple of the trivial view's time measured in between)"
            )
            results = {}
            for who, user in (("editor", editor), ("writer", writer)):
                for label, params in views.items():
                    url = base + ("?" + urlencode(params) if params else "")
                    timed_get(url, cookies[user])
                    times = []
                    for _ in range(samples):
                        trivial_times.append(timed_get(trivial_url)[0])
                        seconds, status, body = timed_get(url, cookies[user])
                        assert status == 200 and b"changelist" in body, (url, status)
                        times.append(seconds)
                    results[(who, label)] = statistics.median(times)
            trivial_ms = statistics.median(trivial_times) * 1000
            print(f"  trivial view: {trivial_ms:.2f} ms ({len(trivial_times)} requests)")
            for (who, label), seconds in results.items():
                ms = seconds * 1000
                print(f"  {who:<7} {label:<30} {ms:8.1f} ms  {ms / trivial_ms:6.1f}x trivial")
        finally:
            stop(trivial)
    finally:
        stop(news)


def do_report(args):
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["PAGE_CACHE"] = "0"  # Every page rendered: its queries are what is counted.
    setup()
    from django.db import connection

    from articles.models import Article

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_article")
        print(f"{cursor.fetchone()[0]:,} stories, {Article.objects.published().count():,} live")
    sizes()
    reader_queries()
    admin_times(args.samples)
    if not args.no_explain:
        import subprocess

        out = subprocess.run(
            [sys.executable, "bench/explain.py"], capture_output=True, text=True, cwd=ROOT
        ).stdout
        print("bench/explain.py:")
        print(out)
        timed = []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) > 3 and parts[2] == "ms":
                timed.append((float(parts[1]), " ".join(parts[3:])))
        for ms, name in sorted(timed, reverse=True)[:5]:
            print(f"slow: {ms:9.2f} ms  {name}")


# --- fill -------------------------------------------------------------------------------------

# Tables holding an imported story's rows, and the column naming the story.
STORY_ROWS = [
    ("articles_byline", "article_id"),
    ("articles_taggedarticle", "content_object_id"),
    ("articles_revision", "article_id"),
    ("articles_auditentry", "article_id"),
]


def columns(cursor, table):
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def do_fill(args):
    setup()
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM articles_article")
        have, _ = cursor.fetchone()
    imported = have
    print(f"{have:,} stories in the database (imported through import_articles)", flush=True)
    k = 0
    while have < args.target:
        k += 1
        todo = min(args.target - have, imported, args.step)
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # Copy k of the first ``todo`` imported stories (lowest ids): a new id, slug
            # "<slug>-d<k>", published k corpus spans (three years) earlier.
            cursor.execute("DROP TABLE IF EXISTS million_dup")
            cursor.execute(
                "CREATE TEMP TABLE million_dup ON COMMIT DROP AS "
                "SELECT id AS old_id, nextval(pg_get_serial_sequence('articles_article', 'id')) "
                "AS new_id FROM (SELECT id FROM articles_article WHERE slug NOT LIKE '%%-d_' "
                "ORDER BY id LIMIT %s) t",
                [todo],
            )
            cursor.execute("CREATE INDEX ON million_dup (old_id)")
            shift = f"interval '{3 * 365 * k} days'"
            replace = {
                "id": "d.new_id",
                "slug": f"left(a.slug, 195) || '-d{k}'",
                "published_at": f"a.published_at - {shift}",
                "updated_at": f"a.updated_at - {shift}",
            }
            names = columns(cursor, "articles_article")
            cursor.execute(
                f"INSERT INTO articles_article ({', '.join(names)}) "
                f"SELECT {', '.join(replace.get(c, 'a.' + c) for c in names)} "
                "FROM articles_article a JOIN million_dup d ON a.id = d.old_id"
            )
            for table, column in STORY_ROWS:
                names = [c for c in columns(cursor, table) if c != "id"]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) "
                    f"SELECT {', '.join('d.new_id' if c == column else 'r.' + c for c in names)} "
                    f"FROM {table} r JOIN million_dup d ON r.{column} = d.old_id"
                )
        have += todo
        print(
            f"duplicated {todo:,} stories in SQL (copy {k}) in {time.perf_counter() - t0:.0f} s; "
            f"{have:,} in the database",
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE articles_article, articles_byline, articles_taggedarticle, "
            "articles_revision, articles_auditentry"
        )
    print(f"{imported:,} imported, {have - imported:,} duplicated in SQL")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import")
    p.add_argument("corpus")
    p.add_argument("--chunk", type=int, default=50000)
    p.add_argument("--until", help="HH:MM UTC: start no chunk after it")
    p.add_argument("--follow", type=int, default=0, help="wait for a file being written")
    p.add_argument("--count", action="store_true", help="count stories after each chunk")
    p.set_defaults(run=do_import)
    p = sub.add_parser("fill")
    p.add_argument("target", type=int)
    p.add_argument("--step", type=int, default=100000)
    p.set_defaults(run=do_fill)
    p = sub.add_parser("report")
    p.add_argument("--samples", type=int, default=5)
    p.add_argument("--no-explain", action="store_true")
    p.set_defaults(run=do_report)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
