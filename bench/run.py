#!/usr/bin/env python3
"""Newsroom benchmark: corpus → import into PostgreSQL → gunicorn → wrk, cache off, on and missed.

    .venv/bin/python bench/run.py [--articles 10000] [--seed 1] [--duration 10]

Needs: the local PostgreSQL (user postgres, trust), Redis for the cache-on runs, and `wrk`
(apt-get install wrk). Loopback only, bounded in time. It prints, for one article, 200 articles
in rotation, the front page and a section page, cache off and on: requests per second, p50 and
p99 latency, the share of the trivial view's rate (measured alternately in the same run), SQL
queries per page and response size; and the import time. Then, cache on, the story and front
pages with every request a new address (a ``?n=`` the views ignore, so every request is a page
cache miss that is rendered and stored), against the cache-off rate of the same page measured
beside it (runs alternating with a second, cache-off server on port 8102): what a
reader on the long tail, or right after a publish, costs.

Then, with varnishd installed (apt-get install varnish varnish-modules), the front page and a
story served through Varnish (ops/varnish/newsroom.vcl) in front of the cache-on server, against
the trivial view in the same run, and the purge-to-visible time through every tier: from the
commit of a correction made through the workflow in another process to the first response from
the page cache (gunicorn directly) and from Varnish that shows it. ``--varnish-only`` measures
just those (and the trivial view), skipping the cache-off and page-cache rows.
"""

import argparse
import json
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import CORPUS, PY, django_shell, prepare_site, serve, sh, stop, wrk  # noqa: E402
from through_varnish import (  # noqa: E402
    describe_purges,
    measure_pages,
    purge_to_visible,
    start_varnish,
)

