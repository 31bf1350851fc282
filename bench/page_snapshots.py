"""Snapshot the HTML (and XML) of every public page type, and compare against a snapshot.

A restructuring must not change what readers get. Run ``save`` before the change and
``compare`` after it, against the same database (``DATABASE_URL``, which holds real content:
``seed_demo`` plus an imported corpus). Pages are rendered in-process through Django's test
client with the page cache off, at a frozen moment (an hour after the newest story), so the
only differences are the code's. Whitespace between tags is ignored, and so is markup that
``--ignore`` names (a regular expression, e.g. a new element added on purpose).

    DATABASE_URL=... .venv/bin/python bench/page_snapshots.py save var/snapshots
    DATABASE_URL=... .venv/bin/python bench/page_snapshots.py compare var/snapshots \
        --ignore '<span class="reading-time">[^<]*</span>'
"""

import argparse
import hashlib
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# What readers get in production: debug off (a 404 is the site's page, not Django's
# technical one), the page cache off (every page rendered by the code under test).
os.environ.update(PAGE_CACHE="0", DJANGO_DEBUG="0", ALLOWED_HOSTS="testserver")
os.environ.setdefault("SECRET_KEY", "page-snapshots-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Static addresses as in development (no collectstatic manifest needed to render a page).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

import time_machine  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402

PER_KIND = 8


def addresses() -> list[str]:
    from taggit.models import Tag

    from articles.models import Article, Correction, PreviewLink, Section
    from authors.models import Author

    live = Article.objects.published().order_by("-published_at", "-pk")
    stories = list(live[:PER_KIND]) + list(live.order_by("published_at", "pk")[:PER_KIND])
    urls = ["/", "/corrections/", "/search/?q=minister", "/search/?q=%22city+council%22",
            "/search/?q=harbour&section=1", "/feed/", "/feed/atom/", "/sitemap.xml",
            "/news-sitemap.xml", "/robots.txt", "/sitemap-articles.xml", "/sitemap-sections.xml",
            "/sitemap-tags.xml", "/sitemap-authors.xml", "/no/such/page/",
            "/section/no-such-section/", "/?page=abc"]  # fmt: skip
    urls += [story.get_absolute_url() for story in stories]
    for section in Section.objects.all():
        urls += [section.get_absolute_url(), f"{section.get_absolute_url()}feed/"]
    for tag in Tag.objects.order_by("pk")[:PER_KIND]:
        urls += [f"/tag/{tag.slug}/", f"/tag/{tag.slug}/feed/atom/"]
    for author in Author.objects.order_by("pk")[:PER_KIND]:
        urls += [f"/author/{author.slug}/", f"/author/{author.slug}/feed/"]
    gone = Article.objects.gone().first()
    if gone:
        urls.append(gone.get_absolute_url())
    for correction in Correction.objects.select_related("article")[:2]:
        urls.append(correction.article.get_absolute_url())
    for link in PreviewLink.objects.all()[:2]:
        urls.append(link.get_absolute_url())
    return urls


def normalise(text: str, ignore: list[str]) -> str:
    for pattern in ignore:
        text = re.sub(pattern, "", text)
    text = re.sub(r">\s+<", "><", text)
    return re.sub(r"\s+", " ", text).strip()


def render_all(ignore: list[str]) -> dict[str, str]:
    from articles.models import Article

    newest = Article.objects.aggregate(m=Max("published_at"))["m"]
    pages = {}
    with time_machine.travel(newest + timedelta(hours=1), tick=False):
        client = Client()
        for url in addresses():
            response = client.get(url, follow=False, secure=True)
            body = response.content.decode() if response.content else ""
            pages[url] = f"{response.status_code} {response.get('Location', '')}\n" + normalise(
                body, ignore
            )
    return pages


def filename(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()[:16] + ".txt"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["save", "compare"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--ignore", action="append", default=[], help="regex of markup to drop")
    args = parser.parse_args()
    pages = render_all(args.ignore)
    if args.mode == "save":
        args.folder.mkdir(parents=True, exist_ok=True)
        index = []
        for url, text in pages.items():
            (args.folder / filename(url)).write_text(url + "\n" + text)
            index.append(url)
        (args.folder / "index").write_text("\n".join(index) + "\n")
        print(f"saved {len(pages)} pages in {args.folder}")
        return 0
    saved = (args.folder / "index").read_text().split()
    differ = 0
    for url in saved:
        before = (args.folder / filename(url)).read_text().split("\n", 1)[1]
        before = normalise(before, args.ignore)
        after = normalise(pages.get(url, "(not rendered)"), args.ignore)
        if before != after:
            differ += 1
            at = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), 0)
            print(f"DIFFERS {url}\n  before: …{before[max(0, at - 80) : at + 120]}…")
            print(f"  after:  …{after[max(0, at - 80) : at + 120]}…")
    print(f"{len(saved) - differ} of {len(saved)} pages the same (whitespace aside)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
