#!/usr/bin/env python3
"""Newsroom soak: readers and editors together against gunicorn on PostgreSQL, page cache on.

    .venv/bin/python bench/soak.py [--minutes 3] [--articles 2000] [--editors 3] [--writers 2]

A fresh database (newsroom_soak) gets the corpus (bench/harness.py, as bench/run.py does);
gunicorn serves it with 2 sync workers and the page cache in Redis (db 5). For --minutes:

- readers: wrk (a Lua script) rotates over the front page, articles (the editors' among them),
  section, tag, author, search, corrections and feed pages, counting 5xx answers;
- editors (Editor role) each own a few live stories: they log in through the admin login form,
  edit a story in the admin change form (a unique marker in the body), publish the changes, add
  a correction every third round, and approve and publish what their writer submitted;
- writers (Writer role) each own a draft: edit it in the change form, submit it for review,
  wait for their editor to publish it, and go on editing the now live story.

After each publish and correction an anonymous reader polls the story's public page (through
the page cache) until the change shows; the delay is recorded. At the end the database is
checked: every acknowledged save is a revision of its story, every story's newest revision
holds its last acknowledged save, every story's live text holds its last published marker.

Reported: reader req/s and latency percentiles, editor actions with their latencies, 5xx
answers, lost edits, changes not visible within --visible-within seconds (all three must be
0: the exit status is 1 otherwise), and refused stale saves (two editors on one story; none
are expected as each story has one editor). Loopback only, bounded in time. Needs wrk,
PostgreSQL and Redis on localhost.
"""

import argparse
import http.client
import json
import queue
import re
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import CORPUS, django_shell, parse_wrk, prepare_site, serve, stop  # noqa: E402

DB = "newsroom_soak"
PASSWORD = "soak-Password-4821"  # noqa: S105 (a throwaway database on loopback)
ADMIN = "/admin/articles/article"

LUA = """
paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
counter = 0
server_errors = 0
hits = 0
misses = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  counter = math.random(#paths)
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if headers["X-Cache"] == "hit" then hits = hits + 1 else misses = misses + 1 end
end
function done(summary, latency, requests)
  local total, hit, miss = 0, 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("server_errors")
    hit = hit + t:get("hits")
    miss = miss + t:get("misses")
  end
  io.write(string.format("5xx responses: %%d\\npage cache: %%d hits, %%d misses\\n",
                         total, hit, miss))
end
"""

# Users, their stories and the readers' addresses, made before the server starts.
SETUP = """
import json
from django.contrib.auth.models import Group, User
from django.db.models import Count
from articles import workflow
from articles.models import Article, Section
from authors.models import Author
from taggit.models import Tag

editors_n, writers_n, per_editor = %(editors)d, %(writers)d, %(per_editor)d
live = list(Article.objects.published().order_by("-published_at")[:200])
editors, writers = [], []
for i in range(editors_n):
    user = User.objects.create_user(f"soak-editor-{i}", f"soak-editor-{i}@example.org",
                                    "%(password)s", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    own = live[i * per_editor:(i + 1) * per_editor]
    editors.append({"username": user.username,
                    "stories": [{"id": a.pk, "url": a.get_absolute_url()} for a in own]})
sections = list(Section.objects.all())
for i in range(writers_n):
    user = User.objects.create_user(f"soak-writer-{i}", f"soak-writer-{i}@example.org",
                                    "%(password)s", is_staff=True)
    user.groups.add(Group.objects.get(name="Writer"))
    author = Author.objects.create(name=f"Soak Writer {i}", slug=f"soak-writer-{i}", user=user)
    draft = workflow.create({"headline": f"Soak draft by writer {i}",
                             "standfirst": "A story written during the soak.",
                             "body": "<p>First draft.</p>",
                             "section": sections[i %% len(sections)].pk,
                             "bylines": [{"author": author.pk}]}, by=user)
    writers.append({"username": user.username, "story": {"id": draft.pk, "url": None},
                    "editor": i %% editors_n})
paths = ["/", "/corrections/", "/feed/", "/feed/atom/", "/sitemap.xml", "/news-sitemap.xml"]
paths += [a.get_absolute_url() for a in live]
paths += [s.get_absolute_url() for s in sections]
paths += [s.get_absolute_url() + "?page=2" for s in sections]
paths += [s.get_absolute_url() + "feed/" for s in sections]
tags = Tag.objects.annotate(n=Count("taggit_taggeditem_items")).order_by("-n")[:20]
paths += [f"/tag/{t.slug}/" for t in tags]
paths += [a.get_absolute_url() for a in Author.objects.filter(user__isnull=True)[:20]]
words = ["election", "council", "budget", "storm", "court", "energy", "market", "school",
         "health", "police", "transport", "football", "climate", "housing", "water"]
paths += [f"/search/?q={w}" for w in words]
print("RESULT" + json.dumps({"editors": editors, "writers": writers, "paths": paths}))
"""

