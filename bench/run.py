#!/usr/bin/env python3
"""Newsroom benchmark: corpus → import into PostgreSQL → gunicorn → wrk, cache off and on.

    .venv/bin/python bench/run.py [--articles 10000] [--seed 1] [--duration 10]

Needs: the local PostgreSQL (user postgres, trust), Redis for the cache-on runs, and `wrk`
(apt-get install wrk). Loopback only, bounded in time. It prints, for one article, 200 articles
in rotation, the front page and a section page, cache off and on: requests per second, p50 and
p99 latency, the share of the trivial view's rate (measured alternately in the same run), SQL
queries per page and response size; and the import time.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB = "newsroom_bench"
BASE_ENV = {
    **os.environ,
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SERVE_MEDIA": "1",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "LOG_LEVEL": "WARNING",
}
LUA_ROTATE = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def sh(cmd, env=None, **kwargs):
    return subprocess.run(cmd, env=env or BASE_ENV, cwd=ROOT, check=True, **kwargs)


def psql(sql):
    sh(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql])


def wait_for(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def serve(app, port, env):
    proc = subprocess.Popen(
        [PY, "-m", "gunicorn", app, "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/")
    except BaseException:
        stop(proc)
        raise
    return proc


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def wrk(url, duration, script=None):
    cmd = ["wrk", "-t2", "-c8", f"-d{duration}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": lat.get("50"), "p99": lat.get("99"),
            "non2xx": int(errors.group(1)) if errors else 0}  # fmt: skip


def page_facts(paths):
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
    env = {**BASE_ENV, "PAGE_CACHE": "0", "DJANGO_DEBUG": "1"}
    out = sh([PY, "manage.py", "shell", "-c", code], env=env, capture_output=True, text=True).stdout
    return json.loads(out.split("FACTS", 1)[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "bench" / "corpus.py"))
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    BASE_ENV["STATIC_ROOT"] = str(work / "static")
    BASE_ENV["MEDIA_ROOT"] = str(work / "media")
    sh([PY, "manage.py", "collectstatic", "--noinput", "-v0"])
    corpus = work / "corpus.jsonl"
    with corpus.open("w") as out:
        sh([PY, args.corpus, str(args.articles), str(args.seed)], stdout=out)
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    sh([PY, "manage.py", "migrate", "--noinput", "-v0"])
    started = time.perf_counter()
    sh([PY, "manage.py", "import_articles", str(corpus)], stderr=subprocess.DEVNULL)
    import_seconds = time.perf_counter() - started

    listing = (
        "from articles.models import Article, Section;import json;"
        "a=[x.get_absolute_url() for x in Article.objects.published().order_by('-published_at')[:200]];"
        "s=Section.objects.first().get_absolute_url();print('PATHS'+json.dumps([a, s]))"
    )
    out = sh([PY, "manage.py", "shell", "-c", listing], capture_output=True, text=True).stdout
    articles, section = json.loads(out.split("PATHS", 1)[1])
    rotation = work / "paths.txt"
    rotation.write_text("\n".join(articles) + "\n")
    lua = work / "rotate.lua"
    lua.write_text(LUA_ROTATE % rotation)
    pages = {"one article": articles[0], "200 articles": None, "front page": "/",
             "section page": section}  # fmt: skip
    facts = page_facts([articles[0], "/", section])

    trivial = serve("bench.trivial_app:application", 8101, BASE_ENV)
    rows = []
    try:
        for cache_on in (False, True):
            env = {**BASE_ENV, "PAGE_CACHE": "1" if cache_on else "0",
                   "REDIS_URL": "redis://127.0.0.1:6379/15"}  # fmt: skip
            subprocess.run(["redis-cli", "-n", "15", "flushdb"], capture_output=True)
            app = serve("newsroom.wsgi:application", 8100, env)
            try:
                for name, path in pages.items():
                    url = "http://127.0.0.1:8100" + (path or "/")
                    base = wrk("http://127.0.0.1:8101/", args.duration)
                    result = wrk(url, args.duration, script=str(lua) if path is None else None)
                    base_after = wrk("http://127.0.0.1:8101/", args.duration)
                    trivial_rps = (base["rps"] + base_after["rps"]) / 2
                    queries, size, _status = facts.get(path or articles[0], [None, None, None])
                    rows.append((name, "on" if cache_on else "off", result, trivial_rps,
                                 queries, size))  # fmt: skip
            finally:
                stop(app)
    finally:
        stop(trivial)

    print(f"\nNewsroom benchmark: {args.articles:,} articles (corpus seed {args.seed}), "
          f"gunicorn 2 sync workers, wrk -t2 -c8 -d{args.duration}s")  # fmt: skip
    print(
        f"import_articles: {import_seconds:.1f} s ({args.articles / import_seconds:,.0f} articles/s)\n"
    )
    head = f"{'page':<14}{'cache':<7}{'req/s':>9}{'p50':>10}{'p99':>10}{'trivial':>9}{'share':>8}{'SQL':>5}{'bytes':>8}{'non2xx':>8}"
    print(head)
    print("-" * len(head))
    for name, cache, r, trivial_rps, queries, size in rows:
        share = 100 * r["rps"] / trivial_rps if trivial_rps else 0
        sql = "-" if cache == "on" else str(queries)
        print(f"{name:<14}{cache:<7}{r['rps']:>9.0f}{r['p50']:>10}{r['p99']:>10}"
              f"{trivial_rps:>9.0f}{share:>7.1f}%{sql:>5}{size or 0:>8}{r['non2xx']:>8}")  # fmt: skip
    print("\n(cache on: served from the page cache in Redis, 0 SQL queries per hit)")


if __name__ == "__main__":
    main()
