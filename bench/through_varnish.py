"""What bench/run.py measures through Varnish: pages served by a varnishd (ops/varnish/newsroom.vcl,
started as the tests start theirs, tests/varnish.py) in front of the cache-on server, against the
trivial view in the same run; and purge-to-visible time through every tier: from the commit of
a workflow change (a correction, made in another process as an editor's would be) to the first
request that sees it, polling each tier's address side by side."""

import json
import subprocess
import threading
import time
import urllib.request

from harness import PY, ROOT, wrk

from tests import varnish as varnish_server

# An editor (made once) adds a correction through the workflow. Its own on_commit callback is
# registered first, so it runs first after the commit, before the purges the workflow queued.
CORRECT = """
import json, time
from django.contrib.auth import get_user_model
from django.db import transaction
from articles import workflow
from articles.models import Article
User = get_user_model()
editor = User.objects.filter(username="bench-editor").first() or User.objects.create_superuser(
    "bench-editor", "bench@example.org", None)
article = Article.objects.get(pk=%d)
committed = {}
with transaction.atomic():
    transaction.on_commit(lambda: committed.setdefault("at", time.time()))
    workflow.correct(article, by=editor, kind="correction", text=%r)
print("RESULT" + json.dumps(committed["at"]))
"""


def start_varnish(backend_port: int):
    if not varnish_server.available():
        return None
    return varnish_server.Varnish(backend_port).start()


def measure_pages(varnish, pages: dict, duration: int, trivial_url: str) -> list:
    """wrk on each page through Varnish (once it answers HIT), between runs of the trivial view."""
    rows = []
    for name, path in pages.items():
        for _ in range(3):
            seen = urllib.request.urlopen(varnish.url + path, timeout=30)
            seen.read()
        if seen.headers.get("X-Cache") != "HIT":
            raise SystemExit(f"{path} is not a Varnish hit: X-Cache {seen.headers.get('X-Cache')}")
        before = wrk(trivial_url, duration)
        result = wrk(varnish.url + path, duration)
        after = wrk(trivial_url, duration)
        rows.append((name, result, (before["rps"] + after["rps"]) / 2))
    return rows


def _first_seen(url: str, text: str, deadline: float, out: dict, name: str):
    while time.time() < deadline:
        try:
            body = urllib.request.urlopen(url, timeout=5).read().decode("utf-8", "replace")
        except Exception:
            body = ""
        if text in body:
            out[name] = time.time()
            return
        time.sleep(0.002)


def purge_to_visible(env: dict, article_pk: int, path: str, tiers: dict, rounds: int = 5,
                     timeout: float = 10.0) -> dict:  # fmt: skip
    """For each round, a correction; per tier (name -> base URL) the seconds from its commit to
    the first response from that tier showing it, or None if not seen within ``timeout``."""
    results = {name: [] for name in tiers}
    for n in range(rounds):
        text = f"Purge timing check {time.time_ns()} round {n}."
        for base in tiers.values():  # Warm: each tier holds the page before the change.
            for _ in range(3):
                urllib.request.urlopen(base + path, timeout=30).read()
        seen: dict = {}
        deadline = time.time() + timeout + 30
        pollers = [
            threading.Thread(target=_first_seen, args=(base + path, text, deadline, seen, name))
            for name, base in tiers.items()
        ]
        for poller in pollers:
            poller.start()
        out = subprocess.run([PY, "manage.py", "shell", "-c", CORRECT % (article_pk, text)],
                             env=env, cwd=ROOT, check=True, capture_output=True, text=True)  # fmt: skip
        committed = json.loads(out.stdout.split("RESULT", 1)[1])
        for poller in pollers:
            poller.join(timeout=max(0.0, committed + timeout - time.time()) + 1)
        for name in tiers:
            at = seen.get(name)
            results[name].append(at - committed if at and at - committed <= timeout else None)
    return results


def describe_purges(results: dict) -> list[str]:
    lines = []
    for name, times in results.items():
        seen = sorted(t for t in times if t is not None)
        missed = len(times) - len(seen)
        if not seen:
            lines.append(f"  {name:<28} never seen within the timeout ({missed} rounds)")
            continue
        median = seen[len(seen) // 2]
        lines.append(
            f"  {name:<28} median {median * 1000:7.1f} ms, max {seen[-1] * 1000:7.1f} ms"
            + (f", {missed} of {len(times)} rounds never seen" if missed else "")
        )
    return lines
