#!/usr/bin/env python3
"""A page-cache hit against the trivial view, in-process through the WSGI handler (no server, no
wrk): microseconds per request for each, one after the other. Then, for the same pages, a miss
(cache on, every request a new address) against the page with the cache off.

    .venv/bin/python bench/hit.py [--db newsroom_mirror_bench] [--requests 20000] [--renders 300]

The database must exist, migrated and seeded (``manage.py seed_demo``); Redis db 14 is emptied
and used for the cache. The trivial view (bench/trivial_app.py) runs in a child process, since
it configures Django its own way.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import base_env  # noqa: E402


def environ(path, host="127.0.0.1", query=""):
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "8100",
        "HTTP_HOST": f"{host}:8100",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def timed(application, path, requests, new_address=False, rounds=5):
    """µs per request (best of ``rounds``), and the last response's status and headers. With
    ``new_address``, every request has a query of its own (a page-cache miss)."""
    seen = {}
    counter = iter(range(10**9))
    token = os.urandom(4).hex()

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    def one():
        query = f"n={token}-{next(counter)}" if new_address else ""
        result = application(environ(path, query=query), start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        return body

    for _ in range(min(200, requests)):
        one()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(requests // rounds):
            one()
        times.append((time.perf_counter() - started) / (requests // rounds) * 1e6)
    return min(times), seen


def newsroom(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    from articles.models import Article

    application = get_wsgi_application()

    paths = {
        "article": Article.objects.published().order_by("-published_at").first().get_absolute_url(),
        "front page": "/",
    }
    out = {}
    for name, path in paths.items():
        for _ in range(3):  # The first view starts the keys' clocks, the second is stored.
            timed_once = timed(application, path, 5)
        us, seen = timed(application, path, args.requests)
        assert seen["headers"].get("X-Cache") == "hit", (path, timed_once[1])
        out[name] = us
    from django.conf import settings

    # A miss against the same page with the cache off, round after round (the best of each
    # kept), so that a machine busy with something else weighs on both alike.
    for name, path in paths.items():
        best = {"miss": [], "off": []}
        for _ in range(5):
            us, seen = timed(application, path, args.renders // 5, new_address=True, rounds=1)
            assert seen["headers"].get("X-Cache") == "miss", (path, seen)
            best["miss"].append(us)
            settings.NEWSROOM_PAGE_CACHE = False
            us, seen = timed(application, path, args.renders // 5, rounds=1)
            settings.NEWSROOM_PAGE_CACHE = True
            assert "X-Cache" not in seen["headers"], (path, seen)
            best["off"].append(us)
        out[f"{name} miss"], out[f"{name} off"] = min(best["miss"]), min(best["off"])
    return out


def trivial(args):
    from bench.trivial_app import application

    us, seen = timed(application, "/", args.requests)
    assert seen["status"].startswith("200")
    return {"trivial view": us}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", default="newsroom_mirror_bench")
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--renders", type=int, default=300, help="requests for a miss and cache off")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    ap.add_argument("--part", choices=["newsroom", "trivial"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.part:
        result = newsroom(args) if args.part == "newsroom" else trivial(args)
        print("RESULT" + json.dumps(result))
        return

    env = {
        **base_env(args.db, Path(tempfile.gettempdir()) / "newsroom-bench-hit"),
        "REDIS_URL": args.redis,
        "PAGE_CACHE": "1",
    }
    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                       env=env, cwd=Path(__file__).resolve().parent.parent, check=True)  # fmt: skip
    db = args.redis.rsplit("/", 1)[1]
    subprocess.run(["redis-cli", "-n", db, "flushdb"], capture_output=True, check=True)
    results = {}
    for part in ("trivial", "newsroom"):
        out = subprocess.run(
            [sys.executable, __file__, "--part", part, "--db", args.db,
             "--requests", str(args.requests), "--renders", str(args.renders),
             "--redis", args.redis],
            env=env, stdout=subprocess.PIPE, text=True, check=True,
        ).stdout  # fmt: skip
        results.update(json.loads(out.split("RESULT", 1)[1]))
    base = results["trivial view"]
    for name, us in results.items():
        line = f"{name:<18}{us:>8.1f} µs/request{base / us:>8.0%} of the trivial view's rate"
        if name.endswith(" miss"):
            line += f"{us / results[name[:-5] + ' off']:>8.2f}x the page with the cache off"
        print(line)


if __name__ == "__main__":
    main()