# Every acknowledged save, publish and correction checked against the database.
VERIFY = """
import json
from articles.models import Article, Revision
from articles.editorial import Correction
log = json.load(open("%(log)s"))
lost, stale_tip, unpublished, missing_corrections = [], [], [], []
bodies = {}
for rev in Revision.objects.filter(article_id__in={s["article"] for s in log["saves"]}):
    bodies.setdefault(rev.article_id, []).append((rev.number, rev.data.get("body", "")))
for save in log["saves"]:
    if not any(save["marker"] in body for _n, body in bodies.get(save["article"], [])):
        lost.append(save)
last_save, last_publish = {}, {}
for save in log["saves"]:
    last_save[save["article"]] = save["marker"]
for pub in log["publishes"]:
    last_publish[pub["article"]] = pub["marker"]
for pk, marker in last_save.items():
    newest = max(bodies.get(pk, [(0, "")]))[1]
    if marker not in newest:
        stale_tip.append({"article": pk, "marker": marker})
live = {a.pk: a for a in Article.objects.filter(pk__in=last_publish)}
for pk, marker in last_publish.items():
    if marker not in live[pk].body or not live[pk].is_live:
        unpublished.append({"article": pk, "marker": marker})
texts = set(Correction.objects.values_list("text", flat=True))
missing_corrections = [c for c in log["corrections"] if c["text"] not in texts]
print("RESULT" + json.dumps({"lost": lost, "stale_tip": stale_tip, "unpublished": unpublished,
                             "missing_corrections": missing_corrections,
                             "revisions": sum(len(v) for v in bodies.values())}))
"""


class FormReader(HTMLParser):
    """The fields a browser would submit from the form with ``form_id``."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.in_form, self.fields = form_id, False, []
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_form = a.get("id") == self.form_id
        if not self.in_form:
            return
        kind = (a.get("type") or "text").lower()
        if tag == "input" and a.get("name"):
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self.textarea = (a["name"], [])
        elif tag == "select" and a.get("name"):
            self.select = (a["name"], "multiple" in a, [], [])
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self.select[3].append(value)
            if "selected" in a:
                self.select[2].append(value)

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea[0], "".join(self.textarea[1]).lstrip("\n")))
            self.textarea = None
        elif tag == "select" and self.select:
            name, multiple, chosen, options = self.select
            if not chosen and not multiple and options:
                chosen = options[:1]  # A browser sends the first option.
            self.fields += [(name, value) for value in chosen]
            self.select = None


class Stats:
    """Shared by every client thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {}  # action -> [seconds]
        self.server_errors = []  # (method, path, status)
        self.saves, self.publishes, self.corrections = [], [], []
        self.visible, self.invisible = [], []  # seconds / descriptions
        self.refused_stale, self.failures = [], []

    def add(self, name, value):
        with self.lock:
            getattr(self, name).append(value)

    def timed(self, action, seconds):
        with self.lock:
            self.latency.setdefault(action, []).append(seconds)