DB = "newsroom_bench"
LUA_ROTATE = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""
# Every request a new address: the wrk thread's number and a counter (two threads each keep a
# counter of their own), and a token per run so that no run meets an address another stored.
LUA_MISS = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "%s?n=%s-" .. tid .. "-" .. counter)
end
"""


def warm(base, paths):
    """Steady state before measuring: an imported story's related links are worked out on its
    first view, and a page is stored in the cache on its second (the first starts the clocks
    of its keys), so every page is asked for three times first."""
    for path in paths:
        for _ in range(3):
            urllib.request.urlopen(base + path, timeout=30).read()


def page_facts(paths, env):
    """SQL queries and bytes per page, measured in-process with the test client (cache off)."""
    code = (
        "import json;from django.test import Client;from django.db import connection;"
        "from django.test.utils import CaptureQueriesContext;c=Client();out={};\n"
        f"for p in {json.dumps(paths)}:\n"
        "  c.get(p, HTTP_HOST='127.0.0.1')\n"
        "  with CaptureQueriesContext(connection) as q: r=c.get(p, HTTP_HOST='127.0.0.1')\n"
        "  out[p]=[len(q.captured_queries), len(r.content), r.status_code]\n"
        "print('FACTS'+json.dumps(out))"
    )
    env = {**env, "PAGE_CACHE": "0", "DJANGO_DEBUG": "1"}
    out = sh([PY, "manage.py", "shell", "-c", code], env, capture_output=True, text=True).stdout
    return json.loads(out.split("FACTS", 1)[1])


def measure_misses(path, work, duration):
    """wrk on ``path`` with a new query every request (cache on, port 8100), once a request
    shows it is a miss, between runs of the same page with the cache off (port 8102): a busy
    machine changes rates within minutes, so the ratio is taken from runs side by side.
    Returns the misses' result (rates averaged), the cache-off rate and the trivial view's."""
    token = secrets.token_hex(4)
    check = urllib.request.urlopen(f"http://127.0.0.1:8100{path}?n={token}-check", timeout=30)
    if check.headers.get("X-Cache") != "miss":
        raise SystemExit(
            f"{path}?n=... is not a page-cache miss: X-Cache {check.headers.get('X-Cache')}"
        )
    lua = work / f"miss-{token}.lua"
    lua.write_text(LUA_MISS % (path, token))
    trivial = [wrk("http://127.0.0.1:8101/", duration)]
    off = [wrk("http://127.0.0.1:8102" + path, duration)]
    misses = []
    for _ in range(2):
        misses.append(wrk("http://127.0.0.1:8100" + path, duration, script=str(lua)))
        off.append(wrk("http://127.0.0.1:8102" + path, duration))
    trivial.append(wrk("http://127.0.0.1:8101/", duration))
    result = {**misses[-1], "rps": sum(m["rps"] for m in misses) / len(misses)}
    return (result, sum(o["rps"] for o in off) / len(off),
            sum(t["rps"] for t in trivial) / len(trivial))  # fmt: skip


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--db", default=DB, help="PostgreSQL database to (re)create")
    ap.add_argument("--varnish-only", action="store_true",
                    help="only the Varnish rows and the purge-to-visible times")  # fmt: skip
    ap.add_argument("--purge-rounds", type=int, default=5)
    ap.add_argument(
        "--redis-db", type=int, default=15, help="Redis database (emptied) for the cache"
    )
    args = ap.parse_args()

    work, env, import_seconds = prepare_site(args.db, args.articles, args.seed, args.corpus)

    listing = (
        "from articles.models import Article, Section;import json;"
        "a=[x.get_absolute_url() for x in Article.objects.published().order_by('-published_at')[:200]];"
        "s=Section.objects.first().get_absolute_url();"
        "c=Article.objects.published().order_by('-published_at')[1];"
        "print('RESULT'+json.dumps([a, s, [c.pk, c.get_absolute_url()]]))"
    )
    articles, section, (corrected_pk, corrected_path) = django_shell(listing, env)
    rotation = work / "paths.txt"
    rotation.write_text("\n".join(articles) + "\n")
    lua = work / "rotate.lua"
    lua.write_text(LUA_ROTATE % rotation)
    pages = {"one article": articles[0], "200 articles": None, "front page": "/",
             "section page": section}  # fmt: skip
    facts = page_facts([articles[0], "/", section], env)

    misses = {"one article": articles[0], "front page": "/"}

    trivial = serve("bench.trivial_app:application", 8101, env)
    rows = []
    off_beside = {}  # Cache-off rates measured beside each page's misses.
    # In front of the cache-on server (port 8100), which purges it by key (PURGE_VARNISH_URLS).
    varnish = start_varnish(8100)
    varnish_pages = {"front page": "/", "one article": articles[0]}
    purges = None
    try:
        for cache_on in (False, True) if not args.varnish_only else (True,):
            app_env = {**env, "PAGE_CACHE": "1" if cache_on else "0",
                       "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
                       **({"PURGE_VARNISH_URLS": varnish.url} if varnish else {})}  # fmt: skip
            subprocess.run(["redis-cli", "-n", str(args.redis_db), "flushdb"], capture_output=True)
            app = serve("newsroom.wsgi:application", 8100, app_env)
            try:
                if cache_on and varnish:
                    warm("http://127.0.0.1:8100", varnish_pages.values())
                    for name, result, trivial_rps in measure_pages(
                        varnish, varnish_pages, args.duration, "http://127.0.0.1:8101/"
                    ):
                        rows.append((name, "varnish", result, trivial_rps, 0, None))
                    purges = purge_to_visible(
                        app_env, corrected_pk, corrected_path,
                        {"page cache (gunicorn :8100)": "http://127.0.0.1:8100",
                         "Varnish": varnish.url},
                        rounds=args.purge_rounds,
                    )  # fmt: skip
                for name, path in pages.items() if not args.varnish_only else ():
                    url = "http://127.0.0.1:8100" + (path or "/")
                    warm("http://127.0.0.1:8100", [path] if path else articles)
                    base = wrk("http://127.0.0.1:8101/", args.duration)
                    result = wrk(url, args.duration, script=str(lua) if path is None else None)
                    base_after = wrk("http://127.0.0.1:8101/", args.duration)
                    trivial_rps = (base["rps"] + base_after["rps"]) / 2
                    queries, size, _status = facts.get(path or articles[0], [None, None, None])
                    rows.append((name, "on" if cache_on else "off", result, trivial_rps,
                                 queries, size))  # fmt: skip
                if cache_on and not args.varnish_only:
                    off_app = serve(
                        "newsroom.wsgi:application", 8102, {**app_env, "PAGE_CACHE": "0"}
                    )
                    try:
                        for name, path in misses.items():
                            warm("http://127.0.0.1:8102", [path])
                            result, off_rps, trivial_rps = measure_misses(path, work, args.duration)
                            queries, size, _status = facts.get(path, [None, None, None])
                            rows.append((name, "miss", result, trivial_rps, queries, size))
                            off_beside[name] = off_rps
                    finally:
                        stop(off_app)
            finally:
                stop(app)
    finally:
        stop(trivial)
        if varnish:
            varnish.stop()

    print(f"\nNewsroom benchmark: {args.articles:,} articles (corpus seed {args.seed}), "
          f"gunicorn 2 sync workers, wrk -t2 -c8 -d{args.duration}s")  # fmt: skip
    print(
        f"import_articles: {import_seconds:.1f} s ({args.articles / import_seconds:,.0f} articles/s)\n"
    )
    head = f"{'page':<14}{'cache':<7}{'req/s':>9}{'p50':>10}{'p99':>10}{'trivial':>9}{'share':>8}{'SQL':>5}{'bytes':>8}{'non2xx':>8}{'cost':>7}"
    print(head)
    print("-" * len(head))
    for name, cache, r, trivial_rps, queries, size in rows:
        share = 100 * r["rps"] / trivial_rps if trivial_rps else 0
        sql = "-" if cache in ("on", "varnish") else str(queries)
        # What a request costs against the same page with the cache off (the inverse of rates).
        cost = f"{off_beside[name] / r['rps']:>6.2f}x" if cache == "miss" and r["rps"] else ""
        print(f"{name:<14}{cache:<7}{r['rps']:>9.0f}{r['p50']:>10}{r['p99']:>10}"
              f"{trivial_rps:>9.0f}{share:>7.1f}%{sql:>5}{size or 0:>8}{r['non2xx']:>8}{cost:>7}")  # fmt: skip
    print(
        "\n(cache on: served from the page cache in Redis, 0 SQL queries per hit; miss: cache "
        "on, every request a new address,\n rendered and stored; cost: its time per request "
        "against the same page's with the cache off, measured beside it: "
        + ", ".join(f"{name} {rps:.0f} req/s" for name, rps in off_beside.items())
        + ")"
    )
    through = [
        (name, r["rps"] / t) for name, cache, r, t, _q, _s in rows if cache == "varnish" and t
    ]
    if through:
        print(
            "\nvarnish: served by varnishd (ops/varnish/newsroom.vcl) in front of the cache-on "
            "server, every request a hit: "
            + ", ".join(f"{name} {ratio:.1f}x the trivial view" for name, ratio in through)
            + " (the issue asks at least 5x for the front page)"
        )
    else:
        print("\nvarnish: not measured (no varnishd with the xkey vmod)")
    if purges:
        print(
            f"\nPurge to visible ({args.purge_rounds} corrections through the workflow, from "
            "the commit to the first response showing it):"
        )
        print("\n".join(describe_purges(purges)))


if __name__ == "__main__":
    main()