class Client:
    """A browser: cookies, CSRF token, one connection per request (gunicorn sync workers)."""

    def __init__(self, port, stats):
        self.port, self.stats, self.cookies, self.csrf = port, stats, {}, ""

    def request(self, method, path, fields=None, action=None):
        headers = {"Host": "127.0.0.1", "User-Agent": "newsroom-soak"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        if action:
            self.stats.timed(action, elapsed)
        if response.status >= 500:
            self.stats.add("server_errors", (method, path, response.status))
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if token:
            self.csrf = token.group(1)
        return response.status, response.headers, text

    def login(self, username):
        self.request("GET", "/admin/login/?next=/admin/")
        status, headers, text = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            [
                ("csrfmiddlewaretoken", self.csrf),
                ("username", username),
                ("password", PASSWORD),
                ("next", "/admin/"),
            ],  # fmt: skip
            action="login",
        )
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status})")

    def change_page(self, pk):
        status, _headers, text = self.request("GET", f"{ADMIN}/{pk}/change/", action="open form")
        if status != 200:
            raise RuntimeError(f"change page of {pk} answered {status}")
        return text

    def save(self, pk, marker):
        """Edit the body in the change form. True when the save was acknowledged."""
        form = FormReader("article_form")
        form.feed(self.change_page(pk))
        fields = []
        for name, value in form.fields:
            if name == "body":
                value = re.sub(r"<p>soak-[\w-]+</p>", "", value) + f"<p>{marker}</p>"
            fields.append((name, value))
        fields.append(("_continue", "Save and continue editing"))
        status, headers, text = self.request("POST", f"{ADMIN}/{pk}/change/", fields, "save")
        if status == 302:
            self.stats.add("saves", {"article": pk, "marker": marker, "at": time.time()})
            return True
        if "saved a newer version" in text:
            self.stats.add("refused_stale", {"article": pk, "marker": marker})
        else:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
            self.stats.add("failures", f"save {pk}: {status} {errors[:2]}")
        return False

    def workflow(self, pk, action, **extra):
        """A workflow button; True when the admin reported success. Returns (ok, page)."""
        fields = [("csrfmiddlewaretoken", self.csrf), *extra.items()]
        status, headers, _ = self.request(
            "POST", f"{ADMIN}/{pk}/workflow/{action}/", fields, action=action
        )
        done_at = time.perf_counter()
        page = self.change_page(pk) if status == 302 else ""
        messages = re.findall(r'<li class="(success|error|warning|info)">(.*?)</li>', page, re.S)
        ok = status == 302 and any(kind == "success" for kind, _ in messages)
        if not ok:
            self.stats.add("failures", f"{action} {pk}: {status} {messages}")
        return ok, page, done_at


def public_url(page):
    link = re.search(r'<a href="([^"]+)" class="viewsitelink"', page)
    return urlsplit(link.group(1)).path if link else None


def wait_visible(port, stats, path, needle, since, bound, what):
    """Poll the public page as an anonymous reader until ``needle`` shows."""
    reader = Client(port, stats)
    while True:
        status, _headers, text = reader.request("GET", path)
        waited = time.perf_counter() - since
        if status == 200 and needle in text:
            stats.add("visible", waited)
            return True
        if waited > bound:
            stats.add("invisible", f"{what} {needle!r} on {path} after {waited:.1f} s ({status})")
            return False
        time.sleep(0.05)


def editor_loop(me, spec, inbox, args, stats, deadline):
    client = Client(args.port, stats)
    client.login(spec["username"])
    rounds = 0
    while time.time() < deadline:
        story = spec["stories"][rounds % len(spec["stories"])]
        rounds += 1
        marker = f"soak-e{me}-a{story['id']}-n{rounds}"
        if client.save(story["id"], marker):
            ok, _page, at = client.workflow(story["id"], "publish", publish_at="", unpublish_at="")
            if ok:
                stats.add("publishes", {"article": story["id"], "marker": marker})
                wait_visible(args.port, stats, story["url"], marker, at, args.visible_within,
                             "publish")  # fmt: skip
        if rounds % 3 == 0:
            text = f"Soak correction {marker}: an earlier version misstated a figure."
            ok, _page, at = client.workflow(story["id"], "correct", kind="correction", text=text)
            if ok:
                stats.add("corrections", {"article": story["id"], "text": text})
                wait_visible(args.port, stats, story["url"], text, at, args.visible_within,
                             "correction")  # fmt: skip
        time.sleep(args.pause)  # Reading the story over.
        while True:  # What the writers handed in.
            try:
                pk, marker, handed_back = inbox.get_nowait()
            except queue.Empty:
                break
            ok, _page, _at = client.workflow(pk, "approve")
            if ok:
                ok, page, at = client.workflow(pk, "publish", publish_at="", unpublish_at="")
                if ok:
                    stats.add("publishes", {"article": pk, "marker": marker})
                    url = public_url(page)
                    wait_visible(args.port, stats, url, marker, at, args.visible_within,
                                 "publish")  # fmt: skip
            handed_back.set()


def writer_loop(me, spec, inbox, args, stats, deadline):
    client = Client(args.port, stats)
    client.login(spec["username"])
    pk, rounds = spec["story"]["id"], 0
    while time.time() < deadline:
        rounds += 1
        marker = f"soak-w{me}-a{pk}-n{rounds}"
        if not client.save(pk, marker):
            time.sleep(1)
            continue
        time.sleep(args.pause)  # Reading it over.
        if rounds % 2 == 0:
            continue  # Another pass before handing it in.
        ok, _page, _at = client.workflow(pk, "submit")
        if ok:
            handed_back = threading.Event()
            inbox.put((pk, marker, handed_back))
            handed_back.wait(timeout=60)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--editors", type=int, default=3)
    ap.add_argument("--writers", type=int, default=2)
    ap.add_argument("--stories-per-editor", type=int, default=3)
    ap.add_argument("--reader-connections", type=int, default=6)
    ap.add_argument("--pause", type=float, default=1.0, help="editors' seconds between rounds")
    ap.add_argument("--visible-within", type=float, default=5.0, help="seconds")
    ap.add_argument("--port", type=int, default=8110)
    ap.add_argument("--redis-db", type=int, default=5)
    ap.add_argument("--corpus", default=str(CORPUS), help="the corpus generator")
    ap.add_argument("--db", default=DB, help="PostgreSQL database to (re)create")
    args = ap.parse_args()
    seconds = int(args.minutes * 60)
    if args.editors == 0:
        args.writers = 0  # A writer needs an editor to publish what they submit.

    print(f"Preparing {args.articles:,} stories in {args.db}...", flush=True)
    work, env, import_seconds = prepare_site(args.db, args.articles, args.seed, args.corpus)
    plan = django_shell(
        SETUP
        % {
            "editors": args.editors,
            "writers": args.writers,
            "password": PASSWORD,
            "per_editor": args.stories_per_editor,
        },  # fmt: skip
        env,
    )
    (work / "paths.txt").write_text("\n".join(plan["paths"]) + "\n")
    (work / "soak.lua").write_text(LUA % {"paths": work / "paths.txt"})

    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    subprocess.run(["redis-cli", "-n", str(args.redis_db), "flushdb"], capture_output=True)
    app_env = {**env, "PAGE_CACHE": "1", "REDIS_URL": redis_url,
               "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}  # fmt: skip
    server = serve("newsroom.wsgi:application", args.port, app_env)
    stats = Stats()
    try:
        print(f"Soaking for {seconds} s: wrk -c{args.reader_connections} readers over "
              f"{len(plan['paths'])} addresses, {args.editors} editors, {args.writers} writers",
              flush=True)  # fmt: skip
        readers = subprocess.Popen(
            ["wrk", "-t2", f"-c{args.reader_connections}", f"-d{seconds}s", "--latency",
             "-s", str(work / "soak.lua"), f"http://127.0.0.1:{args.port}/"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.time() + seconds
        inboxes = [queue.Queue() for _ in plan["editors"]]
        threads = [
            threading.Thread(target=editor_loop, args=(i, spec, inboxes[i], args, stats, deadline))
            for i, spec in enumerate(plan["editors"])
        ] + [
            threading.Thread(
                target=writer_loop,
                args=(i, spec, inboxes[spec["editor"]], args, stats, deadline),
            )
            for i, spec in enumerate(plan["writers"])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        reader_out = readers.communicate(timeout=seconds + 120)[0]
    finally:
        stop(server)

    (work / "soak-log.json").write_text(
        json.dumps(
            {"saves": stats.saves, "publishes": stats.publishes, "corrections": stats.corrections}
        )  # fmt: skip
    )
    check = django_shell(VERIFY % {"log": work / "soak-log.json"}, env)
    reader = parse_wrk(reader_out)
    reader_5xx = int(re.search(r"5xx responses: (\d+)", reader_out).group(1))
    hits, misses = map(int, re.search(r"page cache: (\d+) hits, (\d+) misses", reader_out).groups())

    print(f"\nNewsroom soak: {args.articles:,} stories, gunicorn 2 sync workers, page cache on "
          f"(Redis), {seconds} s; import {import_seconds:.1f} s")  # fmt: skip
    print(f"\nReaders (wrk -t2 -c{args.reader_connections}, {len(plan['paths'])} addresses): "
          f"{reader['requests']:,} requests, {reader['rps']:.0f} req/s, p50 {reader['p50']}, "
          f"p90 {reader['p90']}, p99 {reader['p99']}; non-2xx/3xx {reader['non2xx']}, "
          f"5xx {reader_5xx}; socket errors: {reader['socket_errors'] or 'none'}; "
          f"page cache hits {100 * hits / max(1, hits + misses):.0f}%")  # fmt: skip
    print(f"\n{'editor action':<14}{'count':>7}{'p50':>9}{'p90':>9}{'max':>9}")
    for action, values in sorted(stats.latency.items()):
        print(f"{action:<14}{len(values):>7}{percentile(values, 50) * 1000:>7.0f}ms"
              f"{percentile(values, 90) * 1000:>7.0f}ms{max(values) * 1000:>7.0f}ms")  # fmt: skip
    visible = stats.visible
    print(
        f"\nacknowledged saves {len(stats.saves)}, publishes {len(stats.publishes)}, "
        f"corrections {len(stats.corrections)}, revisions checked {check['revisions']}"
    )
    if visible:
        print(f"visible to readers after publish/correction: p50 {percentile(visible, 50) * 1000:.0f} ms, "
              f"p90 {percentile(visible, 90) * 1000:.0f} ms, max {max(visible) * 1000:.0f} ms "
              f"({len(visible)} changes)")  # fmt: skip
    print(f"stale saves correctly refused: {len(stats.refused_stale)}")
    failures = {
        "5xx answers (readers)": reader_5xx,
        "5xx answers (editors and polls)": len(stats.server_errors),
        "lost edits (acknowledged save not in any revision)": len(check["lost"]),
        "newest revision without the last acknowledged save": len(check["stale_tip"]),
        "published marker not in the live story": len(check["unpublished"]),
        "acknowledged corrections missing": len(check["missing_corrections"]),
        f"changes not visible within {args.visible_within:g} s": len(stats.invisible),
        "editor actions that failed": len(stats.failures),
    }
    for name, count in failures.items():
        print(f"{name}: {count}")
    details = (stats.server_errors[:5] + check["lost"][:5] + check["stale_tip"][:5]
               + check["unpublished"][:5] + stats.invisible[:5] + stats.failures[:5])  # fmt: skip
    for detail in details:
        print("  ", detail)
    editing = args.editors > 0
    sane = reader["requests"] and (not editing or (stats.saves and stats.publishes))
    if any(failures.values()) or not sane:
        print("\nFAIL")
        sys.exit(1)
    print("\nOK")


if __name__ == "__main__":
    main()
